"""HTTP/S deliveries in the background: each job is POSTed, retried on server-side failures as
its delivery policy says, and when every attempt failed (or the endpoint refused it with a
client-side error), handed to the subscription's dead-letter queue through the events bus. A
Publish returns once its jobs are accepted here, which records them durably (http_jobs.py).

N processes, one attempt at a time: a job is recorded as owned by this dispatcher's liveness
lease (http_owner.py) in the commit that accepts it, and delivered by this process only. It
checks that lease (in memory) before each attempt and writes the attempt count after each
failed one, conditionally on the record's version. A takeover scan (one process at a time,
under the lease "sns:http-takeover", every TAKEOVER_EVERY seconds) claims, by a conditional
rewrite, each job whose owner's lease is missing or expired, and carries on with its retry
schedule where the owner left it (the pending attempt is made at once). So a job is taken over
within the owner's ttl + TAKEOVER_EVERY once its process dies, or at once after a clean stop.

Delivery stays at-least-once, as on AWS: a POST in flight when its process dies (or stalls past
its lease) may be made again by the successor; a later duplicate is never started, because the
owner stops once its lease is no longer held, before a successor can claim the job."""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import replace
from enum import Enum

from ownstack.core.clock import Clock
from ownstack.events.bus import DeliveryFailed, EventBus
from ownstack.events.egress import EgressPolicy
from ownstack.ports.leases import DEFAULT_TTL_S, Lease, LeasedLoop, holder_alive
from ownstack.ports.meta import MetaStore

from .http_jobs import HttpJob, JobStore
from .http_owner import OwnerLease, forget_expired_owners
from .http_post import EgressRefused, PostFailed, post

log = logging.getLogger("ownstack.sns")
MAX_CONCURRENT_POSTS = 64
_RETRIED_CLIENT_STATUSES = frozenset({408, 429})
OWNER_TTL_S = DEFAULT_TTL_S
TAKEOVER_EVERY = DEFAULT_TTL_S / 2
"""Seconds between takeover scans: with the ttl, how long a dead process's jobs wait."""

Poster = Callable[[str, bytes, Sequence[tuple[str, str]]], Awaitable[int]]


class Outcome(Enum):
    DELIVERED = "delivered"
    RETRY = "retry"
    """A server-side failure (5xx, throttling, timeout, unreachable): the policy retries it."""
    REFUSED = "refused"
    """A client-side error (other 3xx and 4xx answers): not retried, as on AWS."""


def outcome_of(status: int) -> Outcome:
    if 200 <= status < 300:
        return Outcome.DELIVERED
    if status >= 500 or status in _RETRIED_CLIENT_STATUSES:
        return Outcome.RETRY
    return Outcome.REFUSED


