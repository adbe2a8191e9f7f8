"""Subscription filter policies: parsed and validated once (Subscribe, SetSubscriptionAttributes),
kept as a tree that filter_match.py evaluates for every message.

A policy is an AND over keys; each key's array is an OR of conditions; `$or` takes any of its
branches. MessageAttributes-scoped policies are flat; MessageBody-scoped ones may nest objects,
which name paths into the JSON body.
"""

from __future__ import annotations

import ipaddress
import json
import math
from dataclasses import dataclass, field
from typing import Any

from .errors import invalid_parameter
from .filter_numbers import comparable

MAX_KEYS = 5
MAX_COMBINATIONS = 150
MAX_POLICY_BYTES = 256 * 1024
NUMERIC_LIMIT = 1e9
_RANGE_OPERATORS = {
    ">": (True, False),
    ">=": (True, True),
    "<": (False, False),
    "<=": (False, True),
}


@dataclass(frozen=True, slots=True)
class Condition:
    kind: str
    """exact, number, bool, null, prefix, suffix, ignore_case, anything_but (of any_of, prefix
    or suffix), numeric, exists, cidr."""
    value: Any


@dataclass(slots=True)
class Policy:
    keys: dict[tuple[str, ...], list[Condition]] = field(default_factory=dict)
    ors: list[list[Policy]] = field(default_factory=list)


def _bad(detail: str) -> Exception:
    return invalid_parameter(f"Invalid parameter: FilterPolicy: {detail}")


def parse_policy(text: str, scope: str) -> Policy:
    """The policy of a FilterPolicy attribute; InvalidParameter as AWS words it."""
    if len(text.encode()) > MAX_POLICY_BYTES:
        raise _bad("Filter policy is too big")
    try:
        doc = json.loads(text)
    except ValueError as exc:  # AWS appends its parser's complaint after a period
        raise _bad(f"failed to parse JSON. {exc}") from None
    if not isinstance(doc, dict):
        raise _bad("Filter policy must be a JSON object")
    policy = _parse_object(doc, scope == "MessageBody", ())
    if len(_leaf_keys(policy)) > MAX_KEYS:
        raise _bad("Filter policy can not have more than 5 keys")
    if _combinations(policy) > MAX_COMBINATIONS:
        raise _bad("Filter policy is too complex")
    return policy


def _parse_object(doc: dict[str, Any], nested: bool, path: tuple[str, ...]) -> Policy:
    policy = Policy()
    for key, value in doc.items():
        if key == "$or":
            policy.ors.append(_parse_or(value, nested, path))
        elif isinstance(value, list):
            policy.keys[(*path, key)] = _parse_conditions(key, value)
        elif isinstance(value, dict):
            if not nested:
                raise invalid_parameter(
                    "Invalid parameter: Filter policy scope MessageAttributes does not support "
                    "nested filter policy"
                )
            inner = _parse_object(value, nested, (*path, key))
            policy.keys.update(inner.keys)
            policy.ors.extend(inner.ors)
        else:
            raise _bad(f'"{key}" must be an object or an array')
    return policy


def _parse_or(value: Any, nested: bool, path: tuple[str, ...]) -> list[Policy]:
    if not isinstance(value, list) or len(value) < 2:
        raise _bad("$or must be an array of at least two objects")
    if not all(isinstance(branch, dict) for branch in value):
        raise _bad("$or must be an array of objects")
    return [_parse_object(branch, nested, path) for branch in value]


def _parse_conditions(key: str, values: list[Any]) -> list[Condition]:
    if not values:
        raise _bad(f'Empty arrays are not allowed: "{key}"')
    return [_parse_condition(v) for v in values]


def _parse_condition(value: Any) -> Condition:
    if isinstance(value, bool):
        return Condition("bool", value)
    if value is None:
        return Condition("null", None)
    if isinstance(value, str):
        return Condition("exact", value)
    if isinstance(value, int | float):
        return Condition("number", comparable(_number(value, "number")))
    if isinstance(value, dict) and len(value) == 1:
        ((kind, operand),) = value.items()
        return _parse_operator(kind, operand)
    raise _bad("Match value must be String, number, true, false, or null")


