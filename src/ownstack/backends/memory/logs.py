"""MemoryLogs: the log port in process memory (nothing survives a restart).

Each shard keeps its records in a list in offset order (appends only add at the end, trims
only remove from anywhere by age or key), its highest offset, and an id -> offset map for dedup.
No call awaits in the middle of a change, so every call is atomic on its event loop. Keyed scans
sort the matching records of the shards they read (fine for what this engine is for: tests and
small single-process setups).
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from ownstack.core.clock import Clock
from ownstack.ports.errors import BackendUnavailable
from ownstack.ports.logs import Entry, LogRecord, Position, ShardInfo, ShardStats


@dataclass(slots=True)
class _Shard:
    records: list[LogRecord] = field(default_factory=list)
    offsets: list[int] = field(default_factory=list)
    """The records' offsets, for bisect (kept in step with `records`)."""
    ids: dict[str, int] = field(default_factory=dict)
    last: int = 0
    last_appended: float = 0.0

    def append(self, name: str, entry: Entry, now: float) -> int:
        found = self.ids.get(entry.id)
        if found is not None:
            return found
        self.last += 1
        self.records.append(LogRecord(self.last, entry.id, bytes(entry.data), now, entry.key, name))
        self.offsets.append(self.last)
        self.ids[entry.id] = self.last
        self.last_appended = now
        return self.last

    def read(self, after: int, limit: int) -> list[LogRecord]:
        start = bisect_right(self.offsets, after)
        return self.records[start : start + max(limit, 0)]

    def remove(self, goes: Callable[[LogRecord], bool]) -> int:
        kept = [r for r in self.records if not goes(r)]
        gone = len(self.records) - len(kept)
        if gone:
            for record in self.records:
                if goes(record):
                    del self.ids[record.id]
            self.records = kept
            self.offsets = [r.offset for r in kept]
        return gone

    def info(self, name: str) -> ShardInfo:
        first = self.offsets[0] if self.offsets else self.last + 1
        return ShardInfo(name, first, self.last)

    def stats(self, name: str) -> ShardStats:
        keys = [r.key for r in self.records]
        size = sum(len(r.data) for r in self.records)
        first, last = (min(keys), max(keys)) if keys else (None, None)
        return ShardStats(name, len(keys), size, first, last, self.last_appended, self.last)


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
        return [target.append(shard, entry, now) for entry in entries]

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
        shards = self._logs.get(log, {}).values()
        return sum(s.remove(lambda r: r.appended < older_than) for s in shards)

    async def delete_log(self, log: str) -> None:
        self._check_open()
        self._logs.pop(log, None)

    async def scan(
        self,
        log: str,
        *,
        shards: Sequence[str] | None = None,
        shard_prefix: str = "",
        key_from: int | None = None,
        key_to: int | None = None,
        after: Position | None = None,
        descending: bool = False,
        limit: int,
    ) -> list[LogRecord]:
        self._check_open()
        found = self._logs.get(log, {})
        names = [n for n in found if n.startswith(shard_prefix)] if shards is None else shards
        low = -(2**63) if key_from is None else key_from
        high = 2**63 if key_to is None else key_to
        picked = [
            r
            for name in set(names)
            for r in (found[name].records if name in found else ())
            if low <= r.key < high and _beyond(r.position, after, descending)
        ]
        picked.sort(key=lambda r: r.position, reverse=descending)
        return picked[: max(limit, 0)]

    async def trim_keys(self, log: str, *, below: int) -> int:
        self._check_open()
        return sum(s.remove(lambda r: r.key < below) for s in self._logs.get(log, {}).values())

    async def delete_shard(self, log: str, shard: str) -> None:
        self._check_open()
        self._logs.get(log, {}).pop(shard, None)

    async def shard_stats(self, log: str, shards: Sequence[str] | None = None) -> list[ShardStats]:
        self._check_open()
        found = self._logs.get(log, {})
        names = sorted(found if shards is None else set(shards) & found.keys())
        return [found[name].stats(name) for name in names]

    async def health(self) -> None:
        self._check_open()

    async def close(self) -> None:
        self._closed = True

    def _check_open(self) -> None:
        if self._closed:
            raise BackendUnavailable("log store is closed")


def _beyond(position: Position, after: Position | None, descending: bool) -> bool:
    if after is None:
        return True
    return position < after if descending else position > after
