"""HTTP/S deliveries in the background: each job is POSTed, retried on server-side failures as
its delivery policy says, and when every attempt failed (or the endpoint refused it with a
client-side error), handed to the subscription's dead-letter queue through the events bus. A
Publish returns once its jobs are accepted here, which records them durably (http_jobs.py);
`resume` restarts the jobs a previous run left unfinished."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from enum import Enum

from ownstack.events.bus import DeliveryFailed, EventBus
from ownstack.ports.meta import MetaStore

from .http_jobs import HttpJob, JobStore
from .http_post import PostFailed, post

log = logging.getLogger("ownstack.sns")
MAX_CONCURRENT_POSTS = 64
_RETRIED_CLIENT_STATUSES = frozenset({408, 429})

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
    def __init__(self, bus: EventBus, meta: MetaStore, poster: Poster = post) -> None:
        self._bus = bus
        self._jobs = JobStore(meta)
        self._post = poster
        self._tasks: set[asyncio.Task[None]] = set()
        self._slots = asyncio.Semaphore(MAX_CONCURRENT_POSTS)
        self._stopped = False

    async def accept(self, jobs: Sequence[HttpJob]) -> None:
        """Record `jobs` durably, then start delivering them."""
        if not jobs:
            return
        for job in await self._jobs.save(jobs):
            self._submit(job)

    async def resume(self) -> int:
        """Start the jobs a previous run accepted and did not finish; how many."""
        pending = await self._jobs.pending()
        for job in pending:
            self._submit(job)
        return len(pending)

    def _submit(self, job: HttpJob) -> None:
        if self._stopped:
            return  # recorded: the next run resumes it
        task = asyncio.get_running_loop().create_task(self._run(job), name="sns-http")
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def stop(self) -> None:
        self._stopped = True
        tasks = list(self._tasks)
        for task in tasks:
            task.cancel()
        if tasks:
            await asyncio.wait(tasks)

    async def _run(self, job: HttpJob) -> None:
        await self._deliver(job)
        await self._jobs.done(job)

    async def _deliver(self, job: HttpJob) -> None:
        for delay in (0.0, *job.policy.delays()):
            if delay:
                await asyncio.sleep(delay)
            outcome = await self._attempt(job)
            if outcome is Outcome.DELIVERED:
                return
            if outcome is Outcome.REFUSED:
                break  # a client-side error: retrying would get the same answer
        await self._dead_letter(job)

    async def _attempt(self, job: HttpJob) -> Outcome:
        async with self._slots:
            try:
                status = await self._post(job.url, job.body.encode(), job.headers)
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
