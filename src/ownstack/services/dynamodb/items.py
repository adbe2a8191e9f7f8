"""PutItem, GetItem, UpdateItem and DeleteItem.

A write reads the item, checks its condition on what it read, and commits the new item with
its index entries and stream record expecting the version it read; when a concurrent writer
won, it reads again and retries. A PutItem or DeleteItem that needs nothing of the old item
(no condition, no index, no stream) skips the read. Every write's commit also checks that the
table's definition is still the one the write was planned on (else it is planned again).
https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_PutItem.html
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from ownstack.core.context import RequestContext
from ownstack.core.service import Params, Result
from ownstack.ports.errors import ConditionFailed
from ownstack.ports.meta import Check, Delete, Op, Put

from . import keys, sizes, values
from .base import DynamoDbBase
from .errors import (
    DynamoError,
    conditional_check_failed,
    internal_server_error,
    resource_not_found,
    validation,
)
from .expr import evaluate, legacy, parser, project, update
from .expr.ast import Condition, Item, Path, Projection, Remove, Update
from .expr.ast import Delete as DeleteAction
from .item_capacity import collection_metrics, read_capacity, write_capacity
from .item_request import (
    COLLECTION_METRICS,
    CONSUMED_CAPACITY,
    check_constraints,
    check_expression_members,
    condition,
    enum,
    on_condition_failure,
    projection,
    return_values,
    substitutions,
)
from .read_filter import check_key_paths
from .records import TABLES, TableRecord, items_ns, table_key
from .writes import (
    change_ops,
    check_index_keys,
    decode_stored,
    encode_stored,
    live_indexes,
    primary_key,
    read_item,
)

MAX_ATTEMPTS = 50
"""Commits lost to concurrent writers before giving up (InternalServerError)."""

Decide = Callable[[Item | None], Item | None]
Write = Callable[[TableRecord, Check], Awaitable[Result]]


class ItemOps(DynamoDbBase):
    async def put_item(self, ctx: RequestContext, params: Params) -> Result:
        # The members, then the item, then the expressions (AWS).
        bare = _checked_members(params, "PutItem")
        item = _checked_item(params.get("Item"))
        sizes.check_item_size(item)  # before the table is looked up, as AWS checks it
        request = _BARE_REQUEST if bare else _WriteRequest(params, "PutItem")

        async def put(table: TableRecord, guard: Check) -> Result:
            keys.check_key(item, *table.key_types(table.schema), parameter="Item")
            check_index_keys(table, item)
            key = primary_key(table, item)
            if request.condition is None and not _needs_old(table):
                old = await self._item_replace(table, guard, key, item, request)
            else:
                old, _ = await self._item_change(table, guard, key, request.checked(lambda _: item))
            kept = old if request.returns == "ALL_OLD" else None
            return request.result(table, key, old, item, kept)

        return await self._item_write(ctx, params["TableName"], put)

    async def delete_item(self, ctx: RequestContext, params: Params) -> Result:
        bare = _checked_members(params, "DeleteItem")
        key_item = values.check_item(params.get("Key"), parameter="Key")
        request = _BARE_REQUEST if bare else _WriteRequest(params, "DeleteItem")

        async def delete(table: TableRecord, guard: Check) -> Result:
            keys.check_key(key_item, *table.key_types(table.schema), parameter="Key")
            key = primary_key(table, key_item)
            if request.condition is None and request.plain and not _needs_old(table):
                await self._item_commit([Delete(items_ns(table), key), guard])
                return {}
            old, _ = await self._item_change(table, guard, key, request.checked(lambda _: None))
            kept = old if request.returns == "ALL_OLD" else None
            return request.result(table, key, old, None, kept)

        return await self._item_write(ctx, params["TableName"], delete)

    async def update_item(self, ctx: RequestContext, params: Params) -> Result:
        bare = _checked_members(params, "UpdateItem")
        key_item = values.check_item(params.get("Key"), parameter="Key")
        request = _BARE_REQUEST if bare else _WriteRequest(params, "UpdateItem")

        async def change(table: TableRecord, guard: Check) -> Result:
            keys.check_key(key_item, *table.key_types(table.schema), parameter="Key")
            if request.update is not None:
                update.check_update(request.update, table.schema.names)
            key = primary_key(table, key_item)
            paths: list[Path] = []

            def updated(old: Item | None) -> Item | None:
                new = _apply(request.update, old, key_item, paths)
                if new is not None:
                    sizes.check_item_size(new, update=True)
                    check_index_keys(table, new)
                return new

            old, new = await self._item_change(table, guard, key, request.checked(updated))
            returned = _updated_attributes(request.returns, old, new, tuple(paths))
            return request.result(table, key, old, new, returned)

        return await self._item_write(ctx, params["TableName"], change)

    async def get_item(self, ctx: RequestContext, params: Params) -> Result:
        check_constraints("GetItem", params)
        legacy.check_not_mixed(params, "GetItem")
        mode = enum(params, "ReturnConsumedCapacity", CONSUMED_CAPACITY, "NONE")
        check_expression_members(params, "GetItem")
        key_item = values.check_item(params.get("Key"), parameter="Key")
        wanted = _get_projection(params)
        table = await self.table(ctx, params["TableName"], for_items=True)
        keys.check_key(key_item, *table.key_types(table.schema), parameter="Key")
        check_key_paths(table, wanted)
        stored = await read_item(self.meta, table, primary_key(table, key_item))
        result: Result = {}
        if stored is not None:
            found = stored.item if wanted is None else project.project(stored.item, wanted)
            result["Item"] = found
        if mode != "NONE":
            size = 0 if stored is None else sizes.item_size(stored.item)
            consistent = bool(params.get("ConsistentRead"))
            result["ConsumedCapacity"] = read_capacity(
                table, mode, size, consistent=consistent, index=None
            )
        return result

    async def _item_write(self, ctx: RequestContext, name: str, write: Write) -> Result:
        """Run `write` on the table as it is now, with a guard that fails its commit if the
        table's definition changes meanwhile (an index added or removed, the stream switched,
        the table deleted): then it runs again on the new definition, so no write maintains a
        stale set of indexes behind a backfill's back."""
        for _ in range(MAX_ATTEMPTS):
            found = await self.find_table(ctx, name)
            if found is None:
                raise resource_not_found()  # the item operations' words
            table, version = found
            key = table_key(table.region, table.account_id, table.name)
            try:
                return await write(table, Check(TABLES, key, version))
            except _TableChanged:
                continue
        raise internal_server_error()

    async def _item_commit(self, ops: list[Op]) -> None:
        """Commit `ops`, whose last is the table guard; ConditionFailed when an item
        expectation failed, _TableChanged when the guard did."""
        try:
            await self.meta.commit(ops)
        except ConditionFailed as failed:
            if failed.index == len(ops) - 1:
                raise _TableChanged from None
            raise

    async def _item_replace(
        self, table: TableRecord, guard: Check, key: str, item: Item, request: _WriteRequest
    ) -> Item | None:
        """The fast path: overwrite without reading first (the store hands back what it
        replaced, for ReturnValues and capacity; a plain write asks for nothing back)."""
        value = encode_stored(item)
        if request.plain:
            await self._item_commit([Put(items_ns(table), key, value), guard])
            return None
        try:
            _, replaced = await self.meta.replace(items_ns(table), key, value, guard=guard)
        except ConditionFailed:
            raise _TableChanged from None
        if replaced is None:
            return None
        return decode_stored(replaced.value, replaced.version).item

    async def _item_change(
        self, table: TableRecord, guard: Check, key: str, decide: Decide
    ) -> tuple[Item | None, Item | None]:
        """Read, decide the new item (None: none), commit expecting what was read; again when
        a concurrent writer committed first. Returns (old, new)."""
        for _ in range(MAX_ATTEMPTS):
            stored = await read_item(self.meta, table, key)
            old = None if stored is None else stored.item
            new = decide(old)
            ops = change_ops(table, key, stored, new, now=self.clock.now())
            try:
                await self._item_commit([*ops, guard])
            except ConditionFailed:
                continue
            return old, new
        raise internal_server_error()


