"""The metadata port: transactional, key-ordered records with conditional writes and range scans.

What S3 listings, DynamoDB tables and IAM need. Records live in namespaces (`ns`); within a
namespace keys are ordered by their UTF-8 bytes (which is also Python's `str` order), so a scan
is a lexicographic S3 listing. Values are opaque bytes. Every write returns the record's new
`version`, a number that grows with every commit, so callers can do compare-and-set.

A `commit` is all-or-nothing and durable when it returns (fsync / the engine's commit).
Engines batch concurrent commits into one durable write (group commit).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from enum import Enum
from typing import Protocol, runtime_checkable


class _Absent(Enum):
    ABSENT = "absent"


ABSENT = _Absent.ABSENT
"""Expectation: the key does not exist."""

Expect = int | _Absent | None
"""None: unconditional; ABSENT: must not exist; int: must exist with exactly this version."""


@dataclass(frozen=True, slots=True)
class Record:
    key: str
    value: bytes
    version: int


@dataclass(frozen=True, slots=True)
class Put:
    ns: str
    key: str
    value: bytes
    expect: Expect = None


@dataclass(frozen=True, slots=True)
class Delete:
    """Deleting a missing key is not an error unless `expect` says it must exist."""

    ns: str
    key: str
    expect: Expect = None


@dataclass(frozen=True, slots=True)
class Check:
    """A condition on a key that writes nothing (DynamoDB's ConditionCheck)."""

    ns: str
    key: str
    expect: Expect


Op = Put | Delete | Check


@runtime_checkable
class MetaStore(Protocol):
    async def get(self, ns: str, key: str) -> Record | None: ...

    async def scan(
        self,
        ns: str,
        *,
        start: str = "",
        end: str | None = None,
        limit: int = 1000,
        reverse: bool = False,
    ) -> list[Record]:
        """Records with start <= key < end (end None: to the last key), in key order (or
        reverse order), at most `limit`."""
        ...

    async def commit(self, ops: Sequence[Op]) -> int:
        """Apply all ops atomically and durably; return the commit's version (the version
        every Put of this commit now carries). Raises ConditionFailed(index, key) for the first
        op whose expectation fails, applying nothing."""
        ...

    async def replace(
        self, ns: str, key: str, value: bytes, *, guard: Check | None = None
    ) -> tuple[int, Record | None]:
        """Put `value` at `key` whatever is there, atomically and durably; return its version
        and the record it replaced (None: there was none), as of the same transaction. What
        an overwrite needs to clean up after the record it displaced, without a read before
        the write and a compare-and-set loop around it.

        `guard`, if given, is checked in the same transaction (e.g. "no deletion of this
        bucket is in progress"): when it does not hold, nothing is written and
        ConditionFailed(1, guard.key) is raised."""
        ...

    async def health(self) -> None:
        """Return when ready; raise BackendUnavailable otherwise."""
        ...

    async def close(self) -> None: ...


def prefix_end(prefix: str) -> str | None:
    """The smallest string greater than every string starting with `prefix` (None: no bound)."""
    chars = list(prefix)
    while chars:
        last = ord(chars[-1])
        if last < 0x10FFFF:
            # Skip the surrogate block: such code points never appear in valid keys.
            nxt = last + 1 if last + 1 != 0xD800 else 0xE000
            chars[-1] = chr(nxt)
            return "".join(chars)
        chars.pop()
    return None


async def pages(
    store: MetaStore, ns: str, *, start: str = "", end: str | None = None, size: int = 1000
) -> AsyncIterator[list[Record]]:
    """Every record of `ns` with start <= key < end, one scan of at most `size` records at a
    time, in key order (an empty namespace yields nothing). Each scan starts just after the
    last key the one before returned, so records written meanwhile behind it are not seen
    and none is seen twice."""
    while True:
        page = await store.scan(ns, start=start, end=end, limit=size)
        if page:
            yield page
        if len(page) < size:
            return
        start = page[-1].key + "\0"
