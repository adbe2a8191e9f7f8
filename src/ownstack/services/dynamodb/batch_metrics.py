"""ItemCollectionMetrics (ReturnItemCollectionMetrics=SIZE) of the multi-item writes.

AWS reports them only for tables with local secondary indexes: per item collection (all items
of one partition key value) that a write touched, its key and an estimate of its size in GB
as [lower, upper].
https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/LSI.html#LSI.ItemCollections
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

from ownstack.ports.meta import MetaStore, pages, prefix_end

from .expr.ast import Item
from .keys import encode_scalar, partition_prefix
from .records import TableRecord, items_ns

_GB = 1024**3


def has_collections(table: TableRecord) -> bool:
    return any(index.kind == "LSI" for index in table.indexes)


async def collection_metrics(
    meta: MetaStore, table: TableRecord, written: Iterable[Item]
) -> list[dict[str, Any]]:
    """One entry per distinct partition key value among `written` (items or keys)."""
    name = table.schema.partition
    seen: dict[str, Item] = {}
    for item in written:
        value = item[name]
        seen.setdefault(encode_scalar(value), {name: value})
    metrics = []
    for key in seen.values():
        size = await _collection_bytes(meta, table, key[name])
        low = math.floor(size / _GB)
        metrics.append({"ItemCollectionKey": key, "SizeEstimateRangeGB": [float(low), low + 1.0]})
    return metrics


async def _collection_bytes(meta: MetaStore, table: TableRecord, partition: Any) -> int:
    """The stored size of a partition's items (an estimate is all AWS promises)."""
    prefix = partition_prefix(partition)
    found = pages(meta, items_ns(table), start=prefix, end=prefix_end(prefix))
    return sum([len(r.value) async for page in found for r in page])
