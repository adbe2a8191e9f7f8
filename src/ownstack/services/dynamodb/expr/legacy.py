"""The legacy request parameters that older SDKs and mappers still send, as the same AST.

https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/LegacyConditionalParameters.html

Each legacy comparison becomes the expression AWS's own DAX client rewrites it to (EQ is `=`,
NE is `<>`, which is true on a missing attribute, NOT_CONTAINS is `attribute_exists(a) AND
NOT contains(a, v)`, false on a missing attribute as AWS answers it). The validation and its
wording are DynamoDB's (DynamoDB Local's validator and dynalite's recorded answers).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from ownstack.core.constraints import member_name

from ..errors import INVALID, validation
from ..sizes import check_name
from ..values import check_value
from .ast import (
    Add,
    And,
    AttributeValue,
    Between,
    Compare,
    Condition,
    Delete,
    Function,
    In,
    Literal,
    Not,
    Or,
    PathRef,
    Projection,
    Remove,
    Set,
    Update,
)
from .evaluate import compare_values, type_of
from .keycond import NOT_INDEXABLE, KeyPart, KeyParts

COMPARISON_OPERATORS = (
    "IN",
    "NULL",
    "BETWEEN",
    "LT",
    "NOT_CONTAINS",
    "EQ",
    "GT",
    "NOT_NULL",
    "NE",
    "LE",
    "BEGINS_WITH",
    "GE",
    "CONTAINS",
)
"""In the order AWS's enum message lists them."""

_ARGUMENTS = {
    "EQ": 1,
    "NE": 1,
    "LE": 1,
    "LT": 1,
    "GE": 1,
    "GT": 1,
    "CONTAINS": 1,
    "NOT_CONTAINS": 1,
    "BEGINS_WITH": 1,
    "NULL": 0,
    "NOT_NULL": 0,
    "BETWEEN": 2,
}
"""How many values each operator takes (IN: one or more)."""

_SCALARS = frozenset({"S", "N", "B"})
_VALUE_TYPES: dict[str, frozenset[str]] = {
    "LE": _SCALARS,
    "LT": _SCALARS,
    "GE": _SCALARS,
    "GT": _SCALARS,
    "IN": _SCALARS,
    "BETWEEN": _SCALARS,
    "BEGINS_WITH": frozenset({"S", "B"}),
    "CONTAINS": _SCALARS | {"BOOL", "NULL"},
    "NOT_CONTAINS": _SCALARS | {"BOOL", "NULL"},
}
"""The value types an operator takes (EQ and NE take any)."""

_ORDERING = {"EQ": "=", "NE": "<>", "LE": "<=", "LT": "<", "GE": ">=", "GT": ">"}
_KEY_OPERATORS = {
    **{legacy: op for legacy, op in _ORDERING.items() if legacy != "NE"},
    "BETWEEN": "BETWEEN",
    "BEGINS_WITH": "begins_with",
}
"""The legacy operators a key condition can use, as the expression writes them."""

_EXPRESSION_PARAMETERS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "GetItem": (("ProjectionExpression",), ("AttributesToGet",)),
    "BatchGetItem": (("ProjectionExpression",), ("AttributesToGet",)),
    "PutItem": (("ConditionExpression",), ("Expected", "ConditionalOperator")),
    "DeleteItem": (("ConditionExpression",), ("Expected", "ConditionalOperator")),
    "UpdateItem": (
        ("UpdateExpression", "ConditionExpression"),
        ("AttributeUpdates", "Expected", "ConditionalOperator"),
    ),
    "Query": (
        ("ProjectionExpression", "FilterExpression", "KeyConditionExpression"),
        ("AttributesToGet", "QueryFilter", "ConditionalOperator", "KeyConditions"),
    ),
    "Scan": (
        ("ProjectionExpression", "FilterExpression"),
        ("AttributesToGet", "ScanFilter", "ConditionalOperator"),
    ),
}
"""Per operation: its expression parameters and the legacy parameters they replace."""


