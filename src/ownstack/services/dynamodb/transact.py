"""TransactWriteItems and TransactGetItems: all-or-nothing writes and one-instant reads across
items and tables.

A write transaction reads every item it names, evaluates every condition and computes every
new item on what it read, then makes ONE meta commit of all the changes (items, index
entries, stream records), each expecting the version it read, with a Check for each
ConditionCheck's item. The commit applies everything or nothing; when another writer changed
an item in between, the transaction reads again and retries, and after a few lost races is
cancelled with TransactionConflict, as AWS cancels transactions that collide.
https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/transaction-apis.html
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Any

from ownstack.core.context import RequestContext
from ownstack.core.service import Params, Result
from ownstack.ports.errors import ConditionFailed
from ownstack.ports.meta import ABSENT, Check, Op

from .base import DynamoDbBase
from .batch import pause
from .batch_capacity import Capacity
from .batch_items import (
    NamedTables,
    TableChanged,
    guarded,
    projected,
    raise_if_table_changed,
    tables_named,
)
from .batch_limits import check_token
from .batch_metrics import collection_metrics, has_collections
from .item_request import COLLECTION_METRICS, CONSUMED_CAPACITY, check_constraints, enum
from .records import items_ns
from .sizes import item_size, read_units
from .transact_actions import Action, Decision, Located, decide, locate, parse_actions
from .transact_errors import CONFLICT, NO_REASON, cancelled, token_mismatch
from .transact_reads import locate_gets, parse_gets, snapshot
from .transact_tokens import (
    Remembered,
    TokenSlot,
    claim,
    read_slot,
    request_digest,
    token_key,
)
from .writes import Stored, change_ops, read_item

ATTEMPTS = 12
"""Commits lost to concurrent writers before the transaction is cancelled."""

TRANSACTIONAL = 2
"""Transactional reads and writes cost twice the units of plain ones."""


class TransactOps(DynamoDbBase):
    async def transact_write_items(self, ctx: RequestContext, params: Params) -> Result:
        check_constraints("TransactWriteItems", params)
        mode = enum(params, "ReturnConsumedCapacity", CONSUMED_CAPACITY, "NONE")
        metrics = enum(params, "ReturnItemCollectionMetrics", COLLECTION_METRICS, "NONE")
        token = check_token(params.get("ClientRequestToken"))
        actions = parse_actions(params["TransactItems"])
        digest = None if token is None else request_digest(params)
        for _ in range(ATTEMPTS):
            tables = await tables_named(self, ctx, [a.name for a in actions])
            try:
                return await self._transact_write(
                    ctx, tables, actions, token, digest, mode, metrics
                )
            except TableChanged:
                continue  # again, on the tables as they are now
        raise cancelled([CONFLICT] * len(actions))

    async def _transact_write(
        self,
        ctx: RequestContext,
        tables: NamedTables,
        actions: Sequence[Action],
        token: str | None,
        digest: str | None,
        mode: str,
        metrics: str,
    ) -> Result:
        """One try at the transaction on `tables` as read. Raises TableChanged when one of
        them changed before the commit."""
        located = locate(actions, tables)
        conflict: int | None = None
        for attempt in range(ATTEMPTS):
            slot = None
            if token is not None and digest is not None:
                slot = await read_slot(self.meta, token_key(ctx, token), self.clock.now())
                if slot.remembered is not None:
                    return await self._replay(slot.remembered, digest, located, mode, metrics)
            stored = list(
                await asyncio.gather(*(read_item(self.meta, x.table, x.key) for x in located))
            )
            decisions = [decide(x, s) for x, s in zip(located, stored, strict=True)]
            if any(d.reason is not None for d in decisions):
                raise cancelled([d.reason or NO_REASON for d in decisions])
            ops, owners = self._ops(located, stored, decisions, slot, digest)
            try:
                await self.meta.commit(guarded(ops, tables.guards))
            except ConditionFailed as lost:
                raise_if_table_changed(lost, ops)
                conflict = owners[lost.index] if 0 <= lost.index < len(owners) else None
                await pause(attempt)
                continue
            return await self._written(located, stored, decisions, mode, metrics)
        raise cancelled([CONFLICT if i == conflict else NO_REASON for i in range(len(located))])

    async def transact_get_items(self, ctx: RequestContext, params: Params) -> Result:
        check_constraints("TransactGetItems", params)
        mode = enum(params, "ReturnConsumedCapacity", CONSUMED_CAPACITY, "NONE")
        gets = parse_gets(params["TransactItems"])
        tables = await tables_named(self, ctx, [g.name for g in gets])
        located = locate_gets(gets, tables)
        found = await snapshot(self.meta, located)
        capacity = Capacity(split="ReadCapacityUnits")
        responses: list[dict[str, Any]] = []
        for get, stored in zip(located, found, strict=True):
            size = 0 if stored is None else item_size(stored.item)
            capacity.read(get.table, size, consistent=True, factor=TRANSACTIONAL)
            if stored is None:
                responses.append({})
            else:
                responses.append({"Item": projected(stored.item, get.get.projection)})
        result: Result = {"Responses": responses}
        consumed = capacity.render(mode)
        if consumed is not None:
            result["ConsumedCapacity"] = consumed
        return result

    def _ops(
        self,
        located: Sequence[Located],
        stored: Sequence[Stored | None],
        decisions: Sequence[Decision],
        slot: TokenSlot | None,
        digest: str | None,
    ) -> tuple[list[Op], list[int | None]]:
        """The transaction's commit, and which action each op belongs to (None: the token)."""
        now = self.clock.now()
        ops: list[Op] = []
        owners: list[int | None] = []
        for index, (item, old, decision) in enumerate(zip(located, stored, decisions, strict=True)):
            if item.action.kind == "ConditionCheck":
                expect = ABSENT if old is None else old.version
                changes: list[Op] = [Check(items_ns(item.table), item.key, expect)]
            else:
                changes = change_ops(item.table, item.key, old, decision.new, now=now)
            ops.extend(changes)
            owners.extend([index] * len(changes))
        if slot is not None and digest is not None:
            ops.append(claim(slot, Remembered(digest, now, _replay_units(located, decisions))))
            owners.append(None)
        return ops, owners

    async def _written(
        self,
        located: Sequence[Located],
        stored: Sequence[Stored | None],
        decisions: Sequence[Decision],
        mode: str,
        metrics: str,
    ) -> Result:
        capacity = Capacity(split="WriteCapacityUnits")
        for item, old, decision in zip(located, stored, decisions, strict=True):
            old_item = None if old is None else old.item
            if item.action.kind == "ConditionCheck":
                capacity.check(item.table, old_item, factor=TRANSACTIONAL)
            else:
                capacity.write(item.table, item.key, old_item, decision.new, factor=TRANSACTIONAL)
        return await self._transact_answer(capacity, mode, metrics, located)

    async def _replay(
        self,
        remembered: Remembered,
        digest: str,
        located: Sequence[Located],
        mode: str,
        metrics: str,
    ) -> Result:
        """The answer to a repeated request: success, nothing applied again; its capacity is
        the (transactional) read of the items, as AWS reports it for a replay."""
        if remembered.digest != digest:
            raise token_mismatch()
        capacity = Capacity(split="ReadCapacityUnits")
        for name, units in remembered.read_units.items():
            capacity.add(name, units)
        return await self._transact_answer(capacity, mode, metrics, located)

    async def _transact_answer(
        self, capacity: Capacity, mode: str, metrics: str, located: Sequence[Located]
    ) -> Result:
        """TransactWriteItems' answer: the capacity and item collection metrics asked for."""
        result: Result = {}
        consumed = capacity.render(mode)
        if consumed is not None:
            result["ConsumedCapacity"] = consumed
        if metrics == "SIZE":
            result["ItemCollectionMetrics"] = await self._transact_metrics(located)
        return result

    async def _transact_metrics(self, located: Sequence[Located]) -> dict[str, Any]:
        by_table: dict[str, list[Located]] = {}
        for item in located:
            if item.action.kind != "ConditionCheck" and has_collections(item.table):
                by_table.setdefault(item.action.name, []).append(item)
        return {
            name: await collection_metrics(self.meta, items[0].table, [x.key_item for x in items])
            for name, items in by_table.items()
        }


def _replay_units(located: Sequence[Located], decisions: Sequence[Decision]) -> dict[str, float]:
    """Per table, what a replay reports: a transactional read of each item as written."""
    units: dict[str, float] = {}
    for item, decision in zip(located, decisions, strict=True):
        size = 0 if decision.new is None else item_size(decision.new)
        cost = read_units(max(size, 1), consistent=True) * TRANSACTIONAL
        units[item.table.name] = units.get(item.table.name, 0.0) + cost
    return units
