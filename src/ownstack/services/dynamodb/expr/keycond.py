"""Query's key condition (KeyConditionExpression or legacy KeyConditions) checked against the
table's or index's key schema and reduced to what a range scan needs.

The checks and their order follow what DynamoDB answers (recorded by dynalite's and ScyllaDB
Alternator's query tests): first what the expression itself may not contain (OR, NOT, IN,
<>, functions but begins_with, nested paths, two attributes in one condition, two conditions
on one key), then the schema: "Query key condition not supported" for a second condition on
a table without a sort key or a partition condition other than equality, "Query condition
missed key schema element: pk" when the partition key (or, with two conditions, the sort
key) is not named, and values of another type than the key's.
https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/Query.KeyConditionExpressions.html
"""

from __future__ import annotations

from dataclasses import dataclass

from ..errors import validation
from .ast import (
    And,
    AttributeValue,
    Between,
    Compare,
    Condition,
    Function,
    In,
    Literal,
    Not,
    Operand,
    Or,
    PathRef,
    Size,
)
from .evaluate import check_condition, type_of


@dataclass(frozen=True, slots=True)
class SortCondition:
    op: str
    """"=", "<", "<=", ">", ">=", "BETWEEN", "begins_with"."""
    values: tuple[AttributeValue, ...]
    """One value; two for BETWEEN (low, high)."""


@dataclass(frozen=True, slots=True)
class KeyCondition:
    partition: AttributeValue
    sort: SortCondition | None


@dataclass(frozen=True, slots=True)
class KeyPart:
    """One condition of the expression: an attribute, an operator, the values."""

    op: str
    """As the expression writes it ("=", "<", "BETWEEN", "begins_with"...), or NOT_INDEXABLE."""
    values: tuple[AttributeValue, ...]


NOT_INDEXABLE = "NOT_INDEXABLE"
"""A legacy KeyConditions operator no key condition can use (NULL, NE, CONTAINS, IN...): AWS
says so only once the table's key is known, when it meets that key."""


_MIRRORED = {"=": "=", "<": ">", "<=": ">=", ">": "<", ">=": "<="}
"""`:v < k` is `k > :v`: the operator seen from the key's side."""

_REFUSED_FUNCTIONS = ("attribute_exists", "attribute_not_exists", "attribute_type", "contains")

_TYPE_MISMATCH = (
    "One or more parameter values were invalid: Condition parameter type does not match schema type"
)


KeyParts = dict[str, KeyPart]
"""A key condition's conditions by attribute name, before the schema is known."""


def key_parts(condition: Condition) -> KeyParts:
    """`condition` checked for what a key condition may not contain, which needs no schema:
    AWS refuses these before it looks the table up."""
    check_condition(condition, parameter="KeyConditionExpression")
    parts: KeyParts = {}
    _collect(condition, parts)
    if len(parts) > 2:
        raise validation("Conditions can be of length 1 or 2 only")
    return parts


def key_condition(
    parts: KeyParts, partition_key: str, sort_key: str | None, key_types: dict[str, str]
) -> KeyCondition:
    """`parts` (key_parts) as a KeyCondition on this schema; ValidationException in AWS's
    words ("Query condition missed key schema element: id", "Query key condition not
    supported", "One or more parameter values were invalid: Condition parameter type does not
    match schema type", begins_with on N, BETWEEN with low > high, ...)."""
    if sort_key is None and len(parts) > 1:
        raise validation("Query key condition not supported")
    partition = _schema_part(parts, partition_key, key_types, required=True)
    assert partition is not None  # required=True raised otherwise
    if partition.op != "=":
        raise validation("Query key condition not supported")
    sort = None
    if sort_key is not None:
        sort = _schema_part(parts, sort_key, key_types, required=len(parts) > 1)
    _check_not_empty(partition_key, partition.values)
    if sort is not None and sort_key is not None:
        _check_not_empty(sort_key, sort.values)
    return KeyCondition(
        partition=partition.values[0],
        sort=None if sort is None else SortCondition(sort.op, sort.values),
    )


