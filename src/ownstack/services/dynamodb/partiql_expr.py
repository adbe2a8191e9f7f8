"""PartiQL statements carried out by the item API: their WHERE clauses split into the key they
name and the condition left over, and AST pieces written back as expression text with
ExpressionAttributeNames/Values (every name and value a placeholder, so no reserved word or
odd character can break the expression).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from .errors import validation
from .expr.ast import (
    Add,
    And,
    Arithmetic,
    AttributeValue,
    Between,
    Compare,
    Condition,
    Delete,
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
    Remove,
    Set,
    Size,
    Update,
)
from .expr.legacy import combine

MANDATORY_KEY = "Where clause does not contain a mandatory equality on all key attributes"

# -- WHERE clauses --------------------------------------------------------------------------------


def conjuncts(condition: Condition | None) -> list[Condition]:
    """The conditions ANDed together at the top of `condition`."""
    if condition is None:
        return []
    if isinstance(condition, And):
        return conjuncts(condition.left) + conjuncts(condition.right)
    return [condition]


def equality_on(condition: Condition, name: str) -> AttributeValue | None:
    """The value of `name = value` (either way round), else None."""
    if not isinstance(condition, Compare) or condition.op != "=":
        return None
    for one, other in ((condition.left, condition.right), (condition.right, condition.left)):
        if isinstance(one, PathRef) and one.path == (name,) and isinstance(other, Literal):
            return other.value
    return None


def split_key(
    where: Condition | None, key_names: tuple[str, ...], key_types: dict[str, str]
) -> tuple[dict[str, AttributeValue], Condition | None]:
    """The key a write's WHERE clause names by equalities, and the rest of the clause (the
    write's condition). ValidationException when a key attribute has no equality."""
    rest = conjuncts(where)
    key: dict[str, AttributeValue] = {}
    for name in key_names:
        for part in rest:
            value = equality_on(part, name)
            if value is not None:
                key[name] = value
                rest.remove(part)
                break
        else:
            raise validation(MANDATORY_KEY)
        if next(iter(value)) != key_types.get(name):
            raise validation(
                "Key attribute's data type should match its data type in table's schema:"
                f" Key {name}"
            )
    return key, combine(rest, None)


# -- expression text ------------------------------------------------------------------------------

_PRECEDENCE = {Or: 1, And: 2, Not: 3}


class Expressions:
    """Expression text for AST pieces, with the placeholders they use."""

    def __init__(self) -> None:
        self.names: dict[str, str] = {}
        self.values: dict[str, AttributeValue] = {}
        self._name_of: dict[str, str] = {}

    def params(self) -> dict[str, Any]:
        """ExpressionAttributeNames/Values as request members (absent when empty)."""
        found: dict[str, Any] = {}
        if self.names:
            found["ExpressionAttributeNames"] = dict(self.names)
        if self.values:
            found["ExpressionAttributeValues"] = dict(self.values)
        return found

    def name(self, attribute: str) -> str:
        placeholder = self._name_of.get(attribute)
        if placeholder is None:
            placeholder = f"#n{len(self._name_of)}"
            self._name_of[attribute] = placeholder
            self.names[placeholder] = attribute
        return placeholder

    def value(self, value: AttributeValue) -> str:
        placeholder = f":v{len(self.values)}"
        self.values[placeholder] = value
        return placeholder

    def path(self, path: Path) -> str:
        text = ""
        for step in path:
            if isinstance(step, int):
                text += f"[{step}]"
            else:
                text += ("." if text else "") + self.name(step)
        return text

    def operand(self, operand: Operand) -> str:
        if isinstance(operand, PathRef):
            return self.path(operand.path)
        if isinstance(operand, Literal):
            return self.value(operand.value)
        if isinstance(operand, Size):
            return f"size({self.path(operand.path)})"
        if isinstance(operand, IfNotExists):
            return f"if_not_exists({self.path(operand.path)}, {self.operand(operand.default)})"
        if isinstance(operand, ListAppend):
            return f"list_append({self.operand(operand.first)}, {self.operand(operand.second)})"
        return f"{self.operand(operand.left)} {operand.op} {self.operand(operand.right)}"

    def condition(self, condition: Condition) -> str:
        """Parenthesised only where precedence needs it (DynamoDB refuses redundant levels)."""
        if isinstance(condition, Or | And):
            word = "OR" if isinstance(condition, Or) else "AND"
            left = self._inner(condition.left, condition)
            return f"{left} {word} {self._inner(condition.right, condition)}"
        if isinstance(condition, Not):
            return f"NOT {self._inner(condition.operand, condition)}"
        if isinstance(condition, Compare):
            return f"{self.operand(condition.left)} {condition.op} {self.operand(condition.right)}"
        if isinstance(condition, Between):
            return (
                f"{self.operand(condition.operand)} BETWEEN {self.operand(condition.low)}"
                f" AND {self.operand(condition.high)}"
            )
        if isinstance(condition, In):
            options = ", ".join(self.operand(option) for option in condition.options)
            return f"{self.operand(condition.operand)} IN ({options})"
        assert isinstance(condition, Function)
        return f"{condition.name}({', '.join(self.operand(arg) for arg in condition.args)})"

    def _inner(self, child: Condition, parent: Condition) -> str:
        text = self.condition(child)
        mine = _PRECEDENCE.get(type(child), 4)
        theirs = _PRECEDENCE[type(parent)]
        return f"({text})" if mine < theirs or (mine == theirs == 3) else text

    def update(self, update: Update) -> str:
        clauses: dict[str, list[str]] = {"SET": [], "REMOVE": [], "ADD": [], "DELETE": []}
        for action in update.actions:
            if isinstance(action, Set):
                clauses["SET"].append(f"{self.path(action.path)} = {self._set_value(action)}")
            elif isinstance(action, Remove):
                clauses["REMOVE"].append(self.path(action.path))
            elif isinstance(action, Add):
                clauses["ADD"].append(f"{self.path(action.path)} {self.operand(action.value)}")
            elif isinstance(action, Delete):
                clauses["DELETE"].append(f"{self.path(action.path)} {self.operand(action.value)}")
        return " ".join(f"{word} {', '.join(parts)}" for word, parts in clauses.items() if parts)

    def _set_value(self, action: Set) -> str:
        value = action.value
        if isinstance(value, Arithmetic):
            return f"{self.operand(value.left)} {value.op} {self.operand(value.right)}"
        return self.operand(value)

    def projection(self, paths: tuple[Path, ...]) -> str:
        return ", ".join(self.path(path) for path in paths)


def names_read(condition: Condition | None) -> Iterator[str]:
    """The top-level attributes a condition reads."""
    for part in _walk(condition):
        for operand in _operands(part):
            if isinstance(operand, PathRef | Size) and isinstance(operand.path[0], str):
                yield operand.path[0]


def _walk(condition: Condition | None) -> Iterator[Condition]:
    if condition is None:
        return
    if isinstance(condition, And | Or):
        yield from _walk(condition.left)
        yield from _walk(condition.right)
    elif isinstance(condition, Not):
        yield from _walk(condition.operand)
    else:
        yield condition


def _operands(condition: Condition) -> tuple[Operand, ...]:
    if isinstance(condition, Compare):
        return (condition.left, condition.right)
    if isinstance(condition, Between):
        return (condition.operand, condition.low, condition.high)
    if isinstance(condition, In):
        return (condition.operand, *condition.options)
    if isinstance(condition, Function):
        return condition.args
    return ()
