"""Request parameters the item and read operations share, checked as AWS checks them: enums,
expression substitutions, conditions (ConditionExpression or legacy Expected), projections
(ProjectionExpression or legacy AttributesToGet) and ReturnValues."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from ownstack.core.constraints import member_name

from . import values
from .batch_limits import (
    MAX_ACTIONS,
    MAX_GET_KEYS,
    MAX_GETS,
    MAX_WRITES,
    java_objects,
    java_text,
)
from .errors import validation
from .expr import legacy, parser, project
from .expr.ast import Condition, Projection
from .table_constraints import NAME_PATTERN, Violations, valid_name

RETURN_VALUES = ("ALL_NEW", "UPDATED_OLD", "ALL_OLD", "NONE", "UPDATED_NEW")
CONSUMED_CAPACITY = ("INDEXES", "TOTAL", "NONE")
COLLECTION_METRICS = ("SIZE", "NONE")
ON_CONDITION_FAILURE = ("ALL_OLD", "NONE")
SELECT = ("SPECIFIC_ATTRIBUTES", "COUNT", "ALL_ATTRIBUTES", "ALL_PROJECTED_ATTRIBUTES")
CONDITIONAL_OPERATORS = ("OR", "AND")
"""In the order AWS's enum message lists them (as RETURN_VALUES and the others above)."""

EXPRESSIONS = {
    "PutItem": ("ConditionExpression",),
    "DeleteItem": ("ConditionExpression",),
    "UpdateItem": ("UpdateExpression", "ConditionExpression"),
    "GetItem": ("ProjectionExpression",),
    "Query": ("ProjectionExpression", "FilterExpression", "KeyConditionExpression"),
    "Scan": ("ProjectionExpression", "FilterExpression"),
    "BatchGetItem": ("ProjectionExpression",),
    "TransactGetItems": ("ProjectionExpression",),
    "Put": ("ConditionExpression",),
    "Delete": ("ConditionExpression",),
    "ConditionCheck": ("ConditionExpression",),
    "Update": ("UpdateExpression", "ConditionExpression"),
}
"""Each operation's expression parameters, in the order AWS's messages list them (and each
TransactWriteItems action's, by its kind)."""


MAX_SEGMENTS = 1_000_000
"""Scan's TotalSegments bound (the model's ScanTotalSegments)."""

_Rule = Callable[[Violations, Any], None]


def _enum(member: str, allowed: tuple[str, ...]) -> _Rule:
    return lambda v, value: v.enum(value, member_name(member), allowed)


def _range(member: str, low: int, high: int | None = None) -> _Rule:
    def rule(v: Violations, value: Any) -> None:
        v.at_least(value, member_name(member), low)
        if high is not None:
            v.at_most(value, member_name(member), high)

    return rule


def _conditions(parameter: str) -> _Rule:
    """QueryFilter, ScanFilter, KeyConditions: each condition's ComparisonOperator is one of
    AWS's (a missing one the wire finds: it is required)."""

    def rule(v: Violations, conditions: Any) -> None:
        if not isinstance(conditions, dict):
            return
        for name, condition in conditions.items():
            if isinstance(condition, dict):
                where = f"{member_name(parameter)}.{name}.member.comparisonOperator"
                operator = condition.get("ComparisonOperator")
                if v.not_null(operator, where):  # in the map's order, with the others
                    v.enum(operator, where, legacy.COMPARISON_OPERATORS)

    return rule


def _attributes_to_get(v: Violations, names: Any) -> None:
    if isinstance(names, list):
        v.length(names, "attributesToGet", 1, 255)


