"""Event patterns: EventBridge rules' EventPattern and SNS filter policies, one language and one
matcher (AWS runs both on its event-ruler library).

A pattern is parsed once into branches (each `$or` forks them, as event-ruler does); a branch
is an AND over dotted field paths ("detail.state"), each path an OR of conditions. An event is
matched as its flattened fields (pattern_match.py). Refusals carry event-ruler's wording
(PatternError.reason); each service wraps it in its own error ("Event pattern is not valid.
Reason: ...", "Invalid parameter: FilterPolicy: ...").

What differs between the two services is a Dialect: how many decimal digits numbers keep and
their range, whether `wildcard` exists and whether objects may nest.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from .pattern_values import PatternError, comparable, is_number, parse_cidr, wildcard_regex

__all__ = ["EVENTBRIDGE", "Condition", "Dialect", "Pattern", "PatternError", "parse_pattern"]

OR = "$or"
_RANGE = {">": (True, False), ">=": (True, True), "<": (False, False), "<=": (False, True)}
_ANYTHING_BUT_VALUE = "Value of anything-but must be an array or single string/number value."


@dataclass(frozen=True, slots=True)
class Dialect:
    digits: int
    """Decimal digits numbers are compared to."""
    limit: float
    """Largest magnitude a compared number may have."""
    limit_reason: Callable[[str], str]
    """The refusal of a pattern number beyond `limit` (argument: the operator it follows)."""
    wildcard: bool = True
    nested: bool = True
    strict_numbers: bool = False
    """Exact numbers beyond `limit` are refused (SNS) rather than matched by value alone, and
    an event's numbers are compared whatever their size (EventBridge: only within `limit`)."""


EVENTBRIDGE = Dialect(6, 5e9, lambda what: "Value must be between -5.0E9 and 5.0E9, inclusive")


@dataclass(frozen=True, slots=True)
class Condition:
    kind: str
    """exact, number, bool, null, prefix, suffix, ignore_case, wildcard, numeric, exists, cidr,
    anything_but (of values, prefixes, suffixes, ignore_cases or wildcards)."""
    value: Any


Branch = tuple[tuple[str, tuple[Condition, ...]], ...]


@dataclass(frozen=True, slots=True)
class Pattern:
    branches: tuple[Branch, ...]
    digits: int
    limit: float
    """Largest magnitude of an event's number that compares as a number."""

    def paths(self) -> set[str]:
        return {path for branch in self.branches for path, _ in branch}

    def combinations(self) -> int:
        """How many single-value combinations the pattern stands for (SNS's complexity)."""
        return sum(math.prod(len(conds) for _, conds in branch) for branch in self.branches)


def parse_pattern(doc: Any, dialect: Dialect = EVENTBRIDGE) -> Pattern:
    """The pattern a parsed JSON document describes; raises PatternError."""
    if not isinstance(doc, dict):
        raise PatternError("Filter is not an object")
    parser = _Parser(dialect)
    rules = parser.object(doc, "", [{}])
    branches = tuple(tuple(rule.items()) for rule in rules)
    limit = math.inf if dialect.strict_numbers else dialect.limit
    return Pattern(branches, dialect.digits, limit)


Rules = list[dict[str, tuple[Condition, ...]]]


