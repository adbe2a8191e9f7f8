"""AttributeValue validation in AWS's words, storage round-trips and DynamoDB equality."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ownstack.services.dynamodb.errors import DynamoError
from ownstack.services.dynamodb.values import (
    check_item,
    check_value,
    decode_item,
    encode_item,
    equal,
)

INVALID = "One or more parameter values were invalid: "


def message_of(item: object, parameter: str = "Item") -> str:
    with pytest.raises(DynamoError) as excinfo:
        check_item(item, parameter=parameter)
    assert excinfo.value.code == "ValidationException"
    return excinfo.value.message


def test_valid_item_is_normalised() -> None:
    item = {
        "s": {"S": ""},
        "b": {"B": b""},
        "n": {"N": "-0015.7890e6"},
        "ns": {"NS": ["1.50", "2E+2"]},
        "ss": {"SS": ["", "a"]},
        "bs": {"BS": [b"", b"a"]},
        "m": {"M": {"x": {"N": "1.0"}, "l": {"L": [{"NULL": True}, {"BOOL": False}]}}},
    }
    checked = check_item(item)
    assert checked["n"] == {"N": "-15789000"}
    assert checked["ns"] == {"NS": ["1.5", "200"]}
    assert checked["m"] == {"M": {"x": {"N": "1"}, "l": {"L": [{"NULL": True}, {"BOOL": False}]}}}
    assert checked["s"] == {"S": ""}
    assert checked["bs"] == {"BS": [b"", b"a"]}


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (
            {},
            "Supplied AttributeValue is empty, must contain exactly one of the supported datatypes",
        ),
        (
            {"S": None},
            "Supplied AttributeValue is empty, must contain exactly one of the supported datatypes",
        ),
        (
            {"S": "a", "N": "1"},
            "Supplied AttributeValue has more than one datatypes set, must contain exactly one of"
            " the supported datatypes",
        ),
        ({"NULL": False}, INVALID + "Null attribute value types must have the value of true"),
        ({"SS": []}, INVALID + "An string set  may not be empty"),
        ({"NS": []}, INVALID + "An number set  may not be empty"),
        ({"BS": []}, INVALID + "Binary sets should not be empty"),
        ({"SS": ["a", "a"]}, INVALID + "Input collection [a, a] contains duplicates."),
        (
            {"BS": [b"b", b"b"]},
            INVALID + "Input collection [Yg==, Yg==]of type BS contains duplicates.",
        ),
        ({"NS": ["1", "1.0"]}, "Input collection contains duplicates"),
        ({"N": "b"}, "The parameter cannot be converted to a numeric value: b"),
        ({"NS": ["1", "b"]}, "The parameter cannot be converted to a numeric value: b"),
        ({"S": "a", "N": "b"}, "The parameter cannot be converted to a numeric value: b"),
        (
            {"N": "1e126"},
            "Number overflow. Attempting to store a number with magnitude larger than supported"
            " range",
        ),
        ({"M": {"x": {"L": [{"SS": []}]}}}, INVALID + "An string set  may not be empty"),
    ],
)
def test_invalid_values(value: dict[str, Any], message: str) -> None:
    assert message_of({"a": value}) == message


def test_expression_attribute_value_messages_name_the_key() -> None:
    with pytest.raises(DynamoError) as excinfo:
        check_value({"SS": []}, parameter=":v")
    assert excinfo.value.message == (
        "ExpressionAttributeValues contains invalid value: "
        + INVALID
        + "An string set  may not be empty for key :v"
    )
    assert check_value({"N": "01"}, parameter=":v") == {"N": "1"}


def test_exclusive_start_key_prefix() -> None:
    assert message_of({"a": {}}, "ExclusiveStartKey") == (
        "The provided starting key is invalid: Supplied AttributeValue is empty, must contain"
        " exactly one of the supported datatypes"
    )
    assert message_of({"a": {"SS": ["a", "a"]}}, "ExclusiveStartKey") == (
        INVALID + "Input collection [a, a] contains duplicates."
    )


def nested(depth: int) -> dict[str, Any]:
    """A value whose leaf sits `depth` levels below it (alternating maps and lists)."""
    value: dict[str, Any] = {"S": "leaf"}
    for level in range(depth):
        value = {"M": {"n": value}} if level % 2 else {"L": [value]}
    return value


def test_nesting_limit_is_32_levels() -> None:
    check_item({"a": nested(31)})  # leaf at level 32
    assert message_of({"a": nested(32)}) == (
        "Nesting Levels have exceeded supported limits: Attributes in the item have nested"
        " levels beyond supported limit"
    )


# -- storage ----------------------------------------------------------------------------------

scalars = st.one_of(
    st.builds(lambda x: {"S": x}, st.text(max_size=10)),
    st.builds(
        lambda x: {"N": x}, st.decimals(allow_nan=False, allow_infinity=False, places=5).map(str)
    ),
    st.builds(lambda x: {"B": x}, st.binary(max_size=16)),
    st.builds(lambda x: {"BOOL": x}, st.booleans()),
    st.just({"NULL": True}),
    st.builds(lambda x: {"SS": sorted(x)}, st.sets(st.text(max_size=5), min_size=1, max_size=3)),
    st.builds(lambda x: {"BS": sorted(x)}, st.sets(st.binary(max_size=5), min_size=1, max_size=3)),
)
values = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.builds(lambda x: {"L": x}, st.lists(inner, max_size=3)),
        st.builds(
            lambda x: {"M": x},
            st.dictionaries(st.sampled_from(["B", "BS", "S", "x"]), inner, max_size=3),
        ),
    ),
    max_leaves=8,
)
items = st.dictionaries(st.sampled_from(["B", "BS", "M", "id", "é"]), values, max_size=4)


@given(items)
def test_encode_round_trips(item: dict[str, Any]) -> None:
    encoded = encode_item(item)
    assert isinstance(encoded, bytes)
    assert decode_item(encoded) == item


def test_encoding_is_compact() -> None:
    item: dict[str, dict[str, Any]] = {"id": {"S": "a"}, "blob": {"B": b"\xff\xfe"}}
    assert encode_item(item) == b'{"id":{"S":"a"},"blob":{"B":"//4="}}'


# -- equality ---------------------------------------------------------------------------------


def test_equal() -> None:
    assert equal({"N": "1"}, {"N": "1.0"})
    assert not equal({"N": "1"}, {"S": "1"})
    assert equal({"SS": ["a", "b"]}, {"SS": ["b", "a"]})
    assert not equal({"SS": ["a", "b"]}, {"SS": ["a"]})
    assert equal({"NS": ["1", "2.0"]}, {"NS": ["2", "1"]})
    assert equal({"BS": [b"a", b"b"]}, {"BS": [b"b", b"a"]})
    assert equal({"M": {"a": {"N": "1"}}}, {"M": {"a": {"N": "1.00"}}})
    assert not equal({"M": {"a": {"N": "1"}}}, {"M": {"b": {"N": "1"}}})
    assert equal({"L": [{"N": "1"}, {"S": "x"}]}, {"L": [{"N": "1.0"}, {"S": "x"}]})
    assert not equal({"L": [{"S": "x"}, {"N": "1"}]}, {"L": [{"N": "1"}, {"S": "x"}]})
    assert equal({"B": b"x"}, {"B": b"x"})
    assert equal({"NULL": True}, {"NULL": True})
    assert not equal({"BOOL": True}, {"BOOL": False})


@given(
    st.decimals(allow_nan=False, allow_infinity=False),
    st.decimals(allow_nan=False, allow_infinity=False),
)
def test_numbers_equal_numerically(x: Decimal, y: Decimal) -> None:
    assert equal({"N": str(x)}, {"N": str(y)}) == (x == y)


@pytest.mark.parametrize(
    ("text", "stored"),
    [
        ("0009.99999999999999999999999999999999999990000e125", "9" * 38 + "0" * 88),
        ("-0009.99999999999999999999999999999999999990000e125", "-" + "9" * 38 + "0" * 88),
        ("0001.000e-130", "0." + "0" * 129 + "1"),
        (
            "-00001.23456789012345678901234567890123456780000",
            "-1.2345678901234567890123456789012345678",
        ),
    ],
)
def test_the_largest_and_smallest_numbers_are_stored_whole(text: str, stored: str) -> None:
    # The limits themselves, with 38 digits: nothing is rounded to the default 28.
    assert check_item({"n": {"N": text}})["n"] == {"N": stored}