_RULES: dict[str, _Rule] = {
    "TableName": lambda v, name: v.table_name(name),
    "IndexName": lambda v, name: v.name(name, "indexName"),
    "ReturnConsumedCapacity": _enum("ReturnConsumedCapacity", CONSUMED_CAPACITY),
    "ReturnValues": _enum("ReturnValues", RETURN_VALUES),
    "ReturnItemCollectionMetrics": _enum("ReturnItemCollectionMetrics", COLLECTION_METRICS),
    "ReturnValuesOnConditionCheckFailure": _enum(
        "ReturnValuesOnConditionCheckFailure", ON_CONDITION_FAILURE
    ),
    "ConditionalOperator": _enum("ConditionalOperator", CONDITIONAL_OPERATORS),
    "Select": _enum("Select", SELECT),
    "AttributesToGet": _attributes_to_get,
    "Limit": _range("Limit", 1),
    "Segment": _range("Segment", 0, MAX_SEGMENTS - 1),
    "TotalSegments": _range("TotalSegments", 1, MAX_SEGMENTS),
    "QueryFilter": _conditions("QueryFilter"),
    "ScanFilter": _conditions("ScanFilter"),
    "KeyConditions": _conditions("KeyConditions"),
}
MAP_KEYS = (
    "Map keys must satisfy constraint: [Member must have length less than or equal to 255,"
    " Member must have length greater than or equal to 3, Member must satisfy regular"
    f" expression pattern: {NAME_PATTERN}]"
)
"""RequestItems' keys are table names: one violation for the map, whichever name breaks
which bound (as DynamoDB words it)."""
MAP_VALUES = (
    f"Map value must satisfy constraint: [Member must have length less than or equal to"
    f" {MAX_WRITES}, Member must have length greater than or equal to 1]"
)


def _request_items(v: Violations, items: Any, shown: Any) -> bool:
    """The map-keys violation of a RequestItems (table names), if any; False if it is no map."""
    if not isinstance(items, dict):
        return False
    if not all(valid_name(name) for name in items):
        v.add(java_text(shown), "requestItems", MAP_KEYS)
    return True


def _batch_gets(v: Violations, items: Any) -> None:
    if not _request_items(v, items, items):
        return
    for name, request in items.items():
        keys = request.get("Keys") if isinstance(request, dict) else None
        if isinstance(keys, list):
            v.length(keys, f"requestItems.{name}.member.keys", 1, MAX_GET_KEYS)


def _batch_writes(v: Violations, items: Any) -> None:
    shown = items
    if isinstance(items, dict):
        shown = {k: java_objects("WriteRequest", w) for k, w in items.items()}
    if not _request_items(v, items, shown):
        return
    if any(not 1 <= len(writes) <= MAX_WRITES for writes in items.values()):
        v.add(java_text(shown), "requestItems", MAP_VALUES)


def _transact_items(shape: str, most: int) -> _Rule:
    """TransactItems: 1 to `most` actions (shown as AWS's Java objects of `shape`)."""

    def rule(v: Violations, items: Any) -> None:
        if isinstance(items, list):
            v.length(java_objects(shape, items), "transactItems", 1, most)

    return rule


