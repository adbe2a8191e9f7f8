"""What JSON and space-delimited patterns compare a value with: a string (with `*` wildcards),
a number, or a regular expression, under one of = != < > <= >=.

Numbers compare as numbers (< > <= >= only with a number). A string or wildcard compares with a
scalar's text (a JSON number or boolean as JSON writes it); = with a number literal needs a
number. A value that is not there matches no comparison, not even !=.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from typing import Any

NUMBER = re.compile(r"-?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")
ORDERING = frozenset({"<", ">", "<=", ">="})
OPERATORS = frozenset({"=", "!=", *ORDERING})


class PatternError(Exception):
    """A filter pattern CloudWatch Logs would not take; `detail` says what is wrong."""

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


class _Absent:
    """A selector or field that names nothing in the event."""


ABSENT: Any = _Absent()


@dataclass(frozen=True, slots=True)
class Literal:
    text: str
    number: float | None = None
    """The value as a number when it is written as one (unquoted)."""
    pattern: re.Pattern[str] | None = None
    """The string with its `*` wildcards, or the %regex%, as an expression."""
    regex: bool = False


def literal(text: str, *, quoted: bool = False, regex: re.Pattern[str] | None = None) -> Literal:
    """The literal a pattern writes as `text` (quoted: a string even if it looks numeric)."""
    if regex is not None:
        return Literal(text, None, regex, True)
    if not quoted and NUMBER.fullmatch(text):
        return Literal(text, float(text))
    parts = (re.escape(part) for part in text.split("*"))
    return Literal(text, None, re.compile(".*".join(parts), re.DOTALL))


def check_operator(op: str, value: Literal) -> None:
    """Raises PatternError for a comparison no value could satisfy as written."""
    if op not in OPERATORS:
        raise PatternError(f"{op!r} is not a comparison")
    if op in ORDERING and value.number is None:
        raise PatternError(f"{op} compares numbers, not {value.text!r}")


def compare(op: str, value: Literal, found: Any) -> bool:
    """Whether `found` (a JSON value, a field's text, or ABSENT) satisfies `op value`."""
    if found is ABSENT:
        return False
    if value.regex:
        text = _text(found)
        hit = text is not None and value.pattern is not None and value.pattern.search(text)
        return bool(hit) == (op == "=")
    if value.number is not None:
        number = _number(found)
        if number is None:
            return op == "!=" and _text(found) is not None
        return _order(op, number, value.number)
    text = _text(found)
    equal = text is not None and value.pattern is not None and bool(value.pattern.fullmatch(text))
    return equal if op == "=" else not equal


def _order(op: str, left: float, right: float) -> bool:
    if op == "=":
        return left == right
    if op == "!=":
        return left != right
    if op == "<":
        return left < right
    if op == ">":
        return left > right
    if op == "<=":
        return left <= right
    return left >= right


def _number(found: Any) -> float | None:
    if isinstance(found, bool):
        return None
    if isinstance(found, int | float):
        return float(found)
    if isinstance(found, str) and NUMBER.fullmatch(found.strip()):
        number = float(found)
        return number if math.isfinite(number) else None
    return None


def _text(found: Any) -> str | None:
    """A scalar's text; None for null, objects and arrays."""
    if isinstance(found, str):
        return found
    if isinstance(found, bool | int | float):
        return json.dumps(found)
    return None
