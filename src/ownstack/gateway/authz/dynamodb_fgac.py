"""DynamoDB's fine-grained access control keys: dynamodb:LeadingKeys (the partition key values a
request touches) and dynamodb:Attributes (the top-level attribute names it reads or writes), as
the developer guide's "Using IAM policy conditions for fine-grained access control" defines
them, plus dynamodb:Select's documented default.

LeadingKeys needs the partition key's name, which the request does not carry: the context made
here is a ResourceBound the authorizer binds to the table's (or index's) facts, and both keys
are computed only when a policy reads them.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from ownstack.core.access import ResourceFacts

from ..authz_context import ResourceBound, Values
from .model import Params

LEADING_KEYS = "dynamodb:leadingkeys"
ATTRIBUTES = "dynamodb:attributes"
SELECT = "dynamodb:select"
UNKNOWN: Values = ("",)
"""A key the request touches but this module cannot read (a partition key value missing from
a Query's key condition): a value no policy names, so `ForAllValues:StringEquals` fails
closed rather than matching vacuously as an absent key would."""

_TOKEN = re.compile(
    r"\s*(?:(?P<name>#[A-Za-z0-9_]+|[A-Za-z][A-Za-z0-9_]*)|(?P<value>:[A-Za-z0-9_]+)"
    r"|(?P<symbol><>|<=|>=|\S))"
)
_UPDATE_CLAUSES = frozenset({"set", "remove", "add", "delete"})
_KEYWORDS = _UPDATE_CLAUSES | {"and", "or", "not", "between", "in"}


@dataclass(frozen=True, slots=True)
class Access:
    """What one request, or one part of a batch or transaction, touches on one table."""

    items: tuple[Mapping[str, Any], ...] = ()
    """Key or item attribute maps: each one's partition key value is a leading key."""
    key_condition: Params | None = None
    """A Query's parameters: its key condition names the leading key."""
    attributes: frozenset[str] = frozenset()
    """Top-level attribute names read or written (keys included)."""


def access_of(body: Params) -> Access:
    """The Access of a GetItem/PutItem/UpdateItem/DeleteItem/Query/Scan request, a transaction's
    Get/Put/Update/Delete/ConditionCheck, or BatchGetItem's KeysAndAttributes of one table."""
    names = body.get("ExpressionAttributeNames")
    aliases: Mapping[str, str] = names if isinstance(names, Mapping) else {}
    items = tuple(_maps(body.get("Key"), body.get("Item"), *_list(body.get("Keys"))))
    found: set[str] = {name for item in items for name in item}
    found.update(str(name) for name in _list(body.get("AttributesToGet")))
    attribute_updates = body.get("AttributeUpdates")
    if isinstance(attribute_updates, Mapping):
        found.update(attribute_updates)
    found.update(_projected(body.get("ProjectionExpression"), aliases))
    found.update(_update_targets(body.get("UpdateExpression"), aliases))
    query = body if ("KeyConditionExpression" in body or "KeyConditions" in body) else None
    if query is not None:
        found.update(_key_condition_names(query, aliases))
    return Access(items, query, frozenset(found))


def write_access(requests: Iterable[Any]) -> Access:
    """BatchWriteItem's requests of one table: each PutRequest's Item, DeleteRequest's Key."""
    items: list[Mapping[str, Any]] = []
    for request in requests:
        if not isinstance(request, Mapping):
            continue
        put, delete = request.get("PutRequest") or {}, request.get("DeleteRequest") or {}
        items.extend(_maps(put.get("Item"), delete.get("Key")))
    return Access(tuple(items), None, frozenset(name for item in items for name in item))


def default_select(body: Params, on_index: bool) -> str | None:
    """dynamodb:Select of a read: its Select, else what DynamoDB reads ("If neither Select nor
    ProjectionExpression are specified, DynamoDB defaults to ALL_ATTRIBUTES when accessing a
    table, and ALL_PROJECTED_ATTRIBUTES when accessing an index": Query's API reference). So a
    policy limiting dynamodb:Attributes with `StringEqualsIfExists dynamodb:Select
    SPECIFIC_ATTRIBUTES`, as AWS's examples do, refuses a read of every attribute."""
    select = body.get("Select")
    if isinstance(select, str) and select:
        return select
    if body.get("ProjectionExpression") or body.get("AttributesToGet"):
        return "SPECIFIC_ATTRIBUTES"
    return "ALL_PROJECTED_ATTRIBUTES" if on_index else "ALL_ATTRIBUTES"


class ItemContext(ResourceBound):
    """A requirement's condition keys: `base` (from the parameters) and, once bound to the
    table's facts, dynamodb:LeadingKeys and dynamodb:Attributes of `accesses` when the action
    lists them (`listed`). `opaque`: the request's keys cannot be read (a PartiQL statement),
    so both are UNKNOWN.

    `accesses` may be given as a function that makes them: they are then made when a policy
    first reads one of those keys (most requests are decided without: the account's root on
    its own table, policies without fine-grained conditions), during the authorisation that
    reads the request's parameters, before the handler runs."""

    __slots__ = ("_base", "_listed", "_made", "_make", "_opaque")

    def __init__(
        self,
        base: Mapping[str, Values],
        accesses: tuple[Access, ...] | Callable[[], tuple[Access, ...]],
        listed: frozenset[str],
        opaque: bool = False,
    ) -> None:
        self._base = base
        self._made: tuple[Access, ...] | None = None
        self._make: Callable[[], tuple[Access, ...]] | None = None
        if callable(accesses):
            self._make = accesses
        else:
            self._made = accesses
        self._listed = listed & {LEADING_KEYS, ATTRIBUTES}
        self._opaque = opaque

    @property
    def _accesses(self) -> tuple[Access, ...]:
        made = self._made
        if made is None:
            assert self._make is not None
            made = self._made = self._make()
            self._make = None
        return made

    def __getitem__(self, key: str) -> Values:
        return self._base[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._base)

    def __len__(self) -> int:
        return len(self._base)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, ItemContext):
            return super().__eq__(other)
        mine = (self._base, self._accesses, self._listed, self._opaque)
        return mine == (other._base, other._accesses, other._listed, other._opaque)

    __hash__ = None  # type: ignore[assignment]

    def bind(self, resource: ResourceFacts | None) -> Mapping[str, Values]:
        schema = resource.key_schema if resource is not None else ()
        return _Bound(self, schema[0] if schema else None)

    def computed(self, key: str, partition_key: str | None) -> Values | None:
        if key not in self._listed:
            return None
        if self._opaque:
            return UNKNOWN
        if key == ATTRIBUTES:
            names = set().union(*(access.attributes for access in self._accesses))
            return tuple(sorted(names)) or None  # a Scan without a projection names none
        if partition_key is None:
            # No such table (the handler would answer ResourceNotFoundException) or no schema
            # reported: closed, since an absent key satisfies ForAllValues.
            return UNKNOWN
        return _leading_keys(self._accesses, partition_key)


