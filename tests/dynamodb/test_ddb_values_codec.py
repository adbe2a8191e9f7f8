"""The stored-item codec's fast paths (msgspec) write and read exactly what the json module
path writes and reads: the same bytes, the same items, B and BS back as bytes, lone
surrogates kept; and AttributeValue checks keep their outcome on the one-member fast path."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ownstack.services.dynamodb.errors import DynamoError
from ownstack.services.dynamodb.values import _binary_back, check_item, decode_item, encode_item


def _json_encode(item: Any) -> bytes:
    def blobs(value: object) -> str:
        assert isinstance(value, bytes | bytearray)
        return base64.b64encode(value).decode("ascii")

    text = json.dumps(item, ensure_ascii=False, separators=(",", ":"), default=blobs)
    return text.encode("utf-8", "surrogatepass")


def _json_decode(data: bytes) -> Any:
    return json.loads(data.decode("utf-8", "surrogatepass"), object_hook=_binary_back)


_NAMES = st.text(max_size=6) | st.sampled_from(["B", "BS", "Bob", "x"])
_TEXT = st.text(max_size=12) | st.sampled_from(["\ud800", "a\udfffb", '"B', "é€😀"])
_VALUE = st.recursive(
    st.builds(lambda s: {"S": s}, _TEXT)
    | st.builds(lambda b: {"B": b}, st.binary(max_size=8))
    | st.builds(lambda n: {"N": str(n)}, st.integers())
    | st.builds(lambda b: {"BOOL": b}, st.booleans())
    | st.just({"NULL": True})
    | st.builds(lambda s: {"SS": sorted(s)}, st.sets(_TEXT, min_size=1, max_size=3))
    | st.builds(
        lambda s: {"BS": sorted(s)}, st.sets(st.binary(max_size=4), min_size=1, max_size=3)
    ),
    lambda inner: (
        st.builds(lambda m: {"M": m}, st.dictionaries(_NAMES, inner, max_size=3))
        | st.builds(lambda v: {"L": v}, st.lists(inner, max_size=3))
    ),
    max_leaves=8,
)
_ITEMS = st.dictionaries(_NAMES, _VALUE, max_size=5)


@given(_ITEMS)
def test_stored_bytes_are_the_json_modules(item: dict[str, Any]) -> None:
    encoded = encode_item(item)
    assert encoded == _json_encode(item)
    assert decode_item(encoded) == _json_decode(encoded) == item


def test_binary_values_come_back_as_bytes() -> None:
    item: dict[str, Any] = {"Bob": {"S": "x"}, "b": {"B": b"\x00\xff"}, "s": {"BS": [b"a", b""]}}
    assert decode_item(encode_item(item)) == item
    assert isinstance(decode_item(encode_item(item))["b"]["B"], bytes)


def test_lone_surrogates_survive() -> None:
    item = {"k\udc80": {"S": "\ud800"}}
    assert encode_item(item) == _json_encode(item)
    assert decode_item(encode_item(item)) == item


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ({"S": 1}, "SerializationException"),
        ({"X": "a"}, "ValidationException"),
        ({"S": None}, "ValidationException"),
        ({"NULL": False}, "ValidationException"),
        ({"N": "1", "S": "a"}, "ValidationException"),
        ({"N": "x"}, "ValidationException"),
        ({"SS": []}, "ValidationException"),
    ],
)
def test_one_member_values_are_checked_as_before(value: dict[str, Any], code: str) -> None:
    with pytest.raises(DynamoError) as caught:
        check_item({"a": value})
    assert caught.value.code == code


def test_numbers_are_normalised_on_the_fast_path() -> None:
    assert check_item({"n": {"N": "01.50"}}) == {"n": {"N": "1.5"}}
