"""Removing the data of deleted tables and indexes, in the background and in pages.

DeleteTable removes the table's record and, in the same commit, leaves a marker in DROPS
(table id -> the table record) naming what is left to delete; the marker goes when the
table's items, index entries and stream outbox are gone, so a crash part-way resumes
(TableJobs.resume). The outbox is not cleared but moved to the streams' logs: a deleted
table's stream stays readable for 24 hours (stream_catalog.py), with every record of it.

A deleted GSI stays in its table record as DELETING (writes no longer maintain it) until its
entries are gone, then leaves the record.

Both first wait WRITER_GRACE_S: a write that read the table record before the change may
still be committing into the namespaces being cleared.
"""

from __future__ import annotations

import asyncio
import dataclasses

from ownstack.ports.logs import LogStore
from ownstack.ports.meta import Delete, MetaStore, Put, pages

from .records import (
    DELETING,
    TableRecord,
    decode_table,
    encode_table,
    index_ns,
    items_ns,
    outbox_ns,
)
from .stream_catalog import retired_stream
from .stream_mover import log_id, move_outbox
from .table_backfill import WRITER_GRACE_S
from .table_stats import forget
from .table_store import rewrite

DROPS = "ddb:drops"
PAGE = 500


def drop_marker(table: TableRecord) -> Put:
    return Put(DROPS, table.id, encode_table(table))


async def pending_drops(meta: MetaStore) -> list[TableRecord]:
    """Tables deleted whose data is not yet all gone."""
    return [decode_table(r.value) async for page in pages(meta, DROPS) for r in page]


async def drop_table_data(meta: MetaStore, logs: LogStore, table: TableRecord) -> None:
    """The table's items and index entries; its stream outbox goes to the streams' logs,
    which the stream mover deletes 24 hours after the stream was disabled (at the latest by
    this deletion: DeleteTable wrote its catalog entry)."""
    await asyncio.sleep(WRITER_GRACE_S)
    namespaces = [items_ns(table)]
    namespaces.extend(index_ns(table, i.name) for i in table.indexes)
    for ns in namespaces:
        await clear(meta, ns)
    await move_outbox(meta, logs, table.id, outbox_ns(table))
    stream, arn = table.stream, table.stream_arn
    if stream is not None and arn is not None and await retired_stream(meta, arn) is None:
        # Its 24 hours are over (or it was disabled before streams were catalogued): no
        # reader can find it any more.
        await logs.delete_log(log_id(table.id, stream.label))
    await meta.commit([Delete(DROPS, table.id), forget(table.id)])


async def drop_index_data(meta: MetaStore, table: TableRecord, index_name: str) -> None:
    await asyncio.sleep(WRITER_GRACE_S)
    await clear(meta, index_ns(table, index_name))
    await rewrite(meta, table, lambda t: _without(t, index_name))


def _without(table: TableRecord, index_name: str) -> TableRecord | None:
    index = table.index(index_name)
    if index is None or index.status != DELETING:
        return None
    indexes = tuple(i for i in table.indexes if i is not index)
    used = set(table.schema.names).union(*(i.schema.names for i in indexes))
    types = {n: t for n, t in table.attribute_types.items() if n in used}
    return dataclasses.replace(table, indexes=indexes, attribute_types=types)


async def clear(meta: MetaStore, ns: str) -> None:
    """Delete every record of `ns`, a page per commit."""
    while True:
        page = await meta.scan(ns, limit=PAGE)
        if not page:
            return
        await meta.commit([Delete(ns, r.key) for r in page])
