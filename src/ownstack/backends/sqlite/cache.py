"""RecordCache: recent point reads of a meta database this process alone writes.

Why: a primary-key SELECT costs ~8-12 us of the event loop's time (statement reset, a fresh WAL
read snapshot, row building), and nearly every S3 request makes two (the bucket, then the
object). Under a 1 KiB GET load that was ~17% of the loop thread. A hit here costs well under
a microsecond.

Why it is coherent: SqliteMeta holds an exclusive lock on its file (lock.py), so every write
goes through its own GroupWriter, which calls `invalidate` with the keys of each batch after the
COMMIT returns and before any caller of that batch is answered. A read that raced a commit must
not put its (possibly older) row back after that invalidation: `generation` counts
invalidations, a reader notes it before its SELECT, and `fill` drops the row if it moved.
A commit that has not been answered yet may still be invisible to a hit; that is the order the
port allows for concurrent operations (the write was not acknowledged before the read began).

Bounds: at most MAX_ENTRIES records, values up to MAX_VALUE bytes (larger ones are read each
time), least recently used first out: a few MiB at most.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Iterable
from typing import Final

from ownstack.ports.meta import Record

MAX_ENTRIES: Final = 4096
MAX_VALUE: Final = 4096

MISS: Final = Record("", b"", -1)
"""`lookup`'s answer when the cache knows nothing of the key (None means: known absent);
compared by identity."""

Key = tuple[str, str]


class RecordCache:
    def __init__(self, max_entries: int = MAX_ENTRIES, max_value: int = MAX_VALUE) -> None:
        self._entries: OrderedDict[Key, Record | None] = OrderedDict()
        self._max_entries = max_entries
        self._max_value = max_value
        self._lock = threading.Lock()
        self.generation = 0
        """Bumped by every invalidation; read it before a SELECT whose row you will `fill`."""
        self.hits = 0
        self.misses = 0

    def lookup(self, key: Key) -> Record | None:
        """The cached record, None if cached as absent, or MISS.

        Without the lock (the hot path of every S3 request): each OrderedDict call is atomic
        under the GIL (keys are str tuples, nothing calls back into Python). An invalidation
        landing between the get and the move can only be for a commit not yet acknowledged,
        so answering with the entry read is still a valid order (see the module doc)."""
        entries = self._entries
        entry = entries.get(key, MISS)
        if entry is MISS:
            self.misses += 1  # counters: approximate under concurrency, never used for logic
            return MISS
        try:  # noqa: SIM105 - contextlib.suppress costs a context manager on the hot path
            entries.move_to_end(key)
        except KeyError:
            pass
        self.hits += 1
        return entry

    def fill(self, key: Key, record: Record | None, generation: int) -> None:
        """Remember what a SELECT begun at `generation` read, unless a commit landed since."""
        if record is not None and len(record.value) > self._max_value:
            return
        with self._lock:
            if generation != self.generation:
                return
            entries = self._entries
            entries[key] = record
            if len(entries) > self._max_entries:
                entries.popitem(last=False)

    def invalidate(self, keys: Iterable[Key]) -> None:
        """Forget `keys` (called from the writer thread after each COMMIT, whatever its fate)."""
        with self._lock:
            self.generation += 1
            pop = self._entries.pop
            for key in keys:
                pop(key, None)

    def clear(self) -> None:
        with self._lock:
            self.generation += 1
            self._entries.clear()
