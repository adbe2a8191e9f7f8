"""ConsumedCapacity and ItemCollectionMetrics as the item and read operations return them.

https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/read-write-operations.html
Writes cost 1 KB units of the larger of the old and new item, plus, per secondary index the
write touches, the units of each index entry written or removed; reads cost 4 KB units of the
bytes read (halved when eventually consistent). TOTAL gives the sum; INDEXES also breaks it
down into Table and each index.
"""

from __future__ import annotations

from typing import Any

from . import sizes
from .expr.ast import Item
from .records import IndexRecord, TableRecord
from .writes import index_entry, live_indexes, projected

IndexUnits = list[tuple[IndexRecord, float]]
"""Units an operation spent on each index (a list: an index record holding its provisioned
throughput, a dict, cannot be a dict key)."""


def render(
    table: TableRecord, mode: str, table_units: float, indexes: IndexUnits
) -> dict[str, Any] | None:
    """The ConsumedCapacity member for `mode` (None for NONE)."""
    if mode == "NONE":
        return None
    total = table_units + sum(units for _, units in indexes)
    consumed: dict[str, Any] = {"TableName": table.name, "CapacityUnits": total}
    if mode == "INDEXES":
        consumed["Table"] = {"CapacityUnits": table_units}
        for index, units in indexes:
            member = "GlobalSecondaryIndexes" if index.kind == "GSI" else "LocalSecondaryIndexes"
            consumed.setdefault(member, {})[index.name] = {"CapacityUnits": units}
    return consumed


def write_capacity(
    table: TableRecord, mode: str, key: str, old: Item | None, new: Item | None
) -> dict[str, Any] | None:
    if mode == "NONE":
        return None
    size = max(_size(old), _size(new))
    table_units = sizes.write_units(size)
    indexes: IndexUnits = []
    for index in live_indexes(table):
        units = _index_write_units(table, index, key, old, new)
        if units:
            indexes.append((index, units))
    return render(table, mode, table_units, indexes)


def _size(item: Item | None) -> int:
    return 0 if item is None else sizes.item_size(item)


def _index_write_units(
    table: TableRecord, index: IndexRecord, key: str, old: Item | None, new: Item | None
) -> float:
    """A changed index key costs a delete and a put; a new or updated entry one put."""
    before = None if old is None else index_entry(table, index, key, old)
    after = None if new is None else index_entry(table, index, key, new)
    units = 0.0
    if old is not None and before is not None and (after is None or after[0] != before[0]):
        units += sizes.write_units(sizes.item_size(projected(table, index, old)))
    if new is not None and after is not None and after != before:
        units += sizes.write_units(sizes.item_size(projected(table, index, new)))
    return units


def read_capacity(
    table: TableRecord, mode: str, size: int, *, consistent: bool, index: IndexRecord | None
) -> dict[str, Any] | None:
    """A read of `size` bytes from the table or one index (a read of nothing still costs
    one unit)."""
    if mode == "NONE":
        return None
    units = sizes.read_units(max(size, 1), consistent=consistent)
    if index is None:
        return render(table, mode, units, [])
    return render(table, mode, 0.0, [(index, units)])


def collection_metrics(table: TableRecord, mode: str, item: Item | None) -> dict[str, Any] | None:
    """ItemCollectionMetrics: only for tables with local secondary indexes. The size estimate
    is the lowest bracket AWS reports (collection sizes are not tracked here)."""
    if mode != "SIZE" or item is None or not any(i.kind == "LSI" for i in table.indexes):
        return None
    partition = table.schema.partition
    return {
        "ItemCollectionKey": {partition: item[partition]},
        "SizeEstimateRangeGB": [0.0, 1.0],
    }
