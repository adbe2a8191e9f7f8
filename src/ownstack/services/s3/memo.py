"""Decoded records, reused while the meta store hands back the very same Record object.

Why: a GET decodes the bucket record and the object record on every request (msgspec, ~1-3 us
each, ~4% of a 1 KiB GET), though the store's read cache returns the identical Record for a hot
key until it changes. An entry is valid only for the Record it was decoded from (compared by
identity; Records and their bytes are immutable), so a write can never be masked: a new record
is a new object and misses. Callers must treat what they get as read-only.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

from ownstack.ports.meta import Record

T = TypeVar("T")


class DecodedMemo(Generic[T]):
    def __init__(self, decode: Callable[[bytes], T], max_entries: int, max_value: int) -> None:
        self._decode = decode
        self._entries: OrderedDict[Hashable, tuple[Record, T]] = OrderedDict()
        self._max_entries = max_entries
        self._max_value = max_value
        """Larger records are decoded each time (their decoded copy would double the memory
        the store's own cache spends on them)."""

    def decoded(self, key: Hashable, raw: Record) -> T:
        hit = self._entries.get(key)
        if hit is not None and hit[0] is raw:
            return hit[1]
        value = self._decode(raw.value)
        if len(raw.value) <= self._max_value:
            self._entries[key] = (raw, value)
            if len(self._entries) > self._max_entries:
                self._entries.popitem(last=False)
        return value
