"""Forgets what has expired, in the background: FIFO deduplication ids once their 5-minute
window has passed, confirmation tokens after their 3 days. A publish or a confirmation reads
one key and checks its age itself; this only keeps the store from growing."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable

from ownstack.core.clock import Clock
from ownstack.ports.errors import ConditionFailed
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


class Sweeper:
    def __init__(self, meta: MetaStore, clock: Clock) -> None:
        self._meta = meta
        self._clock = clock
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.get_running_loop().create_task(self._loop(), name="sns-sweep")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.wait([self._task])

    async def _loop(self) -> None:
        while True:
            await asyncio.sleep(SWEEP_EVERY)
            try:
                await self.sweep()
            except Exception:  # a failed sweep is retried next round; it never stops SNS
                log.exception("SNS sweep failed")

    async def sweep(self) -> int:
        """Delete every expired dedup id and token; how many were deleted."""
        deleted = await self._sweep_ns(TOKENS, _token_expired)
        cursor = ""
        while page := await self._meta.scan(TOPICS, start=cursor, limit=_PAGE):
            for raw in page:
                topic = TopicRecord.decode(raw.value)
                if topic.fifo:
                    deleted += await self._sweep_ns(dedup_ns(topic.id), _dedup_expired)
            cursor = page[-1].key + "\x00"
        return deleted

    async def _sweep_ns(self, ns: str, expired: Expired) -> int:
        now = self._clock.now()
        deleted = 0
        cursor = ""
        while page := await self._meta.scan(ns, start=cursor, limit=_PAGE):
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