def _schema_part(
    parts: dict[str, KeyPart], name: str, key_types: dict[str, str], *, required: bool
) -> KeyPart | None:
    part = parts.get(name)
    if part is None:
        if required:
            raise validation(f"Query condition missed key schema element: {name}")
        return None
    if part.op == NOT_INDEXABLE:
        raise validation("Attempted conditional constraint is not an indexable operation")
    if any(type_of(value) != key_types.get(name) for value in part.values):
        raise validation(_TYPE_MISMATCH)
    return part


def _check_not_empty(name: str, values: tuple[AttributeValue, ...]) -> None:
    """A key value is never empty, so a condition on an empty one is refused as a key is."""
    for value in values:
        kind = type_of(value)
        if kind in ("S", "B") and len(value[kind]) == 0:
            what = "string" if kind == "S" else "binary"
            raise validation(
                "One or more parameter values are not valid. The AttributeValue for a key"
                f" attribute cannot contain an empty {what} value. Key: {name}"
            )


# -- the expression's shape -------------------------------------------------------------------


def _collect(condition: Condition, parts: dict[str, KeyPart]) -> None:
    """Every condition ANDed together, by attribute name, refusing what a key condition may
    not contain (in the order a left-to-right walk meets it)."""
    if isinstance(condition, And):
        _collect(condition.left, parts)
        _collect(condition.right, parts)
        return
    _refuse_operator(condition)
    if isinstance(condition, Compare):
        name, index = _key_operand((condition.left, condition.right))
        op = condition.op if index == 0 else _MIRRORED[condition.op]
        operands: tuple[Operand, ...] = (condition.right if index == 0 else condition.left,)
    elif isinstance(condition, Between):
        _require_key_first("BETWEEN", condition.operand)
        name, _ = _key_operand((condition.operand, condition.low, condition.high))
        op, operands = "BETWEEN", (condition.low, condition.high)
    else:
        assert isinstance(condition, Function)  # the rest was refused above
        _require_key_first(condition.name, condition.args[0])
        name, _ = _key_operand(condition.args)
        op, operands = condition.name, condition.args[1:]
    if name in parts:
        raise validation("KeyConditionExpressions must only contain one condition per key")
    parts[name] = KeyPart(op, tuple(_literal(operand) for operand in operands))


def _refuse_operator(condition: Condition) -> None:
    refused: str | None = None
    if isinstance(condition, Or):
        refused = "OR"
    elif isinstance(condition, Not):
        refused = "NOT"
    elif isinstance(condition, In):
        refused = "IN"
    elif isinstance(condition, Compare) and condition.op == "<>":
        refused = "<>"
    elif isinstance(condition, Function) and condition.name != "begins_with":
        refused = condition.name
    if refused is not None:
        raise validation(f"Invalid operator used in KeyConditionExpression: {refused}")


def _require_key_first(operator: str, operand: Operand) -> None:
    if not isinstance(operand, PathRef):
        raise validation(
            f"Invalid condition in KeyConditionExpression: {operator} operator must have the"
            " key attribute as its first operand"
        )


def _key_operand(operands: tuple[Operand, ...]) -> tuple[str, int]:
    """The one attribute the condition names, and its position among the operands."""
    found: tuple[str, int] | None = None
    for index, operand in enumerate(operands):
        if isinstance(operand, Size):
            raise validation("KeyConditionExpressions cannot contain nested operations")
        if not isinstance(operand, PathRef):
            continue
        if found is not None:
            raise validation(
                "Invalid condition in KeyConditionExpression: Multiple attribute names used in"
                " one condition"
            )
        if len(operand.path) > 1 or not isinstance(operand.path[0], str):
            raise validation("KeyConditionExpressions cannot have conditions on nested attributes")
        found = (operand.path[0], index)
    if found is None:
        raise validation("Invalid condition in KeyConditionExpression: No key attribute specified")
    return found


def _literal(operand: Operand) -> AttributeValue:
    if not isinstance(operand, Literal):  # paths and size() were refused by _key_operand
        raise validation("KeyConditionExpressions cannot contain nested operations")
    return operand.value
