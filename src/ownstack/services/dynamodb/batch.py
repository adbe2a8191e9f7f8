"""BatchGetItem and BatchWriteItem: many independent item reads or writes in one call.

Each item is read or written as its own GetItem / PutItem / DeleteItem would be (AWS makes no
promise of atomicity across them), but a batch's writes are committed together when they can
be: one meta commit of every item's change, each expecting the version read, retried when a
concurrent writer got in between. Under heavy contention the writes fall back to one commit
per item, and an item that still cannot be written is handed back in UnprocessedItems, as AWS
hands back what it could not process.
https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_BatchWriteItem.html
https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_BatchGetItem.html
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from ownstack.core.context import RequestContext
from ownstack.core.service import Params, Result
from ownstack.ports.errors import ConditionFailed
from ownstack.ports.meta import Check, Op

from .base import DynamoDbBase
from .batch_capacity import Capacity
from .batch_items import (
    TableChanged,
    guarded,
    projected,
    raise_if_table_changed,
    tables_named,
)
from .batch_metrics import collection_metrics, has_collections
from .batch_requests import Write, duplicates, get_keys, parse_gets, parse_writes, write_key
from .errors import internal_server_error
from .expr.ast import Item
from .item_request import COLLECTION_METRICS, CONSUMED_CAPACITY, check_constraints, enum
from .records import TableRecord
from .sizes import item_size
from .writes import Stored, change_ops, check_index_keys, read_item

MAX_RESPONSE_BYTES = 16 * 1024 * 1024
"""BatchGetItem returns at most 16 MB; the keys past it come back in UnprocessedKeys."""

TOGETHER_ATTEMPTS = 8
"""Tries at committing all of a batch's writes at once before writing them one by one."""

EACH_ATTEMPTS = 50
"""Tries at one item's write before handing it back unprocessed."""


@dataclass(frozen=True, slots=True)
class _Planned:
    write: Write
    table: TableRecord
    key: str
    key_item: Item