def check_not_mixed(params: Mapping[str, Any], operation: str) -> None:
    """ValidationException when a request mixes legacy and expression parameters: "Can not use
    both expression and non-expression parameters in the same request: Non-expression
    parameters: {AttributesToGet} Expression parameters: {ProjectionExpression}". Query's
    KeyConditions may go with a FilterExpression or ProjectionExpression, only not with a
    KeyConditionExpression."""
    expressions, legacy = _EXPRESSION_PARAMETERS.get(operation, ((), ()))
    used = [name for name in expressions if params.get(name) is not None]
    if not used:
        return
    mixed = [name for name in legacy if params.get(name) is not None]
    if "KeyConditions" in mixed and params.get("KeyConditionExpression") is None:
        mixed.remove("KeyConditions")
    if mixed:
        raise validation(
            "Can not use both expression and non-expression parameters in the same request:"
            f" Non-expression parameters: {{{', '.join(mixed)}}}"
            f" Expression parameters: {{{', '.join(used)}}}"
        )


# -- conditions ---------------------------------------------------------------------------------


def expected_condition(expected: Mapping[str, Any], operator: str | None) -> Condition | None:
    """Expected (+ ConditionalOperator) as a condition (None: no conditions)."""
    check_conditional_operator(operator, len(expected))
    conditions = []
    for name, entry in expected.items():
        if entry is None:
            raise validation(
                f"{INVALID}ExpectedAttributeValue must not be null for Attribute: {name}"
            )
        conditions.append(_expected_entry(name, entry))
    return combine(conditions, operator)


def filter_condition(
    filters: Mapping[str, Any], operator: str | None, *, parameter: str = "QueryFilter"
) -> Condition | None:
    """QueryFilter / ScanFilter (+ ConditionalOperator) as a condition (None: no conditions).
    `parameter` names the map in the enum message of an unknown ComparisonOperator."""
    check_conditional_operator(operator, len(filters))
    conditions = []
    for name, entry in filters.items():
        if entry is None:
            raise validation("The filter condition for an attribute cannot be null")
        operator_name = _comparison_operator(entry, f"{member_name(parameter)}.{name}")
        values = _values(entry.get("AttributeValueList"), parameter)
        conditions.append(comparison(name, operator_name, values))
    return combine(conditions, operator)


def key_conditions(conditions: Mapping[str, Any]) -> KeyParts:
    """KeyConditions as key parts (keycond.key_condition then checks them against the
    schema), each validated as any legacy condition is. An operator no key condition can use
    (NULL, NE, CONTAINS, IN...) is refused by key_condition, once the key is known, as AWS
    refuses it."""
    parts: KeyParts = {}
    for name, entry in conditions.items():
        if entry is None:
            raise validation("The filter condition for an attribute cannot be null")
        operator_name = _comparison_operator(entry, f"keyConditions.{name}")
        values = _values(entry.get("AttributeValueList"), "KeyConditions")
        _check_values(operator_name, values)  # what every legacy condition is checked for
        parts[name] = KeyPart(_KEY_OPERATORS.get(operator_name, NOT_INDEXABLE), tuple(values))
    if len(parts) not in (1, 2):
        raise validation("Conditions can be of length 1 or 2 only")
    return parts


def check_conditional_operator(operator: str | None, count: int) -> None:
    """ConditionalOperator needs at least two conditions to join."""
    if operator is None:
        return
    if operator not in ("AND", "OR"):
        raise validation(
            f"1 validation error detected: Value '{operator}' at 'conditionalOperator' failed"
            " to satisfy constraint: Member must satisfy enum value set: [OR, AND]"
        )
    if count == 0:
        raise validation("ConditionalOperator cannot be used without Filter or Expected")
    if count == 1:
        raise validation(
            "ConditionalOperator can only be used when Filter or Expected has two or more elements"
        )


