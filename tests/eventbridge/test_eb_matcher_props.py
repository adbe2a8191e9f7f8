"""Property tests of the shared pattern matcher (ownstack.events: the one EventBridge rules and
SNS filter policies use) against a simple reference: flat events whose fields hold a scalar or
an array of scalars, patterns of one condition per field, AND across fields, OR within one."""

from __future__ import annotations

import ipaddress
import math
from decimal import Decimal
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from ownstack.events.pattern_match import json_fields, matches
from ownstack.events.patterns import parse_pattern

KEYS = ["a", "b", "c"]
WORDS = st.text(alphabet="abAB.-", max_size=4)
NUMBERS = st.one_of(st.integers(-50, 50), st.sampled_from([0.5, -1.25, 3.0, 1e3]))
SCALARS = st.one_of(WORDS, NUMBERS, st.booleans(), st.none(), st.sampled_from(["10.0.0.7"]))
VALUES = st.one_of(SCALARS, st.lists(SCALARS, max_size=3))


def _num(x: Any) -> bool:
    return isinstance(x, int | float) and not isinstance(x, bool)


def _key(x: float) -> int:
    return math.floor(Decimal(repr(float(x))) * 10**6)


def condition() -> st.SearchStrategy[Any]:
    return st.one_of(
        SCALARS,
        st.builds(lambda s: {"prefix": s}, WORDS),
        st.builds(lambda s: {"suffix": s}, WORDS),
        st.builds(lambda s: {"equals-ignore-case": s}, WORDS),
        st.builds(lambda s: {"prefix": {"equals-ignore-case": s}}, WORDS),
        st.builds(lambda b: {"exists": b}, st.booleans()),
        st.builds(lambda s: {"anything-but": s}, st.lists(WORDS, min_size=1, max_size=2)),
        st.builds(lambda s: {"anything-but": {"prefix": s}}, WORDS.filter(bool)),
        st.builds(lambda n: {"numeric": [">=", n]}, st.integers(-20, 20)),
        st.builds(lambda n: {"numeric": ["<", n]}, st.integers(-20, 20)),
        st.just({"cidr": "10.0.0.0/8"}),
        st.builds(lambda s: {"wildcard": s}, st.sampled_from(["*", "a*", "*b", "a*b", "A.*"])),
    )


def ref_value(cond: Any, v: Any) -> bool:
    """Whether one scalar `v` satisfies `cond` (a non-exists condition)."""
    if not isinstance(cond, dict):
        if cond is None or isinstance(cond, bool):
            return v is cond
        if isinstance(cond, str):
            return isinstance(v, str) and v == cond
        return _num(v) and _key(v) == _key(cond)
    ((op, arg),) = cond.items()
    if op == "anything-but":
        if isinstance(arg, dict):
            return not (isinstance(v, str) and v.startswith(str(arg["prefix"])))
        return not (isinstance(v, str) and v in arg)
    if not isinstance(v, str) and op != "numeric":
        return False
    text = str(v)
    if op == "prefix":
        if isinstance(arg, dict):
            return text.lower().startswith(str(arg["equals-ignore-case"]).lower())
        return text.startswith(str(arg))
    if op == "suffix":
        return text.endswith(str(arg))
    if op == "equals-ignore-case":
        return text.lower() == str(arg).lower()
    if op == "numeric":
        n = float(arg[1])
        return _num(v) and (_key(v) >= _key(n) if arg[0] == ">=" else _key(v) < _key(n))
    if op == "cidr":
        try:
            return ipaddress.ip_address(text) in ipaddress.ip_network(arg)
        except ValueError:
            return False
    pattern = str(arg)
    parts = pattern.split("*")
    return (
        text.startswith(parts[0])
        and text.endswith(parts[-1])
        and len(text) >= len(pattern) - pattern.count("*")
    )


def ref_field(conds: list[Any], value: Any, present: bool) -> bool:
    leaves = value if isinstance(value, list) else [value]
    leaves = leaves if present else []
    for cond in conds:
        if isinstance(cond, dict) and "exists" in cond:
            if bool(leaves) is cond["exists"]:
                return True
        elif any(ref_value(cond, v) for v in leaves):
            return True
    return False


@settings(max_examples=400, deadline=None)
@given(
    event=st.dictionaries(st.sampled_from(KEYS), VALUES),
    pattern=st.dictionaries(
        st.sampled_from(KEYS), st.lists(condition(), min_size=1, max_size=2), min_size=1
    ),
)
def test_matches_the_reference(event: dict[str, Any], pattern: dict[str, Any]) -> None:
    expected = all(ref_field(c, event.get(k), k in event) for k, c in pattern.items())
    assert matches(parse_pattern(pattern), json_fields(event)) is expected


@settings(max_examples=200, deadline=None)
@given(
    event=st.dictionaries(st.sampled_from(KEYS), VALUES),
    left=st.dictionaries(st.sampled_from(KEYS), st.lists(condition(), min_size=1), min_size=1),
    right=st.dictionaries(st.sampled_from(KEYS), st.lists(condition(), min_size=1), min_size=1),
)
def test_or_is_either_branch(event: dict[str, Any], left: Any, right: Any) -> None:
    fields = json_fields(event)
    either = matches(parse_pattern(left), fields) or matches(parse_pattern(right), fields)
    assert matches(parse_pattern({"$or": [left, right]}), fields) is either


@settings(max_examples=200, deadline=None)
@given(
    event=st.dictionaries(st.sampled_from(KEYS), VALUES),
    key=st.sampled_from(KEYS),
    conds=st.lists(condition(), min_size=1, max_size=2),
)
def test_nesting_is_dotted_keys(event: dict[str, Any], key: str, conds: list[Any]) -> None:
    nested = json_fields({"detail": event})
    assert matches(parse_pattern({"detail": {key: conds}}), nested) is matches(
        parse_pattern({f"detail.{key}": conds}), nested
    )
