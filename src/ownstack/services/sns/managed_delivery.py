"""Deliveries to AWS-managed endpoints (Lambda functions, SQS queues) through the events bus,
as SNS's service principal, with AWS's delivery policy for them (limits.py):

- the first attempt is made during the Publish, so a Publish returns once each message is in
  the queue or in the function's async invocation queue (both durable), or else recorded;
- a client-side failure (the bus's guard refuses: the endpoint's policy does not let SNS
  deliver; the queue or function does not exist; it refuses the message) is not retried, as on
  AWS: the message goes to the subscription's dead-letter queue at once;
- a server-side failure (the handler failed, or the endpoint's service is not running here) is
  recorded as a retry job (retry_jobs.py) in the Publish and retried in the background, then
  dead-lettered when the schedule is exhausted.

Retries are made by one process of N at a time: the loop runs under the lease "sns:retry"
(ports/leases.py), taken over within its ttl when its holder dies, so the retries pending at a
SIGKILL are made after the restart (or by another process). Delivery is at least once.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from collections.abc import Sequence
from enum import Enum

from ownstack.core.clock import Clock
from ownstack.events.bus import Delivery, DeliveryFailed, EventBus
from ownstack.ports.leases import DEFAULT_TTL_S, Lease, LeasedLoop
from ownstack.ports.meta import MetaStore

from .limits import RetrySchedule
from .records import SUBSCRIPTIONS
from .retry_jobs import RetryJob, RetryStore

log = logging.getLogger("ownstack.sns")
POLL_S = 1.0
"""Longest wait between looks for due retries (jobs other processes recorded wake no one)."""
BATCH = 100
LEASE_TTL_S = DEFAULT_TTL_S
"""How long after its holder dies another process takes the retries over."""


class Outcome(Enum):
    DELIVERED = "delivered"
    REFUSED = "refused"
    """A client-side failure: not retried."""
    RETRY = "retry"
    """A server-side failure: retried as the schedule says."""


async def attempt(bus: EventBus, delivery: Delivery) -> Outcome:
    try:
        await bus.deliver(delivery)
    except DeliveryFailed as exc:
        if bus.accepts(delivery.target):
            log.info("SNS delivery to %s refused: %s", delivery.target, exc.reason)
            return Outcome.REFUSED
        log.warning("SNS delivery to %s failed, retried later: %s", delivery.target, exc.reason)
        return Outcome.RETRY
    except Exception:
        log.warning("SNS delivery to %s failed, retried later", delivery.target, exc_info=True)
        return Outcome.RETRY
    return Outcome.DELIVERED


async def dead_letter(bus: EventBus, dead: Delivery | None, target: str) -> None:
    """Hand a message SNS gave up on to the subscription's dead-letter queue, if it has one
    (whose policy must let SNS send to it, as on AWS); lost otherwise, as on AWS."""
    if dead is None:
        log.warning("SNS delivery to %s failed: message dropped (no dead-letter queue)", target)
        return
    try:
        await bus.deliver(dead)
    except Exception as exc:
        reason = exc.reason if isinstance(exc, DeliveryFailed) else repr(exc)
        log.warning("SNS dead-letter delivery to %s failed: %s", dead.target, reason)


class ManagedDelivery:
    def __init__(
        self,
        bus: EventBus,
        meta: MetaStore,
        clock: Clock,
        schedule: RetrySchedule | None = None,
        holder_id: str = "",
    ) -> None:
        self._bus = bus
        self._meta = meta
        self._clock = clock
        self._jobs = RetryStore(meta)
        self.schedule = schedule or RetrySchedule()
        holder = holder_id or uuid.uuid4().hex
        self.lease = Lease(meta, "sns:retry", holder, clock, LEASE_TTL_S)
        self._loop = LeasedLoop(self.lease, self._drain, POLL_S)
        self._wake = asyncio.Event()

    async def first_attempt(
        self, subscription: str, delivery: Delivery, dead: Delivery | None
    ) -> RetryJob | None:
        """Deliver (or dead-letter) at once; the job to record when it is to be retried."""
        outcome = await attempt(self._bus, delivery)
        if outcome is Outcome.REFUSED:
            await dead_letter(self._bus, dead, delivery.target)
        if outcome is not Outcome.RETRY:
            return None
        return RetryJob(subscription, delivery, dead)

    async def accept(self, jobs: Sequence[RetryJob]) -> None:
        """Record `jobs` (first attempts that failed server-side) durably, for their retries."""
        now = self._clock.now()
        waiting: list[tuple[RetryJob, float]] = []
        for job in jobs:
            delay = self.schedule.delay(job.attempts)
            if delay is None:  # a schedule without retries
                await dead_letter(self._bus, job.dead_letter, job.delivery.target)
            else:
                waiting.append((job, now + delay))
        await self._jobs.add(waiting)
        if waiting:
            self._wake.set()

    def start(self) -> None:
        self._loop.start()

    async def stop(self) -> None:
        await self._loop.stop()

    async def _drain(self) -> None:
        """While holding the lease: make the retries as they fall due."""
        while self.lease.held:
            self._wake.clear()
            wait = await self._round()
            if wait > 0:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), wait)

    async def _round(self) -> float:
        """Make the due retries; seconds until the next look."""
        now = self._clock.now()
        due = await self._jobs.due(now, BATCH)
        if due:
            settled = await asyncio.gather(*(self._retry(job) for job in due))
            return 0.0 if all(settled) else POLL_S
        next_due = await self._jobs.next_due()
        return POLL_S if next_due is None else min(POLL_S, max(next_due - now, 0.001))

    async def _retry(self, job: RetryJob) -> bool:
        """One retry of `job`; whether it was settled (False: left for a later round)."""
        if not self.lease.held:
            return False
        try:
            await self._retry_once(job)
        except Exception:
            log.exception("SNS retry of a delivery to %s stopped", job.delivery.target)
            return False
        return True

    async def _retry_once(self, job: RetryJob) -> None:
        target = job.delivery.target
        if await self._meta.get(SUBSCRIPTIONS, job.subscription) is None:
            log.info("SNS delivery to %s dropped: %s is gone", target, job.subscription)
            await self._jobs.done(job)
            return
        outcome = await attempt(self._bus, job.delivery)
        if outcome is Outcome.RETRY:  # this was retry number job.attempts; next is one more
            delay = self.schedule.delay(job.attempts + 1)
            if delay is not None:
                await self._jobs.reschedule(job, job.attempts + 1, self._clock.now() + delay)
                return
            log.warning("SNS delivery to %s failed %d times", target, job.attempts + 1)
        if outcome is not Outcome.DELIVERED:
            await dead_letter(self._bus, job.dead_letter, target)
        await self._jobs.done(job)