def combine(conditions: Sequence[Condition], operator: str | None) -> Condition | None:
    """The conditions joined by AND (the default) or OR, in order."""
    if not conditions:
        return None
    joined = conditions[0]
    for condition in conditions[1:]:
        joined = Or(joined, condition) if operator == "OR" else And(joined, condition)
    return joined


def comparison(name: str, operator: str, values: Sequence[AttributeValue]) -> Condition:
    """One legacy condition on the top-level attribute `name`, validated as AWS validates
    AttributeValueList: argument count, one type for all values, the types the operator
    takes, BETWEEN's bounds in order."""
    _check_values(operator, values)
    path = PathRef((name,))
    literals = tuple(Literal(value) for value in values)
    if operator in _ORDERING:
        return Compare(_ORDERING[operator], path, literals[0])
    if operator == "NULL":
        return Function("attribute_not_exists", (path,))
    if operator == "NOT_NULL":
        return Function("attribute_exists", (path,))
    if operator == "CONTAINS":
        return Function("contains", (path, literals[0]))
    if operator == "NOT_CONTAINS":
        # AWS: false when the attribute is missing (so NOT_CONTAINS is not NOT CONTAINS).
        exists = Function("attribute_exists", (path,))
        return And(exists, Not(Function("contains", (path, literals[0]))))
    if operator == "BEGINS_WITH":
        return Function("begins_with", (path, literals[0]))
    if operator == "IN":
        return In(path, literals)
    return Between(path, literals[0], literals[1])


def _check_values(operator: str, values: Sequence[AttributeValue]) -> None:
    wanted = _ARGUMENTS.get(operator)
    if (len(values) != wanted) if wanted is not None else not values:
        raise validation(
            f"{INVALID}Invalid number of argument(s) for the {operator} ComparisonOperator"
        )
    kinds = [type_of(value) for value in values]
    if any(kind != kinds[0] for kind in kinds):
        raise validation(f"{INVALID}AttributeValues inside AttributeValueList must be of same type")
    allowed = _VALUE_TYPES.get(operator)
    for kind in kinds:
        if allowed is not None and kind not in allowed:
            raise validation(
                f"{INVALID}ComparisonOperator {operator} is not valid for {kind} AttributeValue"
                " type"
            )
    if operator == "BETWEEN" and (compare_values(values[0], values[1]) or 0) > 0:
        raise validation(
            "The BETWEEN condition was provided a range where the lower bound is greater than"
            " the upper bound"
        )


def _expected_entry(name: str, entry: Mapping[str, Any]) -> Condition:
    """One Expected entry: Value/Exists, or ComparisonOperator with AttributeValueList (or a
    lone Value), checked in the order DynamoDB checks them."""
    exists, value = entry.get("Exists"), entry.get("Value")
    value_list, operator = entry.get("AttributeValueList"), entry.get("ComparisonOperator")
    for_attribute = f" for Attribute: {name}"
    if exists is not None and operator is not None:
        raise validation(
            f"{INVALID}Exists and ComparisonOperator cannot be used together{for_attribute}"
        )
    if value is not None and value_list is not None:
        raise validation(
            f"{INVALID}Value and AttributeValueList cannot be used together{for_attribute}"
        )
    if operator is None and value_list is not None:
        raise validation(
            f"{INVALID}AttributeValueList can only be used with a ComparisonOperator{for_attribute}"
        )
    if exists is False and value is not None:
        raise validation(f"{INVALID}Value cannot be used when Exists is false{for_attribute}")
    if value is None and value_list is None:
        if operator is not None and operator not in ("NULL", "NOT_NULL"):
            _comparison_operator(entry, f"expected.{name}")
            raise validation(
                f"{INVALID}Value or AttributeValueList must be used with ComparisonOperator:"
                f" {operator}{for_attribute}"
            )
        if operator is None and exists is not False:
            shown = "null" if exists is None else "true"
            raise validation(
                f"{INVALID}Value must be provided when Exists is {shown}{for_attribute}"
            )
    if operator is not None:
        operator_name = _comparison_operator(entry, f"expected.{name}")
        values = _values(value_list if value is None else [value], "Expected")
        return comparison(name, operator_name, values)
    if exists is False:
        return Function("attribute_not_exists", (PathRef((name,)),))
    return Compare("=", PathRef((name,)), Literal(check_value(value, parameter="Expected")))


