"""MemoryMeta: the meta port over sorted key lists, one per namespace.

Keys are kept in a plain sorted list (bisect): Python orders `str` by code point, which is the
UTF-8 byte order the port promises. Inserting a new key is O(n) memmove, which is fast enough
for an in-memory store holding up to a few million keys.
"""

from __future__ import annotations

from bisect import bisect_left, insort
from collections.abc import Sequence

from ownstack.ports.errors import BackendUnavailable, ConditionFailed
from ownstack.ports.meta import ABSENT, Check, Delete, Expect, Op, Put, Record


class _Namespace:
    __slots__ = ("keys", "records")

    def __init__(self) -> None:
        self.keys: list[str] = []
        self.records: dict[str, Record] = {}

    def put(self, record: Record) -> None:
        if record.key not in self.records:
            insort(self.keys, record.key)
        self.records[record.key] = record

    def delete(self, key: str) -> None:
        if self.records.pop(key, None) is None:
            return
        del self.keys[bisect_left(self.keys, key)]

    def scan(self, start: str, end: str | None, limit: int, reverse: bool) -> list[Record]:
        lo = bisect_left(self.keys, start)
        hi = len(self.keys) if end is None else bisect_left(self.keys, end)
        if limit <= 0 or lo >= hi:
            return []
        if reverse:
            keys = self.keys[max(lo, hi - limit) : hi][::-1]
        else:
            keys = self.keys[lo : min(hi, lo + limit)]
        return [self.records[k] for k in keys]


def expectation_holds(expect: Expect, current: Record | None) -> bool:
    if expect is None:
        return True
    if expect is ABSENT:
        return current is None
    return current is not None and current.version == expect


class MemoryMeta:
    """Conditions of a commit are all evaluated against the state before the commit, then its
    writes apply in order (the same semantics as SqliteMeta)."""

    def __init__(self) -> None:
        self._spaces: dict[str, _Namespace] = {}
        self._version = 0
        self._closed = False

    async def get(self, ns: str, key: str) -> Record | None:
        return self._current(ns, key)

    def _current(self, ns: str, key: str) -> Record | None:
        self._check_open()
        space = self._spaces.get(ns)
        return None if space is None else space.records.get(key)

    async def scan(
        self,
        ns: str,
        *,
        start: str = "",
        end: str | None = None,
        limit: int = 1000,
        reverse: bool = False,
    ) -> list[Record]:
        self._check_open()
        space = self._spaces.get(ns)
        return [] if space is None else space.scan(start, end, limit, reverse)

    async def commit(self, ops: Sequence[Op]) -> int:
        # No await between checking and applying: the commit is atomic on the event loop.
        self._check_open()
        for index, op in enumerate(ops):
            if not expectation_holds(op.expect, self._current(op.ns, op.key)):
                raise ConditionFailed(index, op.key)
        version = self._version + 1
        for op in ops:
            self._apply(op, version)
        self._version = version
        return version

    async def replace(
        self, ns: str, key: str, value: bytes, *, guard: Check | None = None
    ) -> tuple[int, Record | None]:
        replaced = self._current(ns, key)
        ops: list[Op] = [Put(ns, key, value)] if guard is None else [Put(ns, key, value), guard]
        return await self.commit(ops), replaced

    def _apply(self, op: Op, version: int) -> None:
        if isinstance(op, Check):
            return
        space = self._spaces.get(op.ns)
        if isinstance(op, Delete):
            if space is not None:
                space.delete(op.key)
            return
        assert isinstance(op, Put)
        if space is None:
            space = self._spaces[op.ns] = _Namespace()
        space.put(Record(op.key, bytes(op.value), version))

    async def health(self) -> None:
        self._check_open()

    async def close(self) -> None:
        self._closed = True

    def _check_open(self) -> None:
        # A closed store fails like a closed SqliteMeta does, so both pass the same suite.
        if self._closed:
            raise BackendUnavailable("meta store is closed")
