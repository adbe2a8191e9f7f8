"""The one AST of every DynamoDB expression, with names and values already substituted.

Attribute values are kept as the wire has them (AttributeValue dicts: {"S": "a"}, {"N": "1.5"},
{"B": b"..."}, {"SS": [...]}, {"M": {...}}, {"L": [...]}, {"BOOL": True}, {"NULL": True}).
A document path is a tuple of steps: a `str` step names a map member (or a top-level
attribute), an `int` step indexes a list (`a.b[2].c` -> ("a", "b", 2, "c")).

Produced by parser.py (expression text) and legacy.py (Expected, AttributeUpdates, ...);
consumed by evaluate.py (conditions, filters), update.py (updates), project.py (projections)
and keycond.py (Query's key conditions).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

AttributeValue = dict[str, Any]
Item = dict[str, AttributeValue]
Path = tuple[str | int, ...]

# -- operands ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PathRef:
    """The value at a document path (missing: the attribute does not exist)."""

    path: Path


@dataclass(frozen=True, slots=True)
class Literal:
    """An ExpressionAttributeValue (`:v`), or a legacy parameter's value."""

    value: AttributeValue


@dataclass(frozen=True, slots=True)
class Size:
    """size(path): length of S/B (bytes), number of elements of sets, lists and maps."""

    path: Path


@dataclass(frozen=True, slots=True)
class IfNotExists:
    """Update only: if_not_exists(path, operand)."""

    path: Path
    default: Operand


@dataclass(frozen=True, slots=True)
class ListAppend:
    """Update only: list_append(first, second)."""

    first: Operand
    second: Operand


@dataclass(frozen=True, slots=True)
class Arithmetic:
    """Update only: left + right, left - right (numbers)."""

    op: str  # "+" or "-"
    left: Operand
    right: Operand


Operand = PathRef | Literal | Size | IfNotExists | ListAppend | Arithmetic

# -- conditions (ConditionExpression, FilterExpression, KeyConditionExpression) ---------------


@dataclass(frozen=True, slots=True)
class Compare:
    op: str  # "=", "<>", "<", "<=", ">", ">="
    left: Operand
    right: Operand


@dataclass(frozen=True, slots=True)
class Between:
    operand: Operand
    low: Operand
    high: Operand


@dataclass(frozen=True, slots=True)
class In:
    operand: Operand
    options: tuple[Operand, ...]


@dataclass(frozen=True, slots=True)
class And:
    left: Condition
    right: Condition


@dataclass(frozen=True, slots=True)
class Or:
    left: Condition
    right: Condition


@dataclass(frozen=True, slots=True)
class Not:
    operand: Condition


@dataclass(frozen=True, slots=True)
class Function:
    """A boolean function: attribute_exists(path), attribute_not_exists(path),
    attribute_type(path, type), begins_with(path_or_operand, operand),
    contains(path_or_operand, operand). `args[0]` is the operand it tests."""

    name: str
    args: tuple[Operand, ...]


Condition = Compare | Between | In | And | Or | Not | Function

# -- updates ------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Set:
    path: Path
    value: Operand


@dataclass(frozen=True, slots=True)
class Remove:
    path: Path


@dataclass(frozen=True, slots=True)
class Add:
    """ADD path :v (numbers add; sets gain elements; a missing attribute becomes :v)."""

    path: Path
    value: Operand


@dataclass(frozen=True, slots=True)
class Delete:
    """DELETE path :set (elements removed from a set)."""

    path: Path
    value: Operand


Action = Set | Remove | Add | Delete


@dataclass(frozen=True, slots=True)
class Update:
    actions: tuple[Action, ...]
    legacy: bool = False
    """Built from AttributeUpdates: its ADD also appends a list to a list, and a value of
    another type than the attribute's reads "Type mismatch for attribute to update" (the
    expression's words are "An operand in the update expression has an incorrect data type")."""


@dataclass(frozen=True, slots=True)
class Projection:
    paths: tuple[Path, ...]


def path_text(path: Path) -> str:
    """A path as AWS's messages print it: `[a, b, [2], c]`-style steps joined (`a.b[2].c`)."""
    text = ""
    for step in path:
        text += f"[{step}]" if isinstance(step, int) else (f".{step}" if text else step)
    return text