class _Bound(Mapping[str, Values]):
    __slots__ = ("_context", "_found", "_partition_key")

    def __init__(self, context: ItemContext, partition_key: str | None) -> None:
        self._context = context
        self._partition_key = partition_key
        self._found: dict[str, Values | None] = {}

    def __getitem__(self, key: str) -> Values:
        if key in self._context:
            return self._context[key]
        if key not in self._found:
            self._found[key] = self._context.computed(key, self._partition_key)
        value = self._found[key]
        if value is None:
            raise KeyError(key)
        return value

    def __iter__(self) -> Iterator[str]:
        return iter(self._context)

    def __len__(self) -> int:
        return len(self._context)


def _leading_keys(accesses: Iterable[Access], partition_key: str) -> Values:
    values: list[str] = []
    for access in accesses:
        for item in access.items:
            values.append(_text(item.get(partition_key)))
        if access.key_condition is not None:
            values.append(_queried(access.key_condition, partition_key))
    return tuple(dict.fromkeys(values))


def _queried(query: Params, partition_key: str) -> str:
    """The partition key value a Query's key condition tests for equality (`pk = :v`, either
    way round, or KeyConditions' EQ); UNKNOWN's value when it has none."""
    legacy = query.get("KeyConditions")
    if isinstance(legacy, Mapping):
        condition = legacy.get(partition_key)
        if isinstance(condition, Mapping) and condition.get("ComparisonOperator") == "EQ":
            return _text((condition.get("AttributeValueList") or [None])[0])
        return UNKNOWN[0]
    aliases = query.get("ExpressionAttributeNames") or {}
    values = query.get("ExpressionAttributeValues") or {}
    tokens = list(_tokens(query.get("KeyConditionExpression")))
    for at, (kind, text) in enumerate(tokens[:-2]):
        middle, (last_kind, last) = tokens[at + 1], tokens[at + 2]
        if middle != ("symbol", "="):
            continue
        if kind == "name" and last_kind == "value" and aliases.get(text, text) == partition_key:
            return _text(values.get(last))
        if kind == "value" and last_kind == "name" and aliases.get(last, last) == partition_key:
            return _text(values.get(text))
    return UNKNOWN[0]


