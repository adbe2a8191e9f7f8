"""Key encodings sort in DynamoDB's order, are prefix-free and round-trip; key checks speak
AWS's words."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ownstack.services.dynamodb.errors import DynamoError
from ownstack.services.dynamodb.keys import (
    check_key,
    decode_scalar,
    encode_scalar,
    item_key,
    partition_prefix,
    split_key,
)
from ownstack.services.dynamodb.numbers import format_number


def utf8(text: str) -> bytes:
    return text.encode("utf-8")


texts = st.text(st.characters(exclude_categories=["Cs"]), max_size=20)
blobs = st.binary(max_size=20)
# Numbers across DynamoDB's whole range: up to 38 digits, exponents -130..125.
numbers = st.builds(
    lambda sign, digits, exponent: Decimal((sign, tuple(digits), exponent)),
    st.integers(0, 1),
    st.lists(st.integers(0, 9), min_size=1, max_size=38).filter(lambda d: d[0] != 0),
    st.integers(-130, 88),
).map(lambda n: Decimal(format_number(n)))


def s(value: str) -> dict[str, Any]:
    return {"S": value}


def b(value: bytes) -> dict[str, Any]:
    return {"B": value}


def n(value: Decimal) -> dict[str, Any]:
    return {"N": format_number(value)}


def order(x: Any, y: Any) -> int:
    return int(x > y) - int(x < y)


def meta_order(x: str, y: str) -> int:
    return order(utf8(x), utf8(y))


@given(texts, texts)
def test_strings_sort_by_utf8_bytes(x: str, y: str) -> None:
    assert meta_order(encode_scalar(s(x)), encode_scalar(s(y))) == order(utf8(x), utf8(y))


@given(blobs, blobs)
def test_binaries_sort_by_unsigned_bytes(x: bytes, y: bytes) -> None:
    assert meta_order(encode_scalar(b(x)), encode_scalar(b(y))) == order(x, y)


@given(numbers, numbers)
def test_numbers_sort_numerically(x: Decimal, y: Decimal) -> None:
    assert meta_order(encode_scalar(n(x)), encode_scalar(n(y))) == order(x, y)


def test_number_order_across_signs_and_exponents() -> None:
    longest = "1234567890123456789012345678901234567"
    ordered = [
        "-9.9999999999999999999999999999999999999e125",
        "-1e10",
        "-5",
        "-0.5",
        f"-0.{longest}9",
        f"-0.{longest}8",
        "-1e-130",
        "0",
        "1e-130",
        "1",
        f"1.{longest}8",
        f"1.{longest}9",
        "1.5",
        "10",
        "9.9999999999999999999999999999999999999e125",
    ]
    encoded = [encode_scalar(n(Decimal(x))) for x in ordered]
    assert sorted(encoded, key=utf8) == encoded
    decoded = [Decimal(decode_scalar(key, "N")[0]["N"]) for key in encoded]
    assert decoded == [Decimal(x) for x in ordered]


@given(texts, texts, texts, texts)
def test_string_composite_keys_sort_by_partition_then_sort(
    p1: str, s1: str, p2: str, s2: str
) -> None:
    k1, k2 = item_key(s(p1), s(s1)), item_key(s(p2), s(s2))
    assert meta_order(k1, k2) == order((utf8(p1), utf8(s1)), (utf8(p2), utf8(s2)))


@given(numbers, blobs, numbers, blobs)
def test_mixed_composite_keys_sort_by_partition_then_sort(
    p1: Decimal, s1: bytes, p2: Decimal, s2: bytes
) -> None:
    k1, k2 = item_key(n(p1), b(s1)), item_key(n(p2), b(s2))
    assert meta_order(k1, k2) == order((p1, s1), (p2, s2))


@given(blobs, numbers, texts)
def test_partition_prefix_starts_exactly_its_partitions_keys(
    p: bytes, sort: Decimal, other: str
) -> None:
    key = item_key(b(p), n(sort))
    assert key.startswith(partition_prefix(b(p)))
    foreign = item_key(b(p + b"\x00"), n(sort))
    assert not foreign.startswith(partition_prefix(b(p)))


@given(texts, blobs, numbers)
def test_round_trip(text: str, blob: bytes, number: Decimal) -> None:
    for value, type_ in ((s(text), "S"), (b(blob), "B"), (n(number), "N")):
        decoded, rest = decode_scalar(encode_scalar(value) + "tail", type_)
        assert (decoded, rest) == (value, "tail")


@given(numbers, texts)
def test_split_key(p: Decimal, sort: str) -> None:
    assert split_key(item_key(n(p), s(sort)), "N", "S") == (n(p), s(sort))
    assert split_key(item_key(n(p), None), "N", None) == (n(p), None)


@given(st.one_of(texts.map(s), blobs.map(b), numbers.map(n)))
def test_no_nul_or_surrogate(value: dict[str, object]) -> None:
    encoded = encode_scalar(value)
    assert "\x00" not in encoded
    encoded.encode("utf-8")  # no surrogates


def test_readable_ascii_strings() -> None:
    assert encode_scalar(s("user#1")) == "user#1\x01\x01"


# -- check_key --------------------------------------------------------------------------------

PK = ("pk", "S")
SK = ("sk", "N")


def message(excinfo: pytest.ExceptionInfo[DynamoError]) -> str:
    assert excinfo.value.code == "ValidationException"
    return excinfo.value.message


def test_item_key_values() -> None:
    item: dict[str, dict[str, Any]] = {"pk": s("a"), "sk": {"N": "1"}, "x": s("y")}
    assert check_key(item, PK, SK, parameter="Item") == (s("a"), {"N": "1"})
    assert check_key(item, PK, None, parameter="Item") == (s("a"), None)


def test_item_missing_key() -> None:
    with pytest.raises(DynamoError) as excinfo:
        check_key({"pk": s("a")}, PK, SK, parameter="Item")
    assert message(excinfo) == (
        "One or more parameter values were invalid: Missing the key sk in the item"
    )


def test_item_type_mismatch() -> None:
    with pytest.raises(DynamoError) as excinfo:
        check_key({"pk": {"N": "1"}}, PK, None, parameter="Item")
    assert message(excinfo) == (
        "One or more parameter values were invalid: Type mismatch for key pk expected: S actual: N"
    )


@pytest.mark.parametrize(("value", "kind"), [(s(""), "string"), (b(b""), "binary")], ids=["S", "B"])
def test_empty_key_value(value: dict[str, object], kind: str) -> None:
    schema = ("pk", "S" if "S" in value else "B")
    for parameter in ("Item", "Key"):
        with pytest.raises(DynamoError) as excinfo:
            check_key({"pk": value}, schema, None, parameter=parameter)
        assert message(excinfo) == (
            "One or more parameter values are not valid. The AttributeValue for a key attribute"
            f" cannot contain an empty {kind} value. Key: pk"
        )


@pytest.mark.parametrize(
    "key",
    [
        {},
        {"pk": s("a")},
        {"pk": s("a"), "sk": {"N": "1"}, "x": s("b")},
        {"pk": s("a"), "sk": s("1")},
        {"pk": s("a"), "other": {"N": "1"}},
    ],
)
def test_key_parameter_mismatch(key: dict[str, dict[str, object]]) -> None:
    with pytest.raises(DynamoError) as excinfo:
        check_key(key, PK, SK, parameter="Key")
    assert message(excinfo) == "The provided key element does not match the schema"
    with pytest.raises(DynamoError) as excinfo:
        check_key(key, PK, SK, parameter="ExclusiveStartKey")
    assert message(excinfo) == (
        "The provided starting key is invalid: The provided key element does not match the schema"
    )


def test_key_sizes() -> None:
    check_key({"pk": s("é" * 1024)}, PK, None, parameter="Item")  # 2048 bytes: fits
    with pytest.raises(DynamoError) as excinfo:
        check_key({"pk": s("é" * 1024 + "a")}, PK, None, parameter="Key")
    assert message(excinfo) == (
        "One or more parameter values were invalid: Size of hashkey has exceeded the maximum"
        " size limit of2048 bytes"
    )
    sort = ("sk", "B")
    check_key({"pk": s("a"), "sk": b(b"x" * 1024)}, PK, sort, parameter="Item")
    with pytest.raises(DynamoError) as excinfo:
        check_key({"pk": s("a"), "sk": b(b"x" * 1025)}, PK, sort, parameter="Item")
    assert message(excinfo) == (
        "One or more parameter values were invalid: Aggregated size of all range keys has"
        " exceeded the size limit of 1024 bytes"
    )
