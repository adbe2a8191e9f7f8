"""Reading and rewriting a table's record outside a request (background jobs), by the table's
identity: the record at its key, as long as it is still the same table (same id)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable

from ownstack.ports.errors import ConditionFailed
from ownstack.ports.meta import ABSENT, MetaStore, Put, pages

from .records import TABLES, TableRecord, decode_table, encode_table, table_key


async def load_same(meta: MetaStore, table: TableRecord) -> tuple[TableRecord, int] | None:
    """The current record of `table` and its version; None when the table was deleted (or
    deleted and created again: another id)."""
    record = await meta.get(TABLES, table_key(table.region, table.account_id, table.name))
    if record is None:
        return None
    current = decode_table(record.value)
    return (current, record.version) if current.id == table.id else None


async def every_table(meta: MetaStore) -> AsyncIterator[TableRecord]:
    """Every table of every account and region (background work that looks at all)."""
    async for page in pages(meta, TABLES):
        for record in page:
            yield decode_table(record.value)


def table_put(table: TableRecord, expect: int | None) -> Put:
    key = table_key(table.region, table.account_id, table.name)
    return Put(TABLES, key, encode_table(table), ABSENT if expect is None else expect)


async def rewrite(
    meta: MetaStore, table: TableRecord, change: Callable[[TableRecord], TableRecord | None]
) -> TableRecord | None:
    """Apply `change` to the current record of `table` with a compare-and-set, re-reading and
    retrying on a race. `change` returns None to leave the record alone. Returns the record
    written (None: nothing written)."""
    while True:
        found = await load_same(meta, table)
        if found is None:
            return None
        current, version = found
        changed = change(current)
        if changed is None:
            return None
        try:
            await meta.commit([table_put(changed, version)])
            return changed
        except ConditionFailed:
            continue