_OPERATION_RULES: dict[tuple[str, str], _Rule] = {
    ("BatchGetItem", "RequestItems"): _batch_gets,
    ("BatchWriteItem", "RequestItems"): _batch_writes,
    ("TransactWriteItems", "TransactItems"): _transact_items("TransactWriteItem", MAX_ACTIONS),
    ("TransactGetItems", "TransactItems"): _transact_items("TransactGetItem", MAX_GETS),
}
_ORDER = {
    "PutItem": ("ReturnConsumedCapacity", "TableName", "Item", "ConditionalOperator",
                "ReturnValues", "ReturnItemCollectionMetrics",
                "ReturnValuesOnConditionCheckFailure"),
    "GetItem": ("ReturnConsumedCapacity", "AttributesToGet", "TableName", "Key"),
    "DeleteItem": ("ReturnConsumedCapacity", "TableName", "Key", "ReturnValues",
                   "ReturnItemCollectionMetrics", "ConditionalOperator",
                   "ReturnValuesOnConditionCheckFailure"),
    "UpdateItem": ("ReturnConsumedCapacity", "TableName", "Key", "ReturnItemCollectionMetrics",
                   "ReturnValues", "ConditionalOperator", "ReturnValuesOnConditionCheckFailure"),
    "Query": ("Select", "IndexName", "ReturnConsumedCapacity", "QueryFilter", "TableName",
              "ConditionalOperator", "AttributesToGet", "Limit", "KeyConditions"),
    "Scan": ("Select", "IndexName", "TotalSegments", "ReturnConsumedCapacity", "TableName",
             "ConditionalOperator", "ScanFilter", "Segment", "Limit", "AttributesToGet"),
    "BatchGetItem": ("ReturnConsumedCapacity", "RequestItems"),
    "BatchWriteItem": ("ReturnConsumedCapacity", "ReturnItemCollectionMetrics", "RequestItems"),
    "TransactWriteItems": ("ReturnConsumedCapacity", "ReturnItemCollectionMetrics",
                           "TransactItems"),
    "TransactGetItems": ("ReturnConsumedCapacity", "TransactItems"),
}  # fmt: skip
"""Each operation's constrained and required members in the order DynamoDB's validator lists
their violations: its own order, not the model's (recorded by dynalite's suite against
DynamoDB: a missing Item or Key right after the table name; ReturnValuesOnConditionCheckFailure,
newer than those recordings, last). A missing member not listed here is named last."""


def check_constraints(operation: str, params: Mapping[str, Any]) -> None:
    """Every model constraint (enum, range, length, pattern) an item or read request breaks,
    in one ValidationException, before anything else of it is judged, as AWS does: "2
    validation errors detected: Value 'x' at 'returnConsumedCapacity' ...; Value 'ab' at
    'tableName' ..."."""
    v = Violations()
    for member, rule in _CHECKS[operation]:  # every request runs this: no more than needed
        value = params.get(member)
        if value is not None:
            rule(v, value)
    v.raise_any()


def violations(operation: str, params: Mapping[str, Any], missing: list[str]) -> list[str]:
    """The request's constraint violations, with its `missing` required members (their paths,
    as the wire names them) each in its member's place (once: a rule may name them first)."""
    v = Violations()
    pending: dict[str, list[str]] = {}
    for path in missing:
        pending.setdefault(path.split(".", 1)[0], []).append(path)
    for member in _ORDER[operation]:
        value = params.get(member)
        rule = _rule(operation, member)
        if value is not None and rule is not None:
            rule(v, value)
        for path in pending.pop(member_name(member), []):  # it, or members inside it
            v.not_null_once(path)
    for paths in pending.values():
        for path in paths:
            v.not_null_once(path)
    return v.found


def _rule(operation: str, member: str) -> _Rule | None:
    return _OPERATION_RULES.get((operation, member)) or _RULES.get(member)


_CHECKS = {
    operation: tuple(
        (member, rule) for member in members if (rule := _rule(operation, member)) is not None
    )
    for operation, members in _ORDER.items()
}
"""Each operation's members that have rules, with their rules, in _ORDER's order."""


def lists_violations(operation: str) -> bool:
    return operation in _ORDER


def enum(params: Mapping[str, Any], member: str, allowed: Sequence[str], default: str) -> str:
    """A string enum member (the model's constraint, worded as AWS's validator words it)."""
    value = params.get(member)
    if value is None:
        return default
    if value not in allowed:
        raise validation(
            f"1 validation error detected: Value '{value}' at '{member_name(member)}' failed to "
            f"satisfy constraint: Member must satisfy enum value set: [{', '.join(allowed)}]"
        )
    return str(value)


def minimum(params: Mapping[str, Any], member: str, low: int, high: int | None = None) -> None:
    """An integer member's range constraint."""
    value = params.get(member)
    if value is None:
        return
    if value < low:
        bound = f"greater than or equal to {low}"
    elif high is not None and value > high:
        bound = f"less than or equal to {high}"
    else:
        return
    raise validation(
        f"1 validation error detected: Value '{value}' at '{member_name(member)}' failed to "
        f"satisfy constraint: Member must have value {bound}"
    )


