"""What a Query or Scan reads: the table or one of its indexes (IndexName), the key range on
the meta port, where ExclusiveStartKey resumes it, and which attributes make up its
LastEvaluatedKey. Select and the attributes returned are decided here too.

https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_Query.html
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ownstack.ports.meta import prefix_end

from . import keys, values
from .errors import INVALID, validation
from .expr.ast import AttributeValue, Item, Projection
from .expr.keycond import KeyCondition
from .item_request import SELECT, enum
from .records import DELETING, IndexRecord, KeySchema, TableRecord, index_ns, items_ns
from .writes import primary_key, projected_names

_NEXT = "\0"
"""Appended to a key: the smallest key after it."""


@dataclass(frozen=True, slots=True)
class Target:
    """The table, or one of its indexes, a read goes through."""

    table: TableRecord
    index: IndexRecord | None

    @property
    def schema(self) -> KeySchema:
        return self.table.schema if self.index is None else self.index.schema

    @property
    def ns(self) -> str:
        if self.index is None:
            return items_ns(self.table)
        return index_ns(self.table, self.index.name)

    @property
    def key_names(self) -> tuple[str, ...]:
        """The attributes of a LastEvaluatedKey: the table's key, then the index's."""
        names = list(self.table.schema.names)
        names.extend(n for n in self.schema.names if n not in names)
        return tuple(names)

    def key_types(self) -> dict[str, str]:
        return {name: self.table.attribute_types[name] for name in self.schema.names}

    def record_key(self, item: Item) -> str:
        """The meta key under which `item` (holding every key_names attribute) is read."""
        table_key = primary_key(self.table, item)
        if self.index is None:
            return table_key
        schema = self.index.schema
        sort = None if schema.sort is None else item[schema.sort]
        return keys.item_key(item[schema.partition], sort) + table_key

    def last_key(self, item: Item) -> Item:
        return {name: item[name] for name in self.key_names}


def target(table: TableRecord, params: dict[str, Any]) -> Target:
    """The table, or the index IndexName names (ValidationException in AWS's words)."""
    name = params.get("IndexName")
    if name is None:
        return Target(table, None)
    index = table.index(name)
    if index is None or index.status == DELETING:
        raise validation(f"The table does not have the specified index: {name}")
    if index.kind == "GSI" and params.get("ConsistentRead"):
        raise validation("Consistent reads are not supported on global secondary indexes")
    if index.backfilling:
        raise validation(f"Cannot read from backfilling global secondary index: {name}")
    return Target(table, index)


def partition_range(target: Target, partition: AttributeValue) -> tuple[str, str | None]:
    """The keys of one partition of the table or index."""
    if target.schema.sort is None:
        prefix = keys.item_key(partition, None)
    else:
        prefix = keys.partition_prefix(partition)
    return prefix, prefix_end(prefix)


def query_range(target: Target, condition: KeyCondition) -> tuple[str, str | None]:
    """The meta-key range [start, end) holding exactly the items the key condition selects
    (every key encoding is prefix-free and ordered as DynamoDB orders its values)."""
    start, end = partition_range(target, condition.partition)
    sort = condition.sort
    if sort is None:
        return start, end
    at = keys.item_key(condition.partition, sort.values[0])
    after = prefix_end(at)
    if sort.op == "=":
        return at, after
    if sort.op == "<":
        return start, at
    if sort.op == "<=":
        return start, after
    if sort.op == ">":
        return (after, end) if after is not None else (at, at)
    if sort.op == ">=":
        return at, end
    if sort.op == "BETWEEN":
        return at, prefix_end(keys.item_key(condition.partition, sort.values[1]))
    return at, _begins_with_end(condition.partition, sort.values[0], end)


def _begins_with_end(
    partition: AttributeValue, prefix: AttributeValue, end: str | None
) -> str | None:
    """The first key after every sort value starting with `prefix`."""
    if "S" in prefix:
        text = prefix_end(prefix["S"])
        return end if text is None else keys.item_key(partition, {"S": text})
    data = bytes(prefix["B"]).rstrip(b"\xff")
    if not data:
        return end
    return keys.item_key(partition, {"B": data[:-1] + bytes([data[-1] + 1])})


_START_INVALID = "The provided starting key is invalid"


def start_values(params: dict[str, Any]) -> Item | None:
    """ExclusiveStartKey with its values checked, before the table is looked up ("The
    provided starting key is invalid: Supplied AttributeValue is empty, ..."); None without
    one."""
    given = params.get("ExclusiveStartKey")
    if given is None:
        return None
    return values.check_item(given, parameter="ExclusiveStartKey")


def start_item(target: Target, item: Item | None, *, query: bool) -> Item | None:
    """ExclusiveStartKey checked against the key of what is read, in DynamoDB's words, which
    differ by case (recorded by dynalite's suite): a Query's, or a Scan's of an index, names a
    missing or extra attribute bare ("The provided starting key is invalid") and a value of
    the wrong type as a key ("The provided key element does not match the schema"); what
    remains of the table's key, and a Scan of the table, "... invalid: ... schema". `item`:
    start_values' answer."""
    if item is None:
        return None
    types = target.table.attribute_types
    bare = query or target.index is not None
    if len(item) != len(target.key_names):
        raise validation(_START_INVALID if bare else f"{_START_INVALID}: {keys.KEY_MISMATCH}")
    if bare:
        for name in target.schema.names:
            if name not in item:
                raise validation(_START_INVALID)
            _check_start_piece(name, item[name], types[name])
    for name in target.key_names:
        if name not in item or next(iter(item[name])) != types[name]:
            raise validation(f"{_START_INVALID}: {keys.KEY_MISMATCH}")
    return item


def _check_start_piece(name: str, value: AttributeValue, kind: str) -> None:
    if next(iter(value)) != kind:
        raise validation(keys.KEY_MISMATCH)
    if kind in ("S", "B") and len(value[kind]) == 0:
        what = "string" if kind == "S" else "binary"
        raise validation(
            f"{INVALID}The AttributeValue for a key attribute cannot contain an empty {what}"
            f" value. Key: {name}"
        )


def resume(
    bounds: tuple[str, str | None], start: str | None, *, reverse: bool
) -> tuple[str, str | None]:
    """`bounds` narrowed to what follows ExclusiveStartKey in the read's direction."""
    low, high = bounds
    if start is None:
        return low, high
    if reverse:
        return low, start if high is None or start < high else high
    after = start + _NEXT
    return (after if after > low else low), high


def check_query_start(target: Target, condition: KeyCondition, start: Item | None) -> None:
    """A Query's ExclusiveStartKey must lie where its key condition reads (AWS's messages, as
    dynalite's tests against AWS record them)."""
    if start is None:
        return
    partition = target.schema.partition
    same_partition = values.equal(start[partition], condition.partition)
    if condition.sort is None:
        if not same_partition:
            raise validation(
                "The provided starting key is outside query boundaries based on provided conditions"
            )
        return
    # The sort condition alone: the start key moved into the queried partition.
    low, high = query_range(target, condition)
    moved = target.record_key({**start, partition: condition.partition})
    if moved < low or (high is not None and moved >= high):
        raise validation("The provided starting key does not match the range key predicate")
    if not same_partition:
        raise validation("The query can return at most one row and cannot be restarted")


@dataclass(frozen=True, slots=True)
class Selection:
    select: str
    projection: Projection | None
    fetch_table_item: bool
    """An LSI read that needs attributes the index does not keep reads them from the table."""


def selection(
    target: Target,
    params: dict[str, Any],
    projection: Projection | None,
    *,
    query: bool,
    filtered: frozenset[str] = frozenset(),
) -> Selection:
    """Select checked against the projection and the index, with AWS's messages (Query's are
    prefixed as its validator prefixes them, Scan's are not). `filtered`: the attributes the
    filter reads (an LSI read fetches the table's item for those the index lacks)."""
    value = enum(params, "Select", SELECT, "")
    prefix = "1 validation error detected: " if query else ""
    index = target.index
    if value == "":
        value = (
            "SPECIFIC_ATTRIBUTES"
            if projection is not None
            else ("ALL_ATTRIBUTES" if index is None else "ALL_PROJECTED_ATTRIBUTES")
        )
    if value != "SPECIFIC_ATTRIBUTES" and projection is not None:
        member = "ProjectionExpression" if "ProjectionExpression" in params else "AttributesToGet"
        what = "only the Count" if value == "COUNT" else value
        raise validation(f"{prefix}Cannot specify the {member} when choosing to get {what}")
    if value == "SPECIFIC_ATTRIBUTES" and projection is None:
        raise validation(
            f"{prefix}Must specify the AttributesToGet or ProjectionExpression when choosing to "
            "get SPECIFIC_ATTRIBUTES"
        )
    if value == "ALL_PROJECTED_ATTRIBUTES" and index is None:
        raise validation(
            f"{prefix}ALL_PROJECTED_ATTRIBUTES can be used only when Querying using an IndexName"
        )
    if index is None:
        return Selection(value, projection, False)
    kept = projected_names(target.table, index)
    if value == "ALL_ATTRIBUTES" and kept is not None and index.kind == "GSI":
        raise validation(
            "One or more parameter values were invalid: Select type ALL_ATTRIBUTES is not "
            f"supported for global secondary index {index.name} because its projection type "
            "is not ALL"
        )
    fetch = (
        index.kind == "LSI" and kept is not None and _needs_more(value, projection, filtered, kept)
    )
    return Selection(value, projection, fetch)


def _needs_more(
    select: str, projection: Projection | None, filtered: frozenset[str], kept: frozenset[str]
) -> bool:
    if select == "ALL_ATTRIBUTES" or not filtered <= kept:
        return True
    if projection is None:
        return False
    return any(str(path[0]) not in kept for path in projection.paths)