class _TableChanged(Exception):
    """The table's definition changed under a write."""


class _WriteRequest:
    """The parameters of one write, parsed and checked before the table is looked up."""

    def __init__(self, params: Params, operation: str) -> None:
        update = operation == "UpdateItem"
        self.returns = return_values(params, update=update)
        self.capacity = enum(params, "ReturnConsumedCapacity", CONSUMED_CAPACITY, "NONE")
        self.metrics = enum(params, "ReturnItemCollectionMetrics", COLLECTION_METRICS, "NONE")
        self.old_on_failure = on_condition_failure(params)
        subs = substitutions(params, operation)
        self.update: Update | None = _parse_update(params, subs) if update else None
        self.condition: Condition | None = condition(params, subs)
        subs.check_unused()

    @property
    def plain(self) -> bool:
        """Nothing of the old item is returned."""
        return self.returns == "NONE" and self.capacity == "NONE" and self.metrics == "NONE"

    def checked(self, decide: Decide) -> Decide:
        """`decide` behind the request's condition."""
        test = self.condition
        if test is None:
            return decide

        def guarded(old: Item | None) -> Item | None:
            if not evaluate.evaluate(test, old):
                raise conditional_check_failed(old if self.old_on_failure else None)
            return decide(old)

        return guarded

    def result(
        self,
        table: TableRecord,
        key: str,
        old: Item | None,
        new: Item | None,
        attributes: Item | None,
    ) -> Result:
        """The response: `attributes` (what ReturnValues asked for), capacity, metrics."""
        result: Result = {}
        if attributes:
            result["Attributes"] = attributes
        consumed = write_capacity(table, self.capacity, key, old, new)
        if consumed is not None:
            result["ConsumedCapacity"] = consumed
        metrics = collection_metrics(table, self.metrics, new if new is not None else old)
        if metrics is not None:
            result["ItemCollectionMetrics"] = metrics
        return result


