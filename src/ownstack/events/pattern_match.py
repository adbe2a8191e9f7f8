"""Matching a parsed pattern (patterns.py) against an event's fields.

An event is seen as event-ruler sees it: its leaves by dotted path ("detail.state"), arrays
searched element-wise, so a path has a list of leaf values. Only leaves count: `exists` on a
path that holds an object or an empty array finds nothing. Each leaf remembers which element
of which array it came from, and the leaves one branch matches must agree on those (event-ruler's
array consistency): `{"a": {"b": ["x"], "c": ["y"]}}` does not match
`{"a": [{"b": "x", "c": "z"}, {"b": "w", "c": "y"}]}`.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from typing import Any

from .pattern_values import comparable, in_network, is_number
from .patterns import Branch, Condition, Pattern

Membership = tuple[tuple[int, int], ...]
"""(array id, element index) for each array on a leaf's way from the root."""
Leaf = tuple[Any, Membership]
Fields = Mapping[str, Sequence[Leaf]]


class Opaque:
    """A field that is present but has no value a pattern can compare (an SNS Binary
    attribute): only `exists` sees it."""


OPAQUE = Opaque()
_FREE: Membership = ()


def json_fields(doc: Any) -> dict[str, list[Leaf]]:
    """The leaves of a parsed JSON document by dotted path."""
    out: dict[str, list[Leaf]] = {}
    arrays = itertools.count()
    stack: list[tuple[Any, str, Membership]] = [(doc, "", _FREE)]
    while stack:
        node, path, member = stack.pop()
        if isinstance(node, dict):
            for key, value in reversed(node.items()):
                stack.append((value, f"{path}.{key}" if path else key, member))
        elif isinstance(node, list):
            array = next(arrays)
            for index in range(len(node) - 1, -1, -1):
                stack.append((node[index], path, (*member, (array, index))))
        else:
            out.setdefault(path, []).append((node, member))
    return out


def matches(pattern: Pattern, fields: Fields) -> bool:
    return any(_branch(pattern, branch, fields) for branch in pattern.branches)


def _branch(pattern: Pattern, branch: Branch, fields: Fields) -> bool:
    options: list[list[Membership]] = []
    for path, conditions in branch:
        found = _satisfying(pattern, conditions, fields.get(path) or ())
        if not found:
            return False
        options.append(found)
    return _consistent(options, 0, {})


def _satisfying(
    pattern: Pattern, conditions: Sequence[Condition], leaves: Sequence[Leaf]
) -> list[Membership]:
    """The memberships of the leaves that satisfy any of `conditions` ([()]: satisfied with
    no leaf, by absence)."""
    found: set[Membership] = set()
    for condition in conditions:
        if condition.kind == "exists":
            if not condition.value:
                if not leaves:
                    return [_FREE]
                continue
            found.update(member for _, member in leaves)
            continue
        found.update(member for value, member in leaves if _value(pattern, condition, value))
        if _FREE in found:
            return [_FREE]
    return sorted(found, key=len)


def _consistent(options: list[list[Membership]], index: int, bound: dict[int, int]) -> bool:
    if index == len(options):
        return True
    for member in options[index]:
        if any(bound.get(array, position) != position for array, position in member):
            continue
        chosen = {**bound, **dict(member)} if member else bound
        if _consistent(options, index + 1, chosen):
            return True
    return False


def _value(pattern: Pattern, cond: Condition, value: Any) -> bool:
    if isinstance(value, Opaque):
        return False
    kind = cond.kind
    if kind == "exact":
        return isinstance(value, str) and value == cond.value
    if kind == "number":
        return _number_equals(pattern, cond.value, value)
    if kind == "bool":
        return isinstance(value, bool) and value == cond.value
    if kind == "null":
        return value is None
    if kind == "anything_but":
        return not _value(pattern, cond.value, value)
    if kind == "numeric":
        form = _comparable(pattern, value)
        return form is not None and _in_range(form, cond.value)
    if kind == "cidr":
        return in_network(value, cond.value)
    if kind == "values":
        strings, numbers = cond.value
        return value in strings if isinstance(value, str) else _in_numbers(pattern, numbers, value)
    return isinstance(value, str) and _text(kind, cond.value, value)


def _text(kind: str, operand: Any, value: str) -> bool:
    """The string conditions (value: a string)."""
    if kind in ("prefix", "suffix"):
        text, folded = operand
        return _affixed(kind, text, value.casefold() if folded else value)
    if kind == "ignore_case":
        return bool(value.casefold() == operand)
    if kind == "wildcard":
        return operand.fullmatch(value) is not None
    if kind in ("prefixes", "suffixes"):
        return any(_affixed(kind[:-2], text, value) for text in operand)
    if kind == "ignore_cases":
        return value.casefold() in operand
    if kind == "wildcards":
        return any(regex.fullmatch(value) is not None for regex in operand)
    return False


def _affixed(kind: str, text: str, value: str) -> bool:
    return value.startswith(text) if kind == "prefix" else value.endswith(text)


def _comparable(pattern: Pattern, value: Any) -> float | None:
    if not is_number(value) or abs(value) > pattern.limit:
        return None
    return comparable(float(value), pattern.digits)


def _number_equals(pattern: Pattern, form: tuple[float | None, float], value: Any) -> bool:
    if not is_number(value):
        return False
    wanted, raw = form
    mine = _comparable(pattern, value)
    if wanted is not None and mine is not None:
        return mine == wanted
    return bool(value == raw)


def _in_numbers(pattern: Pattern, forms: frozenset[tuple[float | None, float]], value: Any) -> bool:
    return any(_number_equals(pattern, form, value) for form in forms)


def _in_range(n: float, bounds: tuple[float, bool, float, bool]) -> bool:
    low, low_incl, high, high_incl = bounds
    above = n >= low if low_incl else n > low
    below = n <= high if high_incl else n < high
    return above and below