class HttpDispatcher:
    def __init__(
        self,
        bus: EventBus,
        meta: MetaStore,
        clock: Clock,
        egress: EgressPolicy | None = None,
        poster: Poster | None = None,
        holder_id: str = "",
    ) -> None:
        self._bus = bus
        self._meta = meta
        self._jobs = JobStore(meta)
        self._egress = egress or EgressPolicy()
        self._post = poster or self._post_checked
        holder = holder_id or uuid.uuid4().hex
        self.owner = OwnerLease(meta, holder, clock, OWNER_TTL_S)
        self._takeover = LeasedLoop(
            Lease(meta, "sns:http-takeover", holder, clock, OWNER_TTL_S),
            self._takeover_round,
            TAKEOVER_EVERY,
        )
        self._clock = clock
        self._tasks: set[asyncio.Task[None]] = set()
        self._slots = asyncio.Semaphore(MAX_CONCURRENT_POSTS)
        self._stopped = False

    async def _post_checked(self, url: str, body: bytes, headers: Sequence[tuple[str, str]]) -> int:
        return await post(url, body, headers, self._egress)

    async def accept(self, jobs: Sequence[HttpJob]) -> None:
        """Record `jobs` durably as this dispatcher's, then start delivering them."""
        if not jobs:
            return
        # In memory, but for the first use; none once stopped (the next run takes them over).
        lease = None if self._stopped else await self.owner.held()
        saved = await self._jobs.save(jobs, lease.name if lease is not None else "")
        if lease is None:
            return  # recorded without an owner: the takeover scan claims them
        for job in saved:
            self._submit(job, lease)

    async def resume(self) -> int:
        """Take this process's part in the jobs of every process: own new ones under a lease,
        and start the takeover scan, which claims (in the background, logging how many) the
        jobs a dead process or a previous run left unfinished. Returns 0: none are started
        here."""
        await self.owner.held()
        self._takeover.start()
        return 0

    def _submit(self, job: HttpJob, lease: Lease) -> None:
        if self._stopped:
            return  # recorded: another process (or the next run) takes it over
        task = asyncio.get_running_loop().create_task(self._run(job, lease), name="sns-http")
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def stop(self) -> None:
        self._stopped = True
        await self._takeover.stop()
        tasks = list(self._tasks)
        for task in tasks:
            task.cancel()
        if tasks:
            await asyncio.wait(tasks)
        await self.owner.stop()

    async def _takeover_round(self) -> None:
        lease = await self.owner.held()
        if lease is None:
            return
        alive: dict[str, bool] = {}
        claimed = 0
        async for job in self._jobs.pending():
            if not (self._takeover.lease.held and lease.held) or self._stopped:
                break
            if job.owner == lease.name or not await self._orphaned(job.owner, alive):
                continue
            taken = await self._jobs.rewrite(replace(job, owner=lease.name))
            if taken is not None:  # else finished or claimed by another process meanwhile
                claimed += 1
                self._submit(taken, lease)
        if claimed:
            log.info("SNS: took over %d pending HTTP deliveries", claimed)
        if self._takeover.lease.held:  # after the claims: their owners were judged first
            await forget_expired_owners(self._meta, self._clock.now())

    async def _orphaned(self, owner: str, alive: dict[str, bool]) -> bool:
        if not owner:
            return True
        if owner not in alive:
            alive[owner] = await holder_alive(self._meta, owner, self._clock.now())
        return not alive[owner]

    async def _run(self, job: HttpJob, lease: Lease) -> None:
        try:
            await self._deliver(job, lease)
        except Exception:
            # The store failed: leave the job to whoever claims it once this lease is over.
            log.exception("SNS HTTP delivery to %s stopped", job.url)
            self.owner.lost(lease)

    async def _deliver(self, job: HttpJob, lease: Lease) -> None:
        delays = (0.0, *job.policy.delays())
        # Taken over: the attempt its owner was waiting to make is made at once.
        wait = job.attempts == 0
        while job.attempts < len(delays):
            if wait and delays[job.attempts]:
                await asyncio.sleep(delays[job.attempts])
            wait = True
            if not lease.held:
                self.owner.lost(lease)  # a successor takes the job over where it stands
                return
            outcome = await self._attempt(job)
            if outcome is Outcome.DELIVERED:
                await self._jobs.done(job)
                return
            job = replace(job, attempts=job.attempts + 1)
            if outcome is Outcome.REFUSED:
                break  # a client-side error: retrying would get the same answer
            if job.attempts < len(delays):
                rewritten = await self._jobs.rewrite(job)
                if rewritten is None:
                    return  # taken over (or finished) by another process
                job = rewritten
        await self._dead_letter(job)
        await self._jobs.done(job)

    async def _attempt(self, job: HttpJob) -> Outcome:
        async with self._slots:
            try:
                status = await self._post(job.url, job.body.encode(), job.headers)
            except EgressRefused as exc:
                log.warning("SNS HTTP delivery to %s refused: %s", job.url, exc)
                return Outcome.RETRY
            except PostFailed as exc:
                log.info("SNS HTTP delivery to %s failed: %s", job.url, exc)
                return Outcome.RETRY
        level = logging.DEBUG if status < 300 else logging.INFO
        log.log(level, "SNS HTTP delivery to %s answered %d", job.url, status)
        return outcome_of(status)

    async def _dead_letter(self, job: HttpJob) -> None:
        if job.dead_letter is None:
            log.warning("SNS HTTP delivery to %s failed every attempt: dropped", job.url)
            return
        try:
            await self._bus.deliver(job.dead_letter)
        except DeliveryFailed as exc:
            log.warning("SNS dead-letter delivery for %s failed: %s", job.url, exc.reason)
