"""Delivers the notification outbox (notify_outbox.py) through the events bus, in the
background, under a lease (one process of N delivers), at least once.

Each pass takes a page of new records (OUTBOX) and of retries now due (RETRY), delivers them a
few at a time, and deletes those delivered in one commit. A failed one (its destination
missing, refusing S3, or down) moves to RETRY, due again after a back-off (1 s, doubling to 5
minutes); 24 hours after its change it is given up, and logged, as AWS gives up. A crash
between a delivery and its deletion delivers it again after the restart (duplicates are
allowed, as on AWS).

Writers wake the loop (`wake`) when they have written records; the loop then polls quickly for
a moment (the records' commit may land just after the wake), else every IDLE_POLL_S.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import Awaitable, Callable

from ownstack.core.clock import Clock
from ownstack.events.bus import Delivery, DeliveryFailed, Sender
from ownstack.ports.errors import ConditionFailed
from ownstack.ports.meta import Delete, MetaStore, Put, Record

from .notify_outbox import (
    OUTBOX,
    RETRY,
    Pending,
    base_key,
    due_end,
    retry_key,
    sequencer,
)
from .notify_record import with_sequencer

log = logging.getLogger("ownstack.s3.notify")

FIRST_RETRY_S = 1.0
MAX_RETRY_S = 300.0
GIVE_UP_S = 24 * 3600.0
"""S3 keeps trying a notification for about a day."""
PAGE = 200
PARALLEL = 16
IDLE_POLL_S = 1.0
BUSY_POLL_S = 0.02
BUSY_FOR_S = 0.5
"""After a wake, how long the loop keeps polling every BUSY_POLL_S."""

Deliver = Callable[[Delivery], Awaitable[None]]


def backoff(attempts: int) -> float:
    """Seconds before retry number `attempts` (1: the first retry)."""
    return float(min(MAX_RETRY_S, FIRST_RETRY_S * 2 ** min(attempts - 1, 30)))


class NotificationDelivery:
    def __init__(self, meta: MetaStore, clock: Clock, deliver: Deliver) -> None:
        self.meta = meta
        self.clock = clock
        self._deliver = deliver
        self.wake = asyncio.Event()
        self._gate = asyncio.Semaphore(PARALLEL)

    async def run(self, held: Callable[[], bool]) -> None:
        """The background loop's body (under its LeasedLoop), until the lease is lost:
        deliver what is due; after a wake, or while there is work, poll every BUSY_POLL_S
        for BUSY_FOR_S; else wait for a wake, at most IDLE_POLL_S."""
        busy_until = 0.0
        while held():
            self.wake.clear()
            if await self.drain(held):
                busy_until = self.clock.monotonic() + BUSY_FOR_S
            if self.clock.monotonic() < busy_until:
                await asyncio.sleep(BUSY_POLL_S)
                continue
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.wake.wait(), IDLE_POLL_S)
            if self.wake.is_set():
                busy_until = self.clock.monotonic() + BUSY_FOR_S

    async def drain(self, held: Callable[[], bool]) -> int:
        """Deliver every new record and every due retry; how many were attempted."""
        attempted = 0
        while held():
            fresh = await self.meta.scan(OUTBOX, limit=PAGE)
            due = await self.meta.scan(RETRY, end=due_end(self.clock.now()), limit=PAGE)
            batch = [(OUTBOX, r) for r in fresh] + [(RETRY, r) for r in due]
            if not batch:
                return attempted
            done = await asyncio.gather(*(self._attempt(ns, rec) for ns, rec in batch))
            # One commit deletes what this page delivered (a crash before it: sent again).
            delivered = [
                Delete(ns, rec.key) for (ns, rec), ok in zip(batch, done, strict=True) if ok
            ]
            if delivered:
                await self.meta.commit(delivered)
            attempted += len(batch)
            if len(fresh) < PAGE and len(due) < PAGE:
                return attempted
        return attempted

    async def _attempt(self, ns: str, rec: Record) -> bool:
        """Deliver one record; False (and moved to RETRY, or given up) when it failed."""
        pending = Pending.decode(rec.value)
        seq = pending.sequencer or sequencer(rec.version)
        async with self._gate:
            try:
                await self._deliver(_delivery(pending, seq))
            except DeliveryFailed as exc:
                await self._failed(ns, rec, pending, seq, exc.reason)
                return False
            except Exception as exc:  # a destination's own fault: retried like a refusal
                log.exception("S3 notification to %s failed", pending.target)
                await self._failed(ns, rec, pending, seq, repr(exc))
                return False
        return True

    async def _failed(self, ns: str, rec: Record, pending: Pending, seq: str, why: str) -> None:
        now = self.clock.now()
        pending.attempts += 1
        pending.sequencer, pending.error = seq, why
        gone = Delete(ns, rec.key, expect=rec.version)
        if now - pending.first >= GIVE_UP_S:
            log.warning(
                "S3 notification for bucket %s to %s given up after %d attempts: %s",
                pending.bucket,
                pending.target,
                pending.attempts,
                why,
            )
            ops: list[Delete | Put] = [gone]
        else:
            key = retry_key(now + backoff(pending.attempts), base_key(ns, rec.key))
            ops = [gone, Put(RETRY, key, pending.encode())]
        try:
            await self.meta.commit(ops)
        except ConditionFailed:  # moved or delivered meanwhile by a lease successor
            return


def _delivery(pending: Pending, seq: str) -> Delivery:
    body = json.dumps(with_sequencer(pending.message, seq), separators=(",", ":"))
    if not pending.signed:
        return Delivery(target=pending.target, body=body)
    source = f"arn:aws:s3:::{pending.bucket}"
    sender = Sender("s3.amazonaws.com", source, pending.owner)
    return Delivery(target=pending.target, body=body, sender=sender)
