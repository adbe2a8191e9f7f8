"""Issue 16, item 5: numeric filter matching to five digits after the decimal point ("Filter
policy constraints in Amazon SNS": `[100.123456789]` matches `100.1234567`), for equality,
anything-but and ranges; digits past the fifth are dropped (truncated toward minus infinity,
as AWS's event-ruler ComparableNumber does): see services/sns/filter_numbers.py."""

from __future__ import annotations

import json
import math
from fractions import Fraction
from typing import Any

from hypothesis import given
from hypothesis import strategies as st
from snskit import HttpSink
from test_filter_policy import attrs, check

from ownstack.services.sns.filter_match import attribute_lookup, matches
from ownstack.services.sns.filter_policy import parse_policy


def test_five_digits_through_a_real_server(
    sns: Any, topic: Any, sink: HttpSink, confirmed_http: Any
) -> None:
    check(
        sns,
        topic,
        sink,
        confirmed_http,
        {"price": [100.123456789]},
        [
            (attrs(price=100.1234567), True),  # the documented example
            (attrs(price=100.12345), True),
            (attrs(price=100.123459999), True),
            (attrs(price=100.12346), False),
            (attrs(price=100.12344), False),
        ],
    )


def test_ranges_compare_five_digits_through_a_real_server(
    sns: Any, topic: Any, sink: HttpSink, confirmed_http: Any
) -> None:
    check(
        sns,
        topic,
        sink,
        confirmed_http,
        {"price": [{"numeric": [">", 1.000001, "<=", 2.5]}]},
        [
            (attrs(price=1.000009), False),  # 1.00000 is not > 1.00000
            (attrs(price=1.00001), True),
            (attrs(price=2.500009), True),  # 2.50000 <= 2.50000
            (attrs(price=2.50001), False),
        ],
    )


def _key(x: float) -> int:
    """The reference: exact rational value of the number's text, floored at 5 decimals."""
    return math.floor(Fraction(repr(float(x))) * 100_000)


def _matches(policy: dict[str, Any], value: float) -> bool:
    lookup = attribute_lookup({"n": {"DataType": "Number", "StringValue": repr(value)}})
    return matches(parse_policy(json.dumps(policy), "MessageAttributes"), lookup)


_NUMBERS = st.one_of(
    st.integers(-1_000_000_000, 1_000_000_000).map(float),
    st.floats(-1e9, 1e9, allow_nan=False),
    st.decimals(-1000, 1000, places=7, allow_nan=False, allow_infinity=False).map(float),
)


@given(policy_value=_NUMBERS, delta=st.integers(-3, 3), extra=st.integers(0, 99))
def test_equality_matches_the_reference(policy_value: float, delta: int, extra: int) -> None:
    # Message values near the policy's (the interesting ones): a few 1e-5 steps and sub-digits.
    value = float(Fraction(repr(policy_value)) + Fraction(delta, 100_000) + Fraction(extra, 10**7))
    expected = _key(value) == _key(policy_value)
    assert _matches({"n": [policy_value]}, value) is expected
    assert _matches({"n": [{"anything-but": [policy_value]}]}, value) is not expected


@given(low=_NUMBERS, high=_NUMBERS, value=_NUMBERS)
def test_ranges_match_the_reference(low: float, high: float, value: float) -> None:
    low, high = min(low, high), max(low, high)
    if low == high:
        return  # "Bottom must be less than top"
    policy = {"n": [{"numeric": [">=", low, "<", high]}]}
    expected = _key(low) <= _key(value) < _key(high)
    assert _matches(policy, value) is expected
    assert _matches({"n": [{"numeric": ["=", value]}]}, value) is True
