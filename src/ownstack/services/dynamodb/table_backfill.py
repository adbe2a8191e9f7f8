"""Filling a new global secondary index from the items already in its table.

UpdateTable's Create puts the index in the table record as CREATING (Backfilling true). From
then on every item write maintains its entries (writes.live_indexes); this job writes the
entries of the items that were there before, then marks the index ACTIVE.

Correct beside concurrent writes: each entry is written in one commit with a Check that the
item still has the version it was computed from, so an item changed meanwhile is read again
(the writer, which knew the index, has already put its entry; writing it again is harmless).
Writers that read the table record before the index existed can still be committing when the
job starts, so it first waits WRITER_GRACE_S for them to finish.
"""

from __future__ import annotations

import asyncio
import dataclasses

from ownstack.ports.errors import ConditionFailed
from ownstack.ports.meta import Check, MetaStore, Op, Put, Record

from .records import ACTIVE, CREATING, IndexRecord, TableRecord, index_ns, items_ns
from .table_store import load_same, rewrite
from .writes import decode_stored, index_entry

WRITER_GRACE_S = 1.0
"""How long a write may take between reading the table record and committing."""
PAGE = 100


async def backfill(meta: MetaStore, table: TableRecord, index_name: str) -> None:
    await asyncio.sleep(WRITER_GRACE_S)
    start = ""
    while True:
        current = await _still_creating(meta, table, index_name)
        if current is None:
            return
        fresh, index = current
        page = await meta.scan(items_ns(fresh), start=start, limit=PAGE)
        await _fill_page(meta, fresh, index, page)
        if len(page) < PAGE:
            break
        start = page[-1].key + "\0"
    await rewrite(meta, table, lambda t: _activated(t, index_name))


async def _still_creating(
    meta: MetaStore, table: TableRecord, index_name: str
) -> tuple[TableRecord, IndexRecord] | None:
    """The table and index while the index is still being created (not deleted, nor its
    table)."""
    found = await load_same(meta, table)
    if found is None:
        return None
    index = found[0].index(index_name)
    if index is None or index.status != CREATING:
        return None
    return found[0], index


async def _fill_page(
    meta: MetaStore, table: TableRecord, index: IndexRecord, page: list[Record]
) -> None:
    ops: list[Op] = []
    for record in page:
        ops.extend(_entry_ops(table, index, record))
    if not ops:
        return
    try:
        await meta.commit(ops)
    except ConditionFailed:
        for record in page:
            await _fill_one(meta, table, index, record.key)


def _entry_ops(table: TableRecord, index: IndexRecord, record: Record) -> list[Op]:
    item = decode_stored(record.value, record.version).item
    entry = index_entry(table, index, record.key, item)
    if entry is None:
        return []
    return [
        Check(items_ns(table), record.key, record.version),
        Put(index_ns(table, index.name), *entry),
    ]


async def _fill_one(meta: MetaStore, table: TableRecord, index: IndexRecord, key: str) -> None:
    """One item's entry, re-read until its commit finds the item unchanged."""
    while True:
        record = await meta.get(items_ns(table), key)
        if record is None:
            return
        ops = _entry_ops(table, index, record)
        if not ops:
            return
        try:
            await meta.commit(ops)
            return
        except ConditionFailed:
            continue


def _activated(table: TableRecord, index_name: str) -> TableRecord | None:
    index = table.index(index_name)
    if index is None or index.status != CREATING:
        return None
    done = dataclasses.replace(index, status=ACTIVE, backfilling=False)
    indexes = tuple(done if i.name == index_name else i for i in table.indexes)
    return dataclasses.replace(table, indexes=indexes)
