"""BatchGetItem's and BatchWriteItem's RequestItems checked as AWS checks them: first the
request's shape and values (before any table is looked up), then, with the tables, each key
against its table's schema and the keys against each other.
https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_BatchGetItem.html
https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_BatchWriteItem.html
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from . import values
from .batch_items import item_key_of, key_of, projection_of
from .batch_limits import MAX_GET_KEYS, MAX_WRITES, check_length
from .errors import validation
from .expr.ast import Item, Projection
from .records import TableRecord
from .sizes import check_item_size


def duplicates() -> Exception:
    return validation("Provided list of item keys contains duplicates")


@dataclass(frozen=True, slots=True)
class TableGets:
    """One table's KeysAndAttributes."""

    name: str
    """As the request names it (a name or an ARN); responses are keyed by it."""
    request: Mapping[str, Any]
    projection: Projection | None
    consistent: bool


def parse_gets(params: Mapping[str, Any]) -> list[TableGets]:
    """The tables' requests (their table names and key counts already judged with the other
    constraints: item_request.check_constraints)."""
    request_items: Mapping[str, Any] = params["RequestItems"]
    check_length(request_items, "requestItems", low=1, high=len(request_items))
    total = 0
    parsed = []
    for name, request in request_items.items():
        keys = request["Keys"]
        canonical = _key_values(keys)
        projection = projection_of(request, "BatchGetItem")
        if len(set(canonical)) != len(canonical):  # after the projection, as AWS judges
            raise duplicates()
        total += len(keys)
        if total > MAX_GET_KEYS:
            raise validation("Too many items requested for the BatchGetItem call")
        consistent = bool(request.get("ConsistentRead", False))
        parsed.append(TableGets(name, request, projection, consistent))
    return parsed


def _key_values(keys: list[Any]) -> list[str]:
    """A table's keys checked as values before any table is looked up (as AWS judges them),
    each in a form that is the same for the same key in whatever attribute order."""
    return [
        json.dumps(values.check_item(raw, parameter="Key"), sort_keys=True, default=bytes.hex)
        for raw in keys
    ]


def get_keys(table: TableRecord, gets: TableGets) -> list[tuple[Item, str]]:
    """The table's keys checked against its schema, with their meta keys."""
    located = [key_of(table, raw) for raw in gets.request["Keys"]]
    if len({meta_key for _, meta_key in located}) != len(located):
        raise duplicates()
    return located


@dataclass(frozen=True, slots=True)
class Write:
    """One WriteRequest: a put of `item` or a delete of `key`."""

    name: str
    request: Mapping[str, Any]
    item: Item | None
    key: Item | None


def parse_writes(params: Mapping[str, Any]) -> list[Write]:
    """The write requests (table names and requests per table already judged with the other
    constraints: item_request.check_constraints)."""
    request_items: Mapping[str, Any] = params["RequestItems"]
    check_length(request_items, "requestItems", low=1, high=len(request_items))
    if sum(len(requests) for requests in request_items.values()) > MAX_WRITES:
        raise validation("Too many items requested for the BatchWriteItem call")
    return [
        _write(name, request) for name, requests in request_items.items() for request in requests
    ]


def _write(name: str, request: Mapping[str, Any]) -> Write:
    put, delete = request.get("PutRequest"), request.get("DeleteRequest")
    if (put is None) == (delete is None):
        # What AWS answers for a WriteRequest with neither or both members.
        raise validation(
            "Supplied AttributeValue has more than one datatypes set, must contain exactly"
            " one of the supported datatypes"
        )
    if put is not None:
        item = values.check_item(put.get("Item"), parameter="Item")
        check_item_size(item)
        return Write(name, request, item, None)
    assert delete is not None
    return Write(name, request, None, values.check_item(delete.get("Key"), parameter="Key"))


def write_key(table: TableRecord, write: Write) -> tuple[Item, str]:
    """The written item's key and meta key, checked against the table's schema."""
    if write.item is not None:
        return item_key_of(table, write.item, parameter="PutRequest")
    return key_of(table, write.key)