class BatchOps(DynamoDbBase):
    async def batch_get_item(self, ctx: RequestContext, params: Params) -> Result:
        check_constraints("BatchGetItem", params)
        mode = enum(params, "ReturnConsumedCapacity", CONSUMED_CAPACITY, "NONE")
        gets = parse_gets(params)
        tables = await tables_named(self, ctx, [g.name for g in gets])
        located = [get_keys(tables[g.name], g) for g in gets]
        responses: dict[str, list[Item]] = {}
        unprocessed: dict[str, Any] = {}
        capacity = Capacity()
        returned = 0
        for request, keys in zip(gets, located, strict=True):
            table = tables[request.name]
            found = await asyncio.gather(*(read_item(self.meta, table, k) for _, k in keys))
            items = responses.setdefault(request.name, [])
            left: list[Any] = []
            for raw, stored in zip(request.request["Keys"], found, strict=True):
                size = 0 if stored is None else item_size(stored.item)
                # At least one item is always returned, however large.
                if left or (returned and returned + size > MAX_RESPONSE_BYTES):
                    left.append(raw)
                    continue
                capacity.read(table, size, consistent=request.consistent)
                if stored is not None:
                    items.append(projected(stored.item, request.projection))
                    returned += size
            if left:
                unprocessed[request.name] = {**request.request, "Keys": left}
        result: Result = {"Responses": responses, "UnprocessedKeys": unprocessed}
        consumed = capacity.render(mode)
        if consumed is not None:
            result["ConsumedCapacity"] = consumed
        return result

    async def batch_write_item(self, ctx: RequestContext, params: Params) -> Result:
        check_constraints("BatchWriteItem", params)
        mode = enum(params, "ReturnConsumedCapacity", CONSUMED_CAPACITY, "NONE")
        metrics = enum(params, "ReturnItemCollectionMetrics", COLLECTION_METRICS, "NONE")
        writes = parse_writes(params)
        for _ in range(EACH_ATTEMPTS):
            tables = await tables_named(self, ctx, [w.name for w in writes])
            planned = _plan(writes, tables)
            try:
                done, left = await self._write_batch(planned, tables.guards)
                break
            except TableChanged:
                continue  # again, on the tables as they are now
        else:
            raise internal_server_error()
        unprocessed: dict[str, list[Any]] = {}
        for item in left:
            unprocessed.setdefault(item.write.name, []).append(item.write.request)
        result: Result = {"UnprocessedItems": unprocessed}
        capacity = Capacity()
        for item, old in done:
            capacity.write(item.table, item.key, old, item.write.item)
        consumed = capacity.render(mode)
        if consumed is not None:
            result["ConsumedCapacity"] = consumed
        if metrics == "SIZE":
            result["ItemCollectionMetrics"] = await self._batch_metrics([p for p, _ in done])
        return result

    async def _write_batch(
        self, planned: Sequence[_Planned], guards: list[Check]
    ) -> tuple[list[tuple[_Planned, Item | None]], list[_Planned]]:
        """The writes done (with the item each replaced) and those left unprocessed. Raises
        TableChanged (before writing anything) when a table changed since it was read."""
        together = await self._write_together(planned, guards)
        if together is not None:
            return list(zip(planned, together, strict=True)), []
        done: list[tuple[_Planned, Item | None]] = []
        left: list[_Planned] = []
        for item in planned:
            written = await self._write_together([item], guards, attempts=EACH_ATTEMPTS)
            if written is None:
                left.append(item)
            else:
                done.append((item, written[0]))
        return done, left

    async def _write_together(
        self,
        planned: Sequence[_Planned],
        guards: list[Check],
        *,
        attempts: int = TOGETHER_ATTEMPTS,
    ) -> list[Item | None] | None:
        """One commit of all of `planned`, each item expecting the version read; the items
        replaced, or None when concurrent writers kept winning."""
        for attempt in range(attempts):
            stored = await asyncio.gather(*(read_item(self.meta, p.table, p.key) for p in planned))
            ops = _ops(planned, stored, self.clock.now())
            try:
                if ops:
                    await self.meta.commit(guarded(ops, guards))
            except ConditionFailed as lost:
                raise_if_table_changed(lost, ops)
                await pause(attempt)
                continue
            return [None if s is None else s.item for s in stored]
        return None

    async def _batch_metrics(self, done: Sequence[_Planned]) -> dict[str, Any]:
        by_table: dict[str, list[_Planned]] = {}
        for item in done:
            if has_collections(item.table):
                by_table.setdefault(item.write.name, []).append(item)
        return {
            name: await collection_metrics(self.meta, items[0].table, [p.key_item for p in items])
            for name, items in by_table.items()
        }


def _plan(writes: Sequence[Write], tables: dict[str, TableRecord]) -> list[_Planned]:
    """Each write's table and key, checked; no item twice (a table named by name and by ARN
    is still one table)."""
    planned = []
    seen: set[tuple[str, str]] = set()
    for write in writes:
        table = tables[write.name]
        key_item, key = write_key(table, write)
        if (table.id, key) in seen:
            raise duplicates()
        seen.add((table.id, key))
        if write.item is not None:
            check_index_keys(table, write.item)
        planned.append(_Planned(write, table, key, key_item))
    return planned


def _ops(planned: Sequence[_Planned], stored: Sequence[Stored | None], now: float) -> list[Op]:
    """Every item's change. An unchanged item needs no Check here: a batch write has no
    condition, so it may take effect just before a concurrent change of that item."""
    ops: list[Op] = []
    for item, old in zip(planned, stored, strict=True):
        changes = change_ops(item.table, item.key, old, item.write.item, now=now)
        ops.extend(op for op in changes if not isinstance(op, Check))
    return ops


async def pause(attempt: int) -> None:
    """A short random wait before retrying a commit a concurrent writer beat (growing with
    each try, so contending writers spread out)."""
    await asyncio.sleep(random.uniform(0, 0.0005 * 2 ** min(attempt, 6)))
