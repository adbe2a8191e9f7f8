"""MemoryLogs: the log port in process memory (nothing survives a restart).

Each shard keeps its records in a list in offset order (appends only add at the end, trims
only remove from anywhere by age), its highest offset, and an id -> offset map for dedup.
No call awaits in the middle of a change, so every call is atomic on its event loop.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass, field

from ownstack.core.clock import Clock
from ownstack.ports.errors import BackendUnavailable
from ownstack.ports.logs import Entry, LogRecord, ShardInfo


@dataclass(slots=True)
class _Shard:
    records: list[LogRecord] = field(default_factory=list)
    offsets: list[int] = field(default_factory=list)
    """The records' offsets, for bisect (kept in step with `records`)."""
    ids: dict[str, int] = field(default_factory=dict)
    last: int = 0

    def append(self, entry: Entry, now: float) -> int:
        found = self.ids.get(entry.id)
        if found is not None:
            return found
        self.last += 1
        self.records.append(LogRecord(self.last, entry.id, bytes(entry.data), now))
        self.offsets.append(self.last)
        self.ids[entry.id] = self.last
        return self.last

    def read(self, after: int, limit: int) -> list[LogRecord]:
        start = bisect_right(self.offsets, after)
        return self.records[start : start + max(limit, 0)]

    def trim(self, older_than: float) -> int:
        kept = [r for r in self.records if r.appended >= older_than]
        gone = len(self.records) - len(kept)
        if gone:
            for record in self.records:
                if record.appended < older_than:
                    del self.ids[record.id]
            self.records = kept
            self.offsets = [r.offset for r in kept]
        return gone

    def info(self, name: str) -> ShardInfo:
        first = self.offsets[0] if self.offsets else self.last + 1
        return ShardInfo(name, first, self.last)


class MemoryLogs:
    def __init__(self, clock: Clock) -> None:
        self._clock = clock
        self._logs: dict[str, dict[str, _Shard]] = {}
        self._closed = False

    async def append(self, log: str, shard: str, entries: Sequence[Entry]) -> list[int]:
        self._check_open()
        if not entries:
            return []
        target = self._logs.setdefault(log, {}).setdefault(shard, _Shard())
        now = self._clock.now()
        return [target.append(entry, now) for entry in entries]

    async def read(self, log: str, shard: str, *, after: int, limit: int) -> list[LogRecord]:
        self._check_open()
        found = self._logs.get(log, {}).get(shard)
        return [] if found is None else found.read(after, limit)

    async def shards(self, log: str) -> list[ShardInfo]:
        self._check_open()
        shards = self._logs.get(log, {})
        return [shards[name].info(name) for name in sorted(shards)]

    async def trim(self, log: str, *, older_than: float) -> int:
        self._check_open()
        return sum(s.trim(older_than) for s in self._logs.get(log, {}).values())

    async def delete_log(self, log: str) -> None:
        self._check_open()
        self._logs.pop(log, None)

    async def health(self) -> None:
        self._check_open()

    async def close(self) -> None:
        self._closed = True

    def _check_open(self) -> None:
        if self._closed:
            raise BackendUnavailable("log store is closed")
