"""Request parameters the item and read operations share, checked as AWS checks them: enums,
expression substitutions, conditions (ConditionExpression or legacy Expected), projections
(ProjectionExpression or legacy AttributesToGet) and ReturnValues."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from ownstack.core.constraints import member_name

from . import values
from .errors import validation
from .expr import legacy, parser, project
from .expr.ast import Condition, Projection

RETURN_VALUES = ("ALL_NEW", "UPDATED_OLD", "ALL_OLD", "NONE", "UPDATED_NEW")
CONSUMED_CAPACITY = ("INDEXES", "TOTAL", "NONE")
COLLECTION_METRICS = ("SIZE", "NONE")
ON_CONDITION_FAILURE = ("ALL_OLD", "NONE")
SELECT = ("SPECIFIC_ATTRIBUTES", "COUNT", "ALL_ATTRIBUTES", "ALL_PROJECTED_ATTRIBUTES")

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
    them: names without any expression, values without an expression that takes values."""
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
    checked = None
    if given is not None:
        checked = {name: values.check_value(value, parameter=name) for name, value in given.items()}
    return parser.Substitutions(params.get("ExpressionAttributeNames"), checked)


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
    text = params.get("ProjectionExpression")
    if text is not None:
        parsed = parser.parse_projection(text, subs)
    elif params.get("AttributesToGet") is not None:
        parsed = legacy.attributes_to_get(list(params["AttributesToGet"]))
    else:
        return None
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