class _Parser:
    def __init__(self, dialect: Dialect) -> None:
        self.dialect = dialect

    def object(self, doc: dict[str, Any], prefix: str, rules: Rules) -> Rules:
        if not doc:
            raise PatternError("Empty objects are not allowed")
        for key, value in doc.items():
            if key == OR:
                rules = self.alternatives(value, prefix, rules)
                continue
            path = f"{prefix}.{key}" if prefix else key
            if isinstance(value, dict):
                if not self.dialect.nested:
                    raise PatternError("nested", nesting=True)
                rules = self.object(value, path, rules)
            elif isinstance(value, list):
                conditions = self.conditions(value)
                rules = [{**rule, path: conditions} for rule in rules]
            else:
                raise PatternError(f'"{key}" must be an object or an array')
        return rules

    def alternatives(self, value: Any, prefix: str, rules: Rules) -> Rules:
        if not isinstance(value, list):
            raise PatternError(f"It must be an Array followed with {OR}.")
        if not all(isinstance(branch, dict) for branch in value):
            raise PatternError(f"Only JSON object is allowed in array of {OR} relationship.")
        if len(value) < 2:
            raise PatternError(f"There must have at least 2 Objects in {OR} relationship.")
        out: Rules = []
        for branch in value:
            out.extend(self.object(branch, prefix, [dict(rule) for rule in rules]))
        return out

    def conditions(self, values: list[Any]) -> tuple[Condition, ...]:
        if not values:
            raise PatternError("Empty arrays are not allowed")
        return tuple(self.condition(value) for value in values)

    def condition(self, value: Any) -> Condition:
        if isinstance(value, bool):
            return Condition("bool", value)
        if value is None:
            return Condition("null", None)
        if isinstance(value, str):
            return Condition("exact", value)
        if is_number(value):
            return Condition("number", self.exact_number(value))
        if isinstance(value, dict):
            return self.expression(value)
        raise PatternError("Match value must be String, number, true, false, or null")

    def exact_number(self, value: float) -> tuple[float | None, float]:
        """(comparable form or None when out of range, the number itself)."""
        if abs(value) <= self.dialect.limit:
            return (comparable(value, self.dialect.digits), value)
        if self.dialect.strict_numbers:
            raise PatternError(self.dialect.limit_reason("number"))
        return (None, value)

    def expression(self, doc: dict[str, Any]) -> Condition:
        if not doc:
            raise PatternError("Match expression name not found")
        (kind, operand), *extra = doc.items()
        condition = self.operator(kind, operand)
        if extra:
            many = kind in ("numeric", "anything-but")
            raise PatternError(
                "Too many elements in numeric expression"
                if many
                else "Only one key allowed in match expression"
            )
        return condition

    def operator(self, kind: str, operand: Any) -> Condition:
        if kind in ("prefix", "suffix"):
            return self.affix(kind, operand)
        if kind == "equals-ignore-case":
            if not isinstance(operand, str):
                raise PatternError("equals-ignore-case match pattern must be a string")
            return Condition("ignore_case", operand.casefold())
        if kind == "wildcard" and self.dialect.wildcard:
            if not isinstance(operand, str):
                raise PatternError("wildcard match pattern must be a string")
            return Condition("wildcard", wildcard_regex(operand))
        if kind == "exists":
            if not isinstance(operand, bool):
                raise PatternError("exists match pattern must be either true or false.")
            return Condition("exists", operand)
        if kind == "numeric":
            return Condition("numeric", self.numeric(operand))
        if kind == "cidr":
            if not isinstance(operand, str):
                raise PatternError("prefix match pattern must be a string")
            return Condition("cidr", parse_cidr(operand))
        if kind == "anything-but":
            return Condition("anything_but", self.anything_but(operand))
        raise PatternError(f"Unrecognized match type {kind}")

    def affix(self, kind: str, operand: Any) -> Condition:
        if isinstance(operand, dict) and list(operand) == ["equals-ignore-case"]:
            text = operand["equals-ignore-case"]
            if isinstance(text, str):
                return Condition(kind, (text.casefold(), True))
        if not isinstance(operand, str):
            raise PatternError(f"{kind} match pattern must be a string")
        return Condition(kind, (operand, False))

    def numeric(self, operand: Any) -> tuple[float, bool, float, bool]:
        """(low, low inclusive, high, high inclusive), bounds in comparable form."""
        if not isinstance(operand, list):
            raise PatternError("Value of numeric must be an array.")
        op = operand[0] if operand else None
        if not isinstance(op, str):
            raise PatternError(f"Invalid member in numeric match: {_text(op, ']')}")
        if op != "=" and op not in _RANGE:
            raise PatternError(f"Unrecognized numeric range operator: {op}")
        first = self.bound(operand, 1, "equals" if op == "=" else op)
        if op == "=":
            if len(operand) > 2:
                raise PatternError("Too many elements in numeric expression")
            return (first, True, first, True)
        low, high = (-math.inf, False), (math.inf, False)
        lower, inclusive = _RANGE[op]
        if lower:
            low = (first, inclusive)
        else:
            high = (first, inclusive)
        if len(operand) > 2:
            high = self.upper(operand, op, lower)
            # As event-ruler's Range: the numbers as written, not their comparable forms.
            if float(operand[1]) >= float(operand[3]):
                raise PatternError("Bottom must be less than top")
        return (low[0], low[1], high[0], high[1])

    def upper(self, operand: list[Any], op: str, lower: bool) -> tuple[float, bool]:
        second = operand[2]
        if not isinstance(second, str):
            raise PatternError(f"Bad value in numeric range: {_text(second, ']')}")
        if not lower or second not in ("<", "<="):
            raise PatternError(f"Bad numeric range operator: {second}")
        top = self.bound(operand, 3, second)
        if len(operand) > 4:
            raise PatternError("Too many terms in numeric range expression")
        return (top, _RANGE[second][1])

    def bound(self, operand: list[Any], index: int, what: str) -> float:
        value: Any = operand[index] if len(operand) > index else None
        if not is_number(value) or not math.isfinite(value):
            raise PatternError(f"Value of {what} must be numeric")
        if abs(value) > self.dialect.limit:
            raise PatternError(self.dialect.limit_reason(what))
        return comparable(float(value), self.dialect.digits)

    def anything_but(self, operand: Any) -> Condition:
        if isinstance(operand, dict):
            return self.anything_but_of(operand)
        if isinstance(operand, list):
            return self.anything_but_values(operand)
        if isinstance(operand, str | int | float) and not isinstance(operand, bool):
            return self.anything_but_values([operand])
        raise PatternError(_ANYTHING_BUT_VALUE)

    def anything_but_of(self, doc: dict[str, Any]) -> Condition:
        if not doc:
            raise PatternError("Anything-But expression name not found")
        (kind, inner), *extra = doc.items()
        kinds = ("prefix", "suffix", "equals-ignore-case") + (
            ("wildcard",) if self.dialect.wildcard else ()
        )
        if kind not in kinds:
            raise PatternError(f"Unsupported anything-but pattern: {kind}")
        items = inner if isinstance(inner, list) else [inner]
        if isinstance(inner, dict | bool) or inner is None:
            raise PatternError(_ANYTHING_BUT_VALUE)
        texts = tuple(_anything_but_text(kind, item) for item in items)
        if not texts:
            raise PatternError("Empty arrays are not allowed")
        if extra:
            raise PatternError("Only one key allowed in match expression")
        if kind == "equals-ignore-case":
            return Condition("ignore_cases", frozenset(t.casefold() for t in texts))
        if kind == "wildcard":
            return Condition("wildcards", tuple(wildcard_regex(t) for t in texts))
        return Condition(f"{kind}es", texts)

    def anything_but_values(self, values: list[Any]) -> Condition:
        strings = [v for v in values if isinstance(v, str)]
        numbers = [v for v in values if is_number(v)]
        if len(strings) + len(numbers) != len(values):
            raise PatternError("Inside anything but list, start|null|boolean is not supported.")
        if bool(strings) == bool(numbers):
            raise PatternError(
                "Inside anything but list, either all values are number or string, "
                "mixed type is not supported"
            )
        forms = [self.exact_number(n) for n in numbers]
        return Condition("values", (frozenset(strings), frozenset(forms)))


def _anything_but_text(kind: str, item: Any) -> str:
    if isinstance(item, str):
        if kind in ("prefix", "suffix") and not item:
            raise PatternError("Null prefix/suffix not allowed")
        return item
    if kind == "equals-ignore-case":
        raise PatternError(
            "Inside anything-but/equals-ignore-case list, number|start|null|boolean is not "
            "supported."
        )
    if kind == "wildcard":
        raise PatternError("wildcard match pattern must be a string")
    raise PatternError("prefix/suffix match pattern must be a string")


def _text(value: Any, absent: str) -> str:
    """A token as event-ruler's messages print it."""
    if value is None:
        return absent
    return value if isinstance(value, str) else json.dumps(value)
