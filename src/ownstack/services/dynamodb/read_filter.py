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
    Path,
    PathRef,
    Projection,
    Size,
)
from .records import TableRecord


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


_SCALARS = (
    "Key attributes must be scalars; list random access '[]' and map lookup '.' are not allowed: "
)


def check_key_paths(table: TableRecord, read: Projection | Condition | None) -> None:
    """A projection or filter may not reach into a key attribute (`k.b`, `k[0]`): the table's
    keys are judged first ("... not allowed: Key: k"), then its indexes' ("IndexKey: k"), as
    DynamoDB answers GetItem, Query and Scan (recorded by dynalite's suite)."""
    if read is None:
        return
    paths = read.paths if isinstance(read, Projection) else condition_paths(read)
    nested = {str(path[0]) for path in paths if len(path) > 1}
    if not nested:
        return
    for name in table.schema.names:
        if name in nested:
            raise validation(f"{_SCALARS}Key: {name}")
    for index in table.indexes:
        for name in index.schema.names:
            if name in nested:
                raise validation(f"{_SCALARS}IndexKey: {name}")


def top_level_names(condition: Condition) -> Iterator[str]:
    """The top-level attributes `condition` reads."""
    return (str(path[0]) for path in condition_paths(condition))


def condition_paths(condition: Condition) -> Iterator[Path]:
    """The document paths `condition` reads."""
    if isinstance(condition, And | Or):
        yield from condition_paths(condition.left)
        yield from condition_paths(condition.right)
    elif isinstance(condition, Not):
        yield from condition_paths(condition.operand)
    elif isinstance(condition, Compare):
        yield from _operand_paths(condition.left)
        yield from _operand_paths(condition.right)
    elif isinstance(condition, Between):
        for operand in (condition.operand, condition.low, condition.high):
            yield from _operand_paths(operand)
    elif isinstance(condition, In):
        for operand in (condition.operand, *condition.options):
            yield from _operand_paths(operand)
    elif isinstance(condition, Function):
        for operand in condition.args:
            yield from _operand_paths(operand)


def _operand_paths(operand: Operand) -> Iterator[Path]:
    if isinstance(operand, PathRef | Size):
        yield operand.path
    elif isinstance(operand, IfNotExists):
        yield operand.path
        yield from _operand_paths(operand.default)
    elif isinstance(operand, ListAppend):
        yield from _operand_paths(operand.first)
        yield from _operand_paths(operand.second)
    elif isinstance(operand, Arithmetic):
        yield from _operand_paths(operand.left)
        yield from _operand_paths(operand.right)
    elif isinstance(operand, Literal):
        return
