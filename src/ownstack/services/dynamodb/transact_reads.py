"""TransactGetItems' reads: every item as of one instant.

Items are read, then read again until two rounds agree on every item's version (versions
only grow, so each item held its version over the whole stretch between its two reads, and
some instant lies in all of those stretches). Under constant concurrent change the read gives
up as AWS does, cancelling with TransactionConflict for the items that kept changing.
https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_TransactGetItems.html
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ownstack.ports.meta import MetaStore

from .batch_items import key_of, projection_of
from .errors import validation
from .expr.ast import Item, Projection
from .records import TableRecord
from .transact_errors import CONFLICT, NO_REASON, cancelled
from .writes import Stored, read_item

ROUNDS = 20


@dataclass(frozen=True, slots=True)
class Get:
    name: str
    key: Item
    projection: Projection | None


@dataclass(frozen=True, slots=True)
class LocatedGet:
    get: Get
    table: TableRecord
    key: str


def parse_gets(transact_items: Sequence[Mapping[str, Any]]) -> list[Get]:
    """The gets (their count already judged with the request's other constraints:
    item_request.check_constraints)."""
    gets = []
    for entry in transact_items:
        body = entry.get("Get")
        if body is None:
            raise validation(
                "The action or operation requested is invalid. Verify that the action is"
                " typed correctly."
            )
        projection = projection_of(body, "TransactGetItems")
        gets.append(Get(body["TableName"], body.get("Key"), projection))
    return gets


def locate_gets(gets: Sequence[Get], tables: Mapping[str, TableRecord]) -> list[LocatedGet]:
    located = []
    for get in gets:
        table = tables[get.name]
        _, key = key_of(table, get.key)
        located.append(LocatedGet(get, table, key))
    return located


async def snapshot(meta: MetaStore, located: Sequence[LocatedGet]) -> list[Stored | None]:
    """Every item as of one instant (TransactionCanceledException when that cannot be had)."""
    first = await _read_all(meta, located)
    same: list[bool] = []
    for _ in range(ROUNDS):
        again = await _read_all(meta, located)
        same = [_same(a, b) for a, b in zip(first, again, strict=True)]
        if all(same):
            return again
        first = again
        await asyncio.sleep(0)
    raise cancelled([NO_REASON if held else CONFLICT for held in same])


async def _read_all(meta: MetaStore, located: Sequence[LocatedGet]) -> list[Stored | None]:
    return list(await asyncio.gather(*(read_item(meta, g.table, g.key) for g in located)))


def _same(a: Stored | None, b: Stored | None) -> bool:
    if a is None or b is None:
        return a is None and b is None
    return a.version == b.version
