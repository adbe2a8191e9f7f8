"""ItemCount / TableSizeBytes (and each index's ItemCount / IndexSizeBytes) for DescribeTable.

AWS documents these as approximate, "updated approximately every six hours". ownstack counts
them by scanning the table's namespaces, bounded so a DescribeTable stays cheap:
- a table of fewer than SMALL items is counted on every DescribeTable (one page of scan), so
  the figures are exact for small tables;
- a larger one is counted in the background, at most every REFRESH_S seconds, and the
  figures of the last complete count (kept in STATS, keyed by table id) are returned meanwhile.
Sizes are DynamoDB's item sizes (attribute names plus values, sizes.item_size).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Coroutine
from dataclasses import asdict, dataclass, field
from typing import Any

from ownstack.core.clock import Clock
from ownstack.ports.meta import Delete, MetaStore, Put, pages

from . import sizes, values, writes
from .records import TableRecord, index_ns, items_ns

STATS = "ddb:stats"
SMALL = 1000
REFRESH_S = 300.0

Spawn = Callable[[str, Callable[[], Coroutine[Any, Any, None]]], None]
"""Runs a background job once per name (table_jobs.TableJobs.spawn)."""


@dataclass(slots=True)
class Figures:
    items: int = 0
    size: int = 0


@dataclass(slots=True)
class TableStats:
    table: Figures = field(default_factory=Figures)
    indexes: dict[str, Figures] = field(default_factory=dict)
    at: float = 0.0

    def index(self, name: str) -> Figures:
        return self.indexes.get(name) or Figures()


async def table_stats(
    meta: MetaStore, clock: Clock, table: TableRecord, spawn: Spawn
) -> TableStats:
    cached = await _load(meta, table)
    now = clock.now()
    if cached is not None and cached.table.items >= SMALL:
        if now - cached.at >= REFRESH_S:
            spawn(f"count:{table.id}", lambda: recount(meta, clock, table))
        return cached
    counted = await count(meta, table, bound=SMALL)
    if counted is None:
        spawn(f"count:{table.id}", lambda: recount(meta, clock, table))
        return cached or TableStats()
    return counted


async def recount(meta: MetaStore, clock: Clock, table: TableRecord) -> None:
    """A complete count, kept in STATS."""
    counted = await count(meta, table, bound=None)
    if counted is not None:
        counted.at = clock.now()
        await meta.commit([Put(STATS, table.id, json.dumps(asdict(counted)).encode())])


def forget(table_id: str) -> Delete:
    """The op dropping a deleted table's figures."""
    return Delete(STATS, table_id)


async def count(meta: MetaStore, table: TableRecord, *, bound: int | None) -> TableStats | None:
    """The figures, or None when the table holds more than `bound` items."""
    items = await _count_ns(meta, items_ns(table), bound, _item_size)
    if items is None:
        return None
    stats = TableStats(table=items)
    for index in table.indexes:
        entries = await _count_ns(meta, index_ns(table, index.name), None, _entry_size)
        stats.indexes[index.name] = entries or Figures()
    return stats


async def _count_ns(
    meta: MetaStore, ns: str, bound: int | None, size_of: Callable[[bytes], int]
) -> Figures | None:
    figures = Figures()
    async for page in pages(meta, ns):
        figures.items += len(page)
        figures.size += sum(size_of(r.value) for r in page)
        if bound is not None and figures.items > bound:
            return None
    return figures


def _item_size(value: bytes) -> int:
    return sizes.item_size(writes.decode_stored(value, 0).item)


def _entry_size(value: bytes) -> int:
    return sizes.item_size(values.decode_item(value))


async def _load(meta: MetaStore, table: TableRecord) -> TableStats | None:
    record = await meta.get(STATS, table.id)
    if record is None:
        return None
    raw = json.loads(record.value)
    return TableStats(
        table=Figures(**raw["table"]),
        indexes={name: Figures(**f) for name, f in raw["indexes"].items()},
        at=raw["at"],
    )