def _comparison_operator(entry: Mapping[str, Any], where: str) -> str:
    operator = entry.get("ComparisonOperator")
    member = f"{where}.member.comparisonOperator"
    if operator is None:
        raise validation(
            f"1 validation error detected: Value null at '{member}' failed to satisfy"
            " constraint: Member must not be null"
        )
    if operator not in COMPARISON_OPERATORS:
        raise validation(
            f"1 validation error detected: Value '{operator}' at '{member}' failed to satisfy"
            f" constraint: Member must satisfy enum value set: [{', '.join(COMPARISON_OPERATORS)}]"
        )
    return str(operator)


def _values(values: Sequence[Any] | None, parameter: str) -> list[AttributeValue]:
    return [check_value(value, parameter=parameter) for value in values or ()]


# -- updates and projections ------------------------------------------------------------------

_ACTIONS = ("ADD", "PUT", "DELETE")
_ADDABLE = frozenset({"N", "SS", "NS", "BS", "L"})
_SETS = frozenset({"SS", "NS", "BS"})


def attribute_updates(updates: Mapping[str, Any]) -> Update:
    """AttributeUpdates (PUT/ADD/DELETE actions) as an Update: PUT sets, DELETE without a value
    removes the attribute, DELETE with a set removes its elements, ADD adds to a number or a
    set, and appends to a list (which UpdateExpression's ADD cannot)."""
    actions = tuple(_update_action(name, entry) for name, entry in updates.items())
    return Update(actions, legacy=True)


def _update_action(name: str, entry: Mapping[str, Any] | None) -> Set | Remove | Add | Delete:
    if entry is None:
        raise validation(
            "Supplied AttributeValueUpdate is empty, must contain one of the supported actions"
        )
    action = entry.get("Action") or "PUT"
    if action not in _ACTIONS:
        raise validation(
            f"1 validation error detected: Value '{action}' at"
            f" 'attributeUpdates.{name}.member.action' failed to satisfy constraint: Member must"
            f" satisfy enum value set: [{', '.join(_ACTIONS)}]"
        )
    raw = entry.get("Value")
    path = (name,)
    if raw is None:
        if action != "DELETE":
            raise validation(
                f"{INVALID}Only DELETE action is allowed when no attribute value is specified"
            )
        return Remove(path)
    value = check_value(raw, parameter="AttributeUpdates")
    kind = type_of(value)
    if action == "PUT":
        return Set(path, Literal(value))
    if action == "DELETE":
        if kind not in _SETS:
            raise validation(
                f"{INVALID}DELETE action with value is not supported for the type {kind}"
            )
        return Delete(path, Literal(value))
    if kind not in _ADDABLE:
        raise validation(f"{INVALID}ADD action is not supported for the type {kind}")
    return Add(path, Literal(value))


def attributes_to_get(names: list[str]) -> Projection:
    """AttributesToGet as a projection of top-level attributes (names are never parsed as
    document paths: "a.b" is the attribute named a.b)."""
    if not names:
        raise validation(
            "1 validation error detected: Value '[]' at 'attributesToGet' failed to satisfy"
            " constraint: Member must have length greater than or equal to 1"
        )
    seen: set[str] = set()
    for name in names:
        check_name(name)
        if name in seen:
            raise validation(f"{INVALID}Duplicate value in attribute name: {name}")
        seen.add(name)
    return Projection(tuple((name,) for name in names))
