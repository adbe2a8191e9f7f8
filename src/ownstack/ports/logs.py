"""The log port: append-only, sharded logs read from an offset and trimmed by age. What
DynamoDB Streams and CloudWatch Logs need, and Kinesis later.

A log is named by an opaque id the caller chooses; a log has shards (named by the caller, e.g.
"shardId-00000001700000000000-00000001"). Within a shard, records get increasing offsets in
append order (1, 2, 3...; never reused, never reordered). Every record carries a caller id,
unique within its shard: appending an id already in the shard appends nothing and answers the
existing record's offset, so a producer that repeats an append after a crash (an outbox being
moved again) writes each record exactly once.

Semantics every engine keeps (tests/conformance/logs checks each):
- `append` is durable when it returns; all records of one call in one commit, in order.
- `read(after=o)` returns records with offset > o in offset order, at most `limit`.
- `trim(older_than=t)` removes records appended before `t` (Clock time); offsets of the rest
  are unchanged, and `first_offset` tells where a shard now begins.
- Concurrent appends to one shard from several processes (shared engines) are serialised:
  offsets are unique and a reader never sees an offset appear below one it already read.

Keyed reads (what CloudWatch Logs needs: events ordered by their own timestamp, read by time
range across many streams). An entry may carry an integer `key` (0 by default). A record's
*position* is (key, shard, offset), and positions are totally ordered:
- `scan` reads the records of some or all shards of a log in position order (or its reverse),
  within a key range, strictly after (before) a position, at most `limit`: one page of a merged,
  time-ordered read of many streams, resumable from the last position returned.
- `trim_keys(below=k)` removes the records whose key is below k (retention by event time).
- `delete_shard` removes one shard and its records; `shard_stats` counts each shard's records
  and data bytes (kept up to date by appends, trims and deletes: no scan of the records) and
  tells its lowest and highest key and the Clock time of its last append.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

Position = tuple[int, str, int]
"""(key, shard, offset): where a record stands in the order `scan` reads."""


@dataclass(frozen=True, slots=True)
class Entry:
    id: str
    data: bytes
    key: int = 0
    """The record's order for keyed reads (a signed 64-bit integer; CloudWatch Logs: the
    event's timestamp in ms). Logs read by offset only leave it 0."""


@dataclass(frozen=True, slots=True)
class LogRecord:
    offset: int
    id: str
    data: bytes
    appended: float
    """Clock time of the append."""
    key: int = 0
    shard: str = ""
    """The shard the record is in (`read` and `scan` fill it)."""

    @property
    def position(self) -> Position:
        return (self.key, self.shard, self.offset)


@dataclass(frozen=True, slots=True)
class ShardInfo:
    shard: str
    first_offset: int
    """The lowest offset still kept (last_offset + 1 when empty)."""
    last_offset: int
    """The highest offset ever appended (0: none)."""


@dataclass(frozen=True, slots=True)
class ShardStats:
    shard: str
    records: int
    """How many records the shard holds now."""
    data_bytes: int
    """The sum of their data's lengths."""
    first_key: int | None
    """The lowest key among them (None: the shard is empty)."""
    last_key: int | None
    last_appended: float
    """Clock time of the shard's last append that added a record (kept after trims)."""
    last_offset: int
    """The highest offset ever appended (as `shards` tells it)."""


@runtime_checkable
class LogStore(Protocol):
    async def append(self, log: str, shard: str, entries: Sequence[Entry]) -> list[int]:
        """Append `entries` in order; their offsets (an id already present: its offset)."""
        ...

    async def read(self, log: str, shard: str, *, after: int, limit: int) -> list[LogRecord]: ...

    async def shards(self, log: str) -> list[ShardInfo]:
        """Every shard of `log` that was ever appended to, in name order."""
        ...

    async def trim(self, log: str, *, older_than: float) -> int:
        """Remove records appended before `older_than` in every shard; how many went."""
        ...

    async def delete_log(self, log: str) -> None:
        """Remove the log and all its records (reading it afterwards finds nothing)."""
        ...

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
        """Records of `log` in position order (`descending`: the reverse order), at most
        `limit`: those of the shards named in `shards` (None: of every shard whose name starts
        with `shard_prefix`), with key_from <= key < key_to (None: no bound), and positioned
        strictly after `after` (`descending`: strictly before it)."""
        ...

    async def trim_keys(self, log: str, *, below: int) -> int:
        """Remove the records whose key is below `below` in every shard; how many went."""
        ...

    async def delete_shard(self, log: str, shard: str) -> None:
        """Remove one shard and its records (appending to it again starts at offset 1)."""
        ...

    async def shard_stats(self, log: str, shards: Sequence[str] | None = None) -> list[ShardStats]:
        """The stats of the named shards of `log` that exist (None: of every shard), in name
        order."""
        ...

    async def health(self) -> None: ...

    async def close(self) -> None: ...
