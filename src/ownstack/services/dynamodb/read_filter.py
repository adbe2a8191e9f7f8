"""FilterExpression / QueryFilter / ScanFilter: parsed, and kept off key attributes in a
Query, as AWS requires (a Query's key condition, not its filter, selects by key)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from .errors import validation
from .expr import legacy, parser
from .expr.ast import (
    And,
    Arithmetic,
    Between,
    Compare,
    Condition,
    Function,
    IfNotExists,
    In,
    ListAppend,
    Literal,
    Not,
    Operand,
    Or,
    PathRef,
    Size,
)


def expression_filter(params: dict[str, Any], subs: parser.Substitutions) -> Condition | None:
    text = params.get("FilterExpression")
    if text is None:
        return None
    return parser.parse_condition(text, subs, parameter="FilterExpression")


def legacy_read_filter(params: dict[str, Any], *, legacy_member: str) -> Condition | None:
    """The legacy `legacy_member` (QueryFilter or ScanFilter) with ConditionalOperator; None
    with a FilterExpression (the legacy members are then refused or absent)."""
    if params.get("FilterExpression") is not None:
        return None
    filters = params.get(legacy_member)
    operator = params.get("ConditionalOperator")
    if filters is None:
        legacy.check_conditional_operator(operator, 0)
        return None
    return legacy.filter_condition(filters, operator, parameter=legacy_member)


def check_no_key_attributes(
    condition: Condition | None, key_names: tuple[str, ...], *, legacy_member: str | None
) -> None:
    """A Query's filter may not name the key attributes of the table or index it reads."""
    if condition is None:
        return
    named = set(top_level_names(condition))
    for name in key_names:
        if name in named:
            what = "Filter Expression" if legacy_member is None else legacy_member
            raise validation(
                f"{what} can only contain non-primary key attributes: Primary key attribute: {name}"
            )


def top_level_names(condition: Condition) -> Iterator[str]:
    """The top-level attributes `condition` reads."""
    if isinstance(condition, And | Or):
        yield from top_level_names(condition.left)
        yield from top_level_names(condition.right)
    elif isinstance(condition, Not):
        yield from top_level_names(condition.operand)
    elif isinstance(condition, Compare):
        yield from _operand_names(condition.left)
        yield from _operand_names(condition.right)
    elif isinstance(condition, Between):
        for operand in (condition.operand, condition.low, condition.high):
            yield from _operand_names(operand)
    elif isinstance(condition, In):
        for operand in (condition.operand, *condition.options):
            yield from _operand_names(operand)
    elif isinstance(condition, Function):
        for operand in condition.args:
            yield from _operand_names(operand)


def _operand_names(operand: Operand) -> Iterator[str]:
    if isinstance(operand, PathRef | Size):
        yield str(operand.path[0])
    elif isinstance(operand, IfNotExists):
        yield str(operand.path[0])
        yield from _operand_names(operand.default)
    elif isinstance(operand, ListAppend):
        yield from _operand_names(operand.first)
        yield from _operand_names(operand.second)
    elif isinstance(operand, Arithmetic):
        yield from _operand_names(operand.left)
        yield from _operand_names(operand.right)
    elif isinstance(operand, Literal):
        return