def _checked_members(params: Params, operation: str) -> bool:
    """A write's constraints, legacy and expression members mixed, names or values without an
    expression (in that order, as AWS judges them); True when it names nothing but its table
    and item or key (_BARE_MEMBERS), which has none of the latter to judge."""
    check_constraints(operation, params)
    if params.keys() <= _BARE_MEMBERS:
        return True
    legacy.check_not_mixed(params, operation)
    check_expression_members(params, operation)
    return False


_BARE_MEMBERS = frozenset({"TableName", "Item", "Key"})
"""A write naming nothing but its table and its item or key: no expression, no legacy member,
no option, so nothing to check beyond those and a request of defaults (_BARE_REQUEST) to
carry out. Most writes look like this."""

_BARE_REQUEST = _WriteRequest({}, "PutItem")
"""The defaults of every write (PutItem, DeleteItem, UpdateItem): returns NONE, no
condition, no update (an UpdateItem without UpdateExpression or AttributeUpdates creates or
keeps its key alone). Shared: nothing changes a _WriteRequest after it is made."""

_PROJECTING = ("ProjectionExpression", "AttributesToGet", "ExpressionAttributeNames")


def _get_projection(params: Params) -> Projection | None:
    """GetItem's projection, its substitutions checked. Without any of those parameters (nor
    ExpressionAttributeValues, which GetItem refuses as unused) there is nothing to check and
    every attribute is wanted: the common read skips building the checks."""
    if params.get("ExpressionAttributeValues") is None and all(
        params.get(member) is None for member in _PROJECTING
    ):
        return None
    subs = substitutions(params, "GetItem")
    wanted = projection(params, subs)
    subs.check_unused()
    return wanted


def _checked_item(item: object) -> Item:
    """PutItem's Item; its validator words the nesting limit as a constraint violation."""
    try:
        return values.check_item(item, parameter="Item")
    except DynamoError as error:
        if error.message == values.NESTING_MESSAGE:
            raise validation("1 validation error detected: " + error.message) from None
        raise


def _needs_old(table: TableRecord) -> bool:
    """Whether a write must read the old item: to maintain indexes or the stream."""
    stream = table.stream
    return bool(live_indexes(table)) or (stream is not None and stream.enabled)


def _parse_update(params: Params, subs: parser.Substitutions) -> Update | None:
    text = params.get("UpdateExpression")
    if text is not None:
        return parser.parse_update(text, subs)
    if params.get("AttributeUpdates") is not None:
        return legacy.attribute_updates(params["AttributeUpdates"])
    return None


def _apply(
    actions: Update | None, old: Item | None, key_item: Item, paths: list[Any]
) -> Item | None:
    """The item after the update: a missing item is created from its key, unless every
    action only removes (AWS creates no item then)."""
    if actions is None:
        return dict(old) if old is not None else dict(key_item)
    if old is None and actions.actions and all(_removes(a) for a in actions.actions):
        return None
    done = update.apply_update(actions, old if old is not None else dict(key_item))
    paths[:] = done.paths
    return done.item


def _removes(action: object) -> bool:
    return isinstance(action, Remove | DeleteAction)


def _updated_attributes(
    returns: str, old: Item | None, new: Item | None, paths: tuple[tuple[str | int, ...], ...]
) -> Item | None:
    """Attributes for UpdateItem's ReturnValues (None: no Attributes member)."""
    if returns == "ALL_OLD":
        found = old
    elif returns == "ALL_NEW":
        found = new
    elif returns == "UPDATED_OLD":
        found = None if old is None else project.project_paths(old, paths)
    elif returns == "UPDATED_NEW":
        found = None if new is None else project.project_paths(new, paths)
    else:
        found = None
    return found or None
