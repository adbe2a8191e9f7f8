"""Reads of slowly changing records (S3 buckets, SQS queues) answered from memory for a moment,
for N processes on a shared meta store, where every read is a network round trip.

AWS documents these as eventually consistent: "bucket configurations have an eventual
consistency model" (S3 user guide, consistency model), and a queue's attribute changes "can take
up to 60 seconds" to propagate (SQS SetQueueAttributes). So a process may answer from a record
read up to `ttl` seconds ago, and a change made through another process is seen within `ttl`.
A change made through this process is seen at once (its writes drop what they touch), absence
is never remembered (a bucket created elsewhere is found at once), and nothing a request relies
on for correctness comes from here: conditional writes still check the store (a guard, an
expected version), so no acknowledged write is lost to a stale read. Objects and messages are
never read through it: they stay strongly consistent.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from ownstack.core.clock import Clock

from .meta import Check, MetaStore, Op, Record

MAX_ENTRIES = 4096


class SettledReads:
    """A MetaStore whose `get`s of the namespaces in `ttls` are remembered for their ttl."""

    def __init__(self, meta: MetaStore, ttls: Mapping[str, float], clock: Clock) -> None:
        self._meta = meta
        self._ttls = dict(ttls)
        self._clock = clock
        self._entries: dict[tuple[str, str], tuple[float, Record]] = {}

    async def get(self, ns: str, key: str) -> Record | None:
        ttl = self._ttls.get(ns)
        if ttl is None:
            return await self._meta.get(ns, key)
        now = self._clock.monotonic()
        entry = self._entries.get((ns, key))
        if entry is not None and entry[0] > now:
            return entry[1]
        found = await self._meta.get(ns, key)
        if found is None:
            self._entries.pop((ns, key), None)
            return None
        if len(self._entries) >= MAX_ENTRIES:
            self._entries.clear()
        self._entries[(ns, key)] = (now + ttl, found)
        return found

    async def scan(
        self,
        ns: str,
        *,
        start: str = "",
        end: str | None = None,
        limit: int = 1000,
        reverse: bool = False,
    ) -> list[Record]:
        return await self._meta.scan(ns, start=start, end=end, limit=limit, reverse=reverse)

    async def commit(self, ops: Sequence[Op]) -> int:
        self._forget(ops)
        try:
            return await self._meta.commit(ops)
        finally:
            self._forget(ops)  # also when the outcome is unknown: read the store next time

    async def replace(
        self, ns: str, key: str, value: bytes, *, guard: Check | None = None
    ) -> tuple[int, Record | None]:
        self._entries.pop((ns, key), None)
        try:
            return await self._meta.replace(ns, key, value, guard=guard)
        finally:
            self._entries.pop((ns, key), None)

    async def health(self) -> None:
        await self._meta.health()

    async def close(self) -> None:
        await self._meta.close()

    def _forget(self, ops: Sequence[Op]) -> None:
        for op in ops:
            if op.ns in self._ttls:
                self._entries.pop((op.ns, op.key), None)

    def __getattr__(self, name: str) -> Any:
        # Engine extras (stats, open) pass through to the wrapped store.
        return getattr(self._meta, name)