def substitutions(params: Mapping[str, Any], operation: str) -> parser.Substitutions:
    """ExpressionAttributeNames/Values (values checked as items are), refused where AWS refuses
    them (check_expression_members)."""
    check_expression_members(params, operation)
    given = params.get("ExpressionAttributeValues")
    # The maps' keys (placeholders) are judged before the values they stand for (AWS).
    parser.check_keys(params.get("ExpressionAttributeNames"), given)
    checked = None
    if given is not None:
        checked = {name: values.check_value(value, parameter=name) for name, value in given.items()}
    return parser.Substitutions(params.get("ExpressionAttributeNames"), checked)


def check_expression_members(params: Mapping[str, Any], operation: str) -> None:
    """ExpressionAttributeNames without any expression, or ExpressionAttributeValues without an
    expression that takes values, refused in AWS's words (Query and Scan judge this before the
    legacy members, their values only with the expressions)."""
    expressions = EXPRESSIONS[operation]
    if params.get("ExpressionAttributeNames") is not None and not any(
        params.get(member) is not None for member in expressions
    ):
        raise validation("ExpressionAttributeNames can only be specified when using expressions")
    given = params.get("ExpressionAttributeValues")
    valued = [member for member in expressions if member != "ProjectionExpression"]
    if given is not None and valued and all(params.get(m) is None for m in valued):
        verb = "are" if len(valued) > 1 else "is"
        raise validation(
            "ExpressionAttributeValues can only be specified when using expressions: "
            f"{' and '.join(valued)} {verb} null"
        )


def condition(params: Mapping[str, Any], subs: parser.Substitutions) -> Condition | None:
    """ConditionExpression, or legacy Expected with ConditionalOperator."""
    text = params.get("ConditionExpression")
    if text is not None:
        return parser.parse_condition(text, subs, parameter="ConditionExpression")
    expected = params.get("Expected")
    if expected is None:
        legacy.check_conditional_operator(params.get("ConditionalOperator"), 0)
        return None
    return legacy.expected_condition(expected, params.get("ConditionalOperator"))


def projection(params: Mapping[str, Any], subs: parser.Substitutions) -> Projection | None:
    """ProjectionExpression, or legacy AttributesToGet."""
    return expression_projection(params, subs) or legacy_projection(params)


def expression_projection(
    params: Mapping[str, Any], subs: parser.Substitutions
) -> Projection | None:
    text = params.get("ProjectionExpression")
    if text is None:
        return None
    parsed = parser.parse_projection(text, subs)
    project.check_projection(parsed)
    return parsed


def legacy_projection(params: Mapping[str, Any]) -> Projection | None:
    """AttributesToGet (None with a ProjectionExpression: check_not_mixed refused both)."""
    names = params.get("AttributesToGet")
    if names is None or params.get("ProjectionExpression") is not None:
        return None
    parsed = legacy.attributes_to_get(list(names))
    project.check_projection(parsed)
    return parsed


def return_values(params: Mapping[str, Any], *, update: bool) -> str:
    """ReturnValues: PutItem and DeleteItem take only ALL_OLD or NONE."""
    value = enum(params, "ReturnValues", RETURN_VALUES, "NONE")
    if not update and value not in ("ALL_OLD", "NONE"):
        raise validation("ReturnValues can only be ALL_OLD or NONE")
    return value


def on_condition_failure(params: Mapping[str, Any]) -> bool:
    """True when ReturnValuesOnConditionCheckFailure asks for the old item."""
    return (
        enum(params, "ReturnValuesOnConditionCheckFailure", ON_CONDITION_FAILURE, "NONE")
        == "ALL_OLD"
    )
