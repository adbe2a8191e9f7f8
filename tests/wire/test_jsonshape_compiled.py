"""The compiled JSON parsers and the msgspec document codec give exactly what the reference
paths give: `JsonParsers` what `from_json` gives (values and errors), `decode_document` what
json.loads gives, `encode_document` the bytes json.dumps gives (floats aside: same values)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from botocore.model import ListShape, MapShape, Shape, StructureShape
from hypothesis import given, settings
from hypothesis import strategies as st

from ownstack.wire.jsonshape import JsonParsers, decode_document, encode_document, from_json
from ownstack.wire.services import load_model
from ownstack.wire.values import BadInputError

JSON_SERVICES = ("dynamodb", "sqs", "dynamodbstreams")

_ODD = st.sampled_from([None, 1, -2, 1.5, "x", "", True, False, [], {}, [1], {"a": 1}])
_SCALAR = {
    "string": st.text(max_size=5),
    "blob": st.sampled_from(["aGk=", "", "!!", "aGk", 3]),
    "boolean": st.booleans(),
    "integer": st.integers(-5, 5),
    "long": st.integers(-(2**70), 2**70),
    "double": st.floats(allow_nan=False),
    "float": st.integers(0, 3),
    "timestamp": st.sampled_from([1.5, 0, "2020-01-01T00:00:00Z", "nope", True]),
}


def _doc(shape: Shape, depth: int = 0) -> st.SearchStrategy[Any]:
    """Documents roughly of `shape`, with wrong types, nulls and unknown members mixed in."""
    if depth > 5:
        return _ODD
    right: st.SearchStrategy[Any]
    if isinstance(shape, StructureShape):
        members = {
            m.serialization.get("name", name): _doc(m, depth + 1)
            for name, m in list(shape.members.items())[:12]
        }
        right = st.fixed_dictionaries({}, optional={**members, "Unknown": _ODD})
    elif isinstance(shape, ListShape):
        right = st.lists(_doc(shape.member, depth + 1), max_size=3)
    elif isinstance(shape, MapShape):
        right = st.dictionaries(st.text(max_size=3), _doc(shape.value, depth + 1), max_size=3)
    else:
        right = _SCALAR.get(shape.type_name, st.text(max_size=3))
    return st.one_of(right, right, right, _ODD)


def _outcome(parse: Any) -> tuple[str, Any]:
    try:
        return "ok", parse()
    except BadInputError as exc:
        return "error", exc.message


def _input_shapes() -> list[tuple[str, StructureShape, JsonParsers]]:
    found = []
    for service in JSON_SERVICES:
        model = load_model(service)
        parsers = JsonParsers()
        for name in model.operation_names:
            shape = model.operation_model(name).input_shape
            if shape is not None:
                found.append((f"{service}.{name}", shape, parsers))
    return found


@pytest.mark.parametrize(
    ("name", "shape", "parsers"), _input_shapes(), ids=lambda v: v if isinstance(v, str) else ""
)
@settings(max_examples=25, deadline=None)
@given(data=st.data())
def test_compiled_parser_is_from_json(
    name: str, shape: StructureShape, parsers: JsonParsers, data: st.DataObject
) -> None:
    doc = data.draw(_doc(shape))
    expected = _outcome(lambda: from_json(shape, doc))
    got = _outcome(lambda: parsers.of(shape)(doc))
    # Both refuse the same documents (in words of their own) and accept them as the same values.
    assert got[0] == expected[0]
    if expected[0] == "ok":
        assert got == expected
    if expected[0] == "ok" and isinstance(expected[1], dict):
        assert list(got[1]) == list(expected[1])  # members in the shape's order


def test_attribute_value_fast_path_keeps_the_checks() -> None:
    model = load_model("dynamodb")
    shape = model.operation_model("PutItem").input_shape
    parse = JsonParsers().of(shape)
    doc = {"TableName": "t", "Item": {"a": {"B": "aGk="}, "b": {"S": None}, "c": {"X": 1}}}
    assert parse(doc)["Item"] == {"a": {"B": b"hi"}, "b": {}, "c": {}}
    with pytest.raises(BadInputError, match=r"^NUMBER_VALUE cannot be converted to String$"):
        parse({"TableName": "t", "Item": {"a": {"S": 1}}})
    with pytest.raises(BadInputError, match=r"^only base-64-encoded strings are convertible"):
        parse({"TableName": "t", "Item": {"a": {"B": 1}}})
    with pytest.raises(BadInputError, match=r"^Unexpected value type in payload$"):
        parse({"TableName": "t", "Item": {"a": "text"}})


_JSON = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**80), 2**80)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=20,
)


@given(_JSON)
def test_decode_document_is_json_loads(value: Any) -> None:
    text = json.dumps(value, ensure_ascii=False)
    for data in (text.encode("utf-8"), json.dumps(value).encode("ascii")):
        assert decode_document(data) == json.loads(data)


@pytest.mark.parametrize(
    "data",
    [
        b"NaN",
        b"[Infinity, -Infinity]",
        b'{"a": 1e400}',
        b'"\\ud800"',
        b'\xef\xbb\xbf{"a": 1}',
        '{"a": "\u00e9"}'.encode("utf-16"),
        b'{"a": 1, "a": 2}',
        b"123456789012345678901234567890",
    ],
)
def test_decode_document_accepts_what_json_loads_accepts(data: bytes) -> None:
    decoded, expected = decode_document(data), json.loads(data)
    assert repr(decoded) == repr(expected)


@pytest.mark.parametrize("data", [b"", b"{", b"[1,]", b'{"a": "\x01"}', b'"\xff"', b"{} x"])
def test_decode_document_refuses_what_json_loads_refuses(data: bytes) -> None:
    with pytest.raises(BadInputError, match="Invalid JSON in request body"):
        decode_document(data)


_NO_FLOATS = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**80), 2**80) | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=20,
)


def _reference(doc: Any) -> bytes:
    return json.dumps(doc, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


@given(_NO_FLOATS)
def test_encode_document_is_json_dumps(doc: Any) -> None:
    try:
        expected = _reference(doc)
    except UnicodeEncodeError:
        with pytest.raises(UnicodeEncodeError):
            encode_document(doc)
        return
    assert encode_document(doc) == expected


@given(st.floats(allow_nan=False, allow_infinity=False))
def test_encode_document_floats_keep_their_value(value: float) -> None:
    assert json.loads(encode_document({"v": value}))["v"] == value


def test_encode_document_falls_back_for_what_msgspec_refuses() -> None:
    class Name(str):
        pass

    assert encode_document({"a": Name("x")}) == b'{"a":"x"}'
    with pytest.raises(UnicodeEncodeError):
        encode_document({"a": "\ud800"})