def _parse_operator(kind: str, operand: Any) -> Condition:
    if kind in ("prefix", "suffix", "equals-ignore-case"):
        if not isinstance(operand, str):
            raise _bad(f"{kind} match pattern must be a string")
        return Condition("ignore_case" if kind == "equals-ignore-case" else kind, operand)
    if kind == "exists":
        if not isinstance(operand, bool):
            raise _bad("exists match pattern must be either true or false.")
        return Condition("exists", operand)
    if kind == "numeric":
        return Condition("numeric", _parse_numeric(operand))
    if kind == "anything-but":
        return Condition("anything_but", _parse_anything_but(operand))
    if kind == "cidr":
        return Condition("cidr", _parse_cidr(operand))
    raise _bad(f"Unrecognized match type {kind}")


def _number(value: Any, what: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or math.isnan(value):
        raise _bad(f"Value of {what} must be numeric")
    if abs(value) > NUMERIC_LIMIT:
        raise _bad(f"Value of {what} must be between -1.0E9 and 1.0E9 inclusive")
    return float(value)


def _parse_numeric(operand: Any) -> tuple[float, bool, float, bool]:
    """(low, low inclusive, high, high inclusive) from ["=", 5] or [">", 0, "<=", 5]."""
    if not isinstance(operand, list) or len(operand) not in (2, 4):
        raise _bad("Value of numeric must be an array of 2 or 4 elements")
    op = operand[0]
    if op == "=" and len(operand) == 2:
        n = comparable(_number(operand[1], op))
        return (n, True, n, True)
    if op not in _RANGE_OPERATORS:
        raise _bad(f"Unrecognized numeric range operator: {op}")
    low, low_incl, high, high_incl = -math.inf, False, math.inf, False
    is_lower, inclusive = _RANGE_OPERATORS[op]
    if is_lower:
        low, low_incl = _number(operand[1], op), inclusive
    else:
        high, high_incl = _number(operand[1], op), inclusive
    if len(operand) == 4:
        second = operand[2]
        if not is_lower or second not in ("<", "<="):
            raise _bad(f"Bad numeric range operator: {second}")
        high, high_incl = _number(operand[3], second), _RANGE_OPERATORS[second][1]
        if low >= high:
            raise _bad("Bottom must be less than top")
    # Compared to five digits after the decimal point, as message values are (filter_numbers).
    return (comparable(low), low_incl, comparable(high), high_incl)


def _parse_anything_but(operand: Any) -> Condition:
    """anything-but of one value, a list of values, or a prefix/suffix."""
    if isinstance(operand, dict):
        if len(operand) != 1 or next(iter(operand)) not in ("prefix", "suffix"):
            raise _bad("Unsupported anything-but pattern")
        ((kind, text),) = operand.items()
        if not isinstance(text, str):
            raise _bad(f"{kind} match pattern must be a string")
        return Condition(kind, text)
    values = operand if isinstance(operand, list) else [operand]
    if not values:
        raise _bad("Empty arrays are not allowed: anything-but")
    conditions = []
    for value in values:
        if isinstance(value, bool) or not isinstance(value, str | int | float):
            raise _bad("anything-but list must contain only strings or numbers")
        conditions.append(_parse_condition(value))
    return Condition("any_of", conditions)


def _parse_cidr(operand: Any) -> ipaddress.IPv4Network | ipaddress.IPv6Network:
    if not isinstance(operand, str):
        raise _bad("cidr match pattern must be a string")
    try:
        return ipaddress.ip_network(operand, strict=False)
    except ValueError:
        raise _bad(f"Malformed CIDR, {operand}") from None


def _leaf_keys(policy: Policy) -> set[tuple[str, ...]]:
    keys = set(policy.keys)
    for branches in policy.ors:
        for branch in branches:
            keys |= _leaf_keys(branch)
    return keys


def _combinations(policy: Policy) -> int:
    total = math.prod(len(conditions) for conditions in policy.keys.values())
    for branches in policy.ors:
        total *= sum(_combinations(branch) for branch in branches)
    return total