def _text(value: Any) -> str:
    """An AttributeValue as a condition value: a key's S, N or B (B as base64)."""
    if not isinstance(value, Mapping) or len(value) != 1:
        return UNKNOWN[0]
    ((kind, raw),) = value.items()
    if isinstance(raw, bytes | bytearray):
        return base64.b64encode(raw).decode("ascii")
    return str(raw) if kind in ("S", "N", "B") else UNKNOWN[0]


def _tokens(expression: Any) -> Iterator[tuple[str, str]]:
    if not isinstance(expression, str):
        return
    for found in _TOKEN.finditer(expression):
        kind = found.lastgroup
        if kind is not None:
            yield kind, found.group(kind)


def _resolve(name: str, aliases: Mapping[str, str]) -> str:
    return str(aliases.get(name, name)) if name.startswith("#") else name


def _projected(expression: Any, aliases: Mapping[str, str]) -> set[str]:
    """A projection's top-level names: each comma-separated path's first name."""
    names: set[str] = set()
    expect_path = True
    for kind, text in _tokens(expression):
        if expect_path and kind == "name":
            names.add(_resolve(text, aliases))
        expect_path = (kind, text) == ("symbol", ",")
    return names


def _update_targets(expression: Any, aliases: Mapping[str, str]) -> set[str]:
    """The top-level names an update expression writes: each action's path, i.e. the first
    name of a clause (SET, REMOVE, ADD, DELETE) or after a comma outside parentheses."""
    names: set[str] = set()
    depth, expect_path = 0, False
    for kind, text in _tokens(expression):
        if kind == "name" and depth == 0 and text.lower() in _UPDATE_CLAUSES:
            expect_path = True
            continue
        if expect_path and kind == "name":
            names.add(_resolve(text, aliases))
        expect_path = depth == 0 and (kind, text) == ("symbol", ",")
        depth += {"(": 1, ")": -1}.get(text, 0) if kind == "symbol" else 0
    return names


def _key_condition_names(query: Params, aliases: Mapping[str, str]) -> set[str]:
    legacy = query.get("KeyConditions")
    if isinstance(legacy, Mapping):
        return {str(name) for name in legacy}
    tokens = list(_tokens(query.get("KeyConditionExpression")))
    return {
        _resolve(text, aliases)
        for at, (kind, text) in enumerate(tokens)
        if kind == "name"
        and text.lower() not in _KEYWORDS
        and tokens[at + 1 : at + 2] != [("symbol", "(")]  # begins_with(
    }


def _maps(*values: Any) -> Iterator[Mapping[str, Any]]:
    for value in values:
        if isinstance(value, Mapping):
            yield value


def _list(value: Any) -> list[Any]:
    return list(value) if isinstance(value, list | tuple) else []
