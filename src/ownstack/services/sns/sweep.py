"""Forgets what has expired, in the background: FIFO deduplication ids once their 5-minute
window has passed, confirmation tokens after their 3 days. A publish or a confirmation reads
one key and checks its age itself; this only keeps the store from growing.

One process of N sweeps at a time: the loop runs under the lease "sns:sweep" (ports/leases.py),
taken over within its ttl + SWEEP_EVERY when its holder dies."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable

from ownstack.core.clock import Clock
from ownstack.ports.errors import ConditionFailed
from ownstack.ports.leases import Lease, LeasedLoop
from ownstack.ports.meta import Delete, MetaStore

from .records import TOKENS, TOPICS, DedupRecord, TokenRecord, TopicRecord, dedup_ns

log = logging.getLogger("ownstack.sns")
DEDUP_WINDOW = 300.0
SWEEP_EVERY = 60.0
_PAGE = 1000

Expired = Callable[[bytes, float], bool]
"""Whether a record (its encoded value) has expired at a time."""


def _dedup_expired(raw: bytes, now: float) -> bool:
    return DedupRecord.decode(raw).at + DEDUP_WINDOW <= now


def _token_expired(raw: bytes, now: float) -> bool:
    return TokenRecord.decode(raw).expires <= now


def _always() -> bool:
    return True


class Sweeper:
    def __init__(
        self, meta: MetaStore, clock: Clock, holder_id: str = "", interval: float = SWEEP_EVERY
    ) -> None:
        self._meta = meta
        self._clock = clock
        self.lease = Lease(meta, "sns:sweep", holder_id or uuid.uuid4().hex, clock)
        self._loop = LeasedLoop(self.lease, self._round, interval)

    def start(self) -> None:
        self._loop.start()

    async def stop(self) -> None:
        await self._loop.stop()

    async def _round(self) -> None:
        try:
            await self.sweep(lambda: self.lease.held)
        except Exception:  # a failed sweep is retried next round; it never stops SNS
            log.exception("SNS sweep failed")

    async def sweep(self, still_held: Callable[[], bool] = _always) -> int:
        """Delete every expired dedup id and token; how many were deleted. Stops between pages
        once `still_held` turns False (another process took the sweep over)."""
        deleted = await self._sweep_ns(TOKENS, _token_expired, still_held)
        cursor = ""
        while still_held() and (page := await self._meta.scan(TOPICS, start=cursor, limit=_PAGE)):
            for raw in page:
                topic = TopicRecord.decode(raw.value)
                if topic.fifo:
                    deleted += await self._sweep_ns(dedup_ns(topic.id), _dedup_expired, still_held)
            cursor = page[-1].key + "\x00"
        return deleted

    async def _sweep_ns(self, ns: str, expired: Expired, still_held: Callable[[], bool]) -> int:
        now = self._clock.now()
        deleted = 0
        cursor = ""
        while still_held() and (page := await self._meta.scan(ns, start=cursor, limit=_PAGE)):
            for record in page:
                if not expired(record.value, now):
                    continue
                try:  # conditional on the version read: a record re-used meanwhile is kept
                    await self._meta.commit([Delete(ns, record.key, expect=record.version)])
                except ConditionFailed:
                    continue
                deleted += 1
            cursor = page[-1].key + "\x00"
        return deleted
