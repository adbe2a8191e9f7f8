"""What the multi-item operations share about one item of a request: its key checked against
the table's schema and turned into the item's meta key, and a read's projection parsed."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from ownstack.core.context import RequestContext
from ownstack.ports.errors import ConditionFailed
from ownstack.ports.meta import Check, Op

from . import item_request, keys, values
from .base import DynamoDbBase
from .errors import resource_not_found
from .expr import legacy, project
from .expr.ast import Item, Projection
from .records import TABLES, TableRecord, table_key
from .writes import primary_key


def key_of(table: TableRecord, raw: object) -> tuple[Item, str]:
    """A Key parameter checked (values normalised, exactly the schema's attributes) and the
    item's meta key."""
    key = values.check_item(raw, parameter="Key")
    partition, sort = table.key_types(table.schema)
    keys.check_key(key, partition, sort, parameter="Key")
    return key, primary_key(table, key)


def item_key_of(table: TableRecord, item: Item, parameter: str = "Item") -> tuple[Item, str]:
    """The key attributes of a checked Item and its meta key (`parameter`: see check_key)."""
    partition, sort = table.key_types(table.schema)
    keys.check_key(item, partition, sort, parameter=parameter)
    key = {name: item[name] for name in table.schema.names}
    return key, primary_key(table, key)


def projection_of(request: Mapping[str, Any], operation: str) -> Projection | None:
    """The projection of a read request (ProjectionExpression with its
    ExpressionAttributeNames, or legacy AttributesToGet); None: whole items."""
    legacy.check_not_mixed(request, operation)
    subs = item_request.substitutions(request, operation)
    wanted = item_request.projection(request, subs)
    subs.check_unused()
    return wanted


def projected(item: Item, projection: Projection | None) -> Item:
    return item if projection is None else project.project(item, projection)


class NamedTables(dict[str, TableRecord]):
    """The tables a batch or transaction names, by the name it gives (a name or an ARN), and
    a guard per table: a Check of its record's version as read, committed with the writes so
    that a table changed meanwhile (an index added or removed, the stream switched, the
    table deleted) fails the commit (TableChanged) rather than leave an index behind."""

    guards: list[Check]


class TableChanged(Exception):
    """A write's table guard failed: run the whole request again on the table as it is now."""


def guarded(ops: list[Op], guards: list[Check]) -> list[Op]:
    return [*ops, *guards] if ops else ops


def raise_if_table_changed(lost: ConditionFailed, ops: list[Op]) -> None:
    """`lost` failed one of the guards `guarded` appended to `ops` (not an item's version)."""
    if lost.index >= len(ops):
        raise TableChanged from lost


async def tables_named(ops: DynamoDbBase, ctx: RequestContext, names: Iterable[str]) -> NamedTables:
    """The tables a batch or transaction names (names or ARNs); ResourceNotFoundException
    ("Requested resource not found", no table named, as AWS words it for these calls) for
    the whole call when one does not exist."""
    tables = NamedTables()
    tables.guards = []
    seen: set[str] = set()
    for name in names:
        if name not in tables:
            found = await ops.find_table(ctx, name)
            if found is None:
                raise resource_not_found()
            table, version = found
            tables[name] = table
            if table.id not in seen:
                seen.add(table.id)
                key = table_key(table.region, table.account_id, table.name)
                tables.guards.append(Check(TABLES, key, version))
    return tables
