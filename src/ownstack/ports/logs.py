"""The log port: append-only, sharded logs read from an offset and trimmed by age. What
DynamoDB Streams needs now, and Kinesis and CloudWatch Logs later.

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
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol, runtime_checkable


@dataclass(frozen=True, slots=True)
class Entry:
    id: str
    data: bytes


@dataclass(frozen=True, slots=True)
class LogRecord:
    offset: int
    id: str
    data: bytes
    appended: float
    """Clock time of the append."""


@dataclass(frozen=True, slots=True)
class ShardInfo:
    shard: str
    first_offset: int
    """The lowest offset still kept (last_offset + 1 when empty)."""
    last_offset: int
    """The highest offset ever appended (0: none)."""


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

    async def health(self) -> None: ...

    async def close(self) -> None: ...
