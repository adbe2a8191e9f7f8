"""Shapes as JSON (json and rest-json protocols): decoded JSON -> params, result -> JSON-ready
values. Timestamps are epoch seconds unless a member says otherwise; blobs are base64."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable, Mapping
from typing import Any

import msgspec
from botocore.model import ListShape, MapShape, Shape, StructureShape

from . import json_mismatch as mismatch
from .values import (
    FLOAT_TYPES,
    INTEGER_TYPES,
    BadInputError,
    format_timestamp,
    parse_text_timestamp,
    timestamp_format,
    to_datetime,
)

_fast_decode = msgspec.json.decode
_fast_encode = msgspec.json.encode


def decode_document(data: bytes) -> Any:
    """`json.loads(data)`, as fast as msgspec: msgspec decodes every document it accepts to
    the same values as json.loads (duplicate keys: the last; big integers exact), ~10x
    faster. What it refuses and json.loads may still accept (NaN, Infinity, out-of-range
    floats, a UTF-8 BOM, UTF-16 text, lone surrogates) goes to json.loads, which decides."""
    try:
        return _fast_decode(data)
    except Exception:  # noqa: S110 - json.loads below gives the answer, or the error
        pass
    try:
        return json.loads(data)
    except (ValueError, UnicodeDecodeError) as exc:
        raise BadInputError("Invalid JSON in request body") from exc


def from_json(shape: Shape, value: Any) -> Any:
    """A decoded JSON value interpreted as `shape` (type-checked as far as the shape says)."""
    if value is None:
        return None
    if isinstance(shape, StructureShape):
        if shape.metadata.get("document"):
            return value
        if not isinstance(value, dict):
            raise BadInputError(f"Expected an object for {shape.name}")
        return _struct_from_json(shape, value)
    if isinstance(shape, ListShape):
        if not isinstance(value, list):
            raise BadInputError(f"Expected a list for {shape.name}")
        return [from_json(shape.member, v) for v in value]
    if isinstance(shape, MapShape):
        if not isinstance(value, dict):
            raise BadInputError(f"Expected a map for {shape.name}")
        return {k: from_json(shape.value, v) for k, v in value.items()}
    return _scalar_from_json(shape, value)


def _struct_from_json(shape: StructureShape, value: Mapping[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for member_name, member in shape.members.items():
        wire = member.serialization.get("name", member_name)
        if wire in value and value[wire] is not None:
            out[member_name] = from_json(member, value[wire])
    return out


def _scalar_from_json(shape: Shape, value: Any) -> Any:
    return _scalar_of_kind(shape.type_name, value)


def _scalar_of_kind(kind: str, value: Any) -> Any:
    if kind == "blob":
        return _blob(value)
    if kind == "timestamp":
        if isinstance(value, int | float) and not isinstance(value, bool):
            return to_datetime(value)
        if isinstance(value, str):
            return parse_text_timestamp(value)
        raise BadInputError("Expected a timestamp")
    if kind == "boolean" and not isinstance(value, bool):
        raise BadInputError("Expected a boolean")
    if kind in INTEGER_TYPES and (isinstance(value, bool) or not isinstance(value, int)):
        raise BadInputError("Expected an integer")
    if kind in FLOAT_TYPES and (isinstance(value, bool) or not isinstance(value, int | float)):
        raise BadInputError("Expected a number")
    if kind == "string" and not isinstance(value, str):
        raise BadInputError("Expected a string")
    return value


Parse = Callable[[Any], Any]


class JsonParsers:
    """Decoded JSON -> params through parsers compiled once per shape: `from_json`'s values,
    without walking botocore shapes per value (DynamoDB items nest an AttributeValue structure
    per attribute, and the walk was most of a PutItem's decoding). One instance per service
    model: shapes are known by name, which is unique within a model. A member of the wrong JSON
    type is refused in AWS's words (json_mismatch.py); `namespace` is the Java package of the
    service's model that those words name (empty: shape names alone)."""

    def __init__(self, namespace: str = "", *, text_booleans: bool = False) -> None:
        self._namespace = namespace
        self._text_booleans = text_booleans
        """A boolean may be sent as text (DynamoDB's: see _text_boolean)."""
        self._cache: dict[tuple[str, bool], Parse] = {}

    def of(self, shape: Shape, as_value: bool = False) -> Parse:
        """The parser of `shape`: a decoded JSON value (or None) -> the value `from_json` gives.
        `as_value`: the value sits in a list or map, not in a structure's field (AWS words a
        misfit structure, list or map differently there)."""
        key = (shape.name, as_value)
        found = self._cache.get(key)
        if found is not None:
            return found
        # Recursive shapes reach this name again while it is built: point them at the result.
        slot: list[Parse] = []
        self._cache[key] = lambda value: slot[0](value)
        built = self._build(shape, as_value)
        slot.append(built)
        self._cache[key] = built
        return built

    def _build(self, shape: Shape, as_value: bool) -> Parse:
        if isinstance(shape, StructureShape):
            if shape.metadata.get("document"):
                return _same
            return self._structure(shape, as_value)
        if isinstance(shape, ListShape):
            return _list_parser(self.of(shape.member, True), as_value)
        if isinstance(shape, MapShape):
            java_map = mismatch.java_type(shape, self._namespace)
            return _map_parser(self.of(shape.value, True), java_map, as_value)
        if shape.type_name == "boolean" and self._text_booleans:
            return _text_boolean
        return _scalar_parser(shape.type_name)

    def _structure(self, shape: StructureShape, as_value: bool) -> Parse:
        entries = [
            (name, member.serialization.get("name", name), self.of(member))
            for name, member in shape.members.items()
        ]
        by_wire = {wire: (name, parse) for name, wire, parse in entries}
        single = len(by_wire) == len(entries)  # no two members share a wire name
        java_class = mismatch.java_type(shape, self._namespace)

        def parse(value: Any) -> Any:
            if value is None:
                return None
            if not isinstance(value, dict):
                raise mismatch.structure_mismatch(java_class, value, as_value)
            if single and len(value) == 1:
                # One member given (every AttributeValue): look it up rather than try each.
                ((wire, item),) = value.items()
                entry = by_wire.get(wire)
                if entry is None or item is None:
                    return {}
                return {entry[0]: entry[1](item)}
            out: dict[str, Any] = {}
            for member_name, wire, parse_member in entries:
                item = value.get(wire)
                if item is not None:
                    out[member_name] = parse_member(item)
            return out

        return parse


def _same(value: Any) -> Any:
    return value


def _list_parser(parse_member: Parse, as_value: bool) -> Parse:
    def parse(value: Any) -> Any:
        if value is None:
            return None
        if not isinstance(value, list):
            raise mismatch.list_mismatch(value, as_value)
        return [parse_member(v) for v in value]

    return parse


def _map_parser(parse_value: Parse, java_map: str, as_value: bool) -> Parse:
    def parse(value: Any) -> Any:
        if value is None:
            return None
        if not isinstance(value, dict):
            raise mismatch.map_mismatch(java_map, value, as_value)
        return {k: parse_value(v) for k, v in value.items()}

    return parse


def _scalar_parser(kind: str) -> Parse:
    """A scalar member's parser, None passing through as `from_json` lets it."""
    if kind == "string":
        return _string
    if kind == "blob":
        return _blob
    if kind == "boolean":
        return _boolean
    if kind in INTEGER_TYPES:
        return lambda value: _integer(kind, value)
    if kind == "timestamp" or kind in FLOAT_TYPES:
        return lambda value: None if value is None else _scalar_of_kind(kind, value)
    return _same


def _string(value: Any) -> Any:
    if value is None or isinstance(value, str):
        return value
    raise mismatch.scalar_mismatch("string", value)


def _boolean(value: Any) -> Any:
    if value is None or isinstance(value, bool):
        return value
    raise mismatch.scalar_mismatch("boolean", value)


_BOOLEAN_TEXTS = {"true": True, "1": True, "yes": True, "false": False, "0": False, "no": False}


def _text_boolean(value: Any) -> Any:
    """DynamoDB reads a boolean sent as text when the text is true/false, 1/0 or yes/no (any
    case: `{"NULL": "no"}` is a NULL that is not true, a ValidationException, recorded by
    dynalite's suite against DynamoDB); other text is a SerializationException."""
    if isinstance(value, str):
        found = _BOOLEAN_TEXTS.get(value.lower())
        if found is not None:
            return found
    return _boolean(value)


def _integer(kind: str, value: Any) -> Any:
    if value is None or (isinstance(value, int) and not isinstance(value, bool)):
        return value
    raise mismatch.scalar_mismatch(kind, value)


def _blob(value: Any) -> Any:
    if value is None:
        return None
    if not isinstance(value, str):
        raise mismatch.scalar_mismatch("blob", value)
    try:
        data = base64.b64decode(value, validate=True)
    except ValueError:  # binascii.Error is a ValueError
        raise mismatch.base64_mismatch(value) from None
    if len(value) % 4 == 0 and value[-2:].count("=") and base64.b64encode(data) != value.encode():
        # Bits past the last byte are not zero: AWS refuses what Python would let through.
        raise BadInputError("Invalid last non-pad Base64 character dectected")
    return data


Convert = Callable[[Any], Any]


class JsonConverters:
    """Result values -> JSON-ready data, through converters compiled once per shape (walking
    botocore shapes per response costs ~10 µs per message). A converter of None means the value
    is already JSON-ready (strings, numbers, booleans and lists/maps of them)."""

    def __init__(self) -> None:
        self._cache: dict[tuple[str, str, frozenset[str] | None], Convert | None] = {}

    def of(self, shape: Shape, only: frozenset[str] | None = None) -> Convert | None:
        """The converter for `shape` (structures: only the members in `only`, when given)."""
        key = (shape.name, repr(sorted(shape.serialization.items())), only)
        if key in self._cache:
            return self._cache[key]
        # Recursive shapes reach this key again while it is built: point them at the result.
        slot: list[Convert | None] = []
        self._cache[key] = lambda value: _apply(slot[0], value)
        built = self._build(shape, only)
        slot.append(built)
        self._cache[key] = built
        return built

    def _build(self, shape: Shape, only: frozenset[str] | None) -> Convert | None:
        if isinstance(shape, StructureShape):
            return None if shape.metadata.get("document") else self._structure(shape, only)
        if isinstance(shape, ListShape):
            item = self.of(shape.member)
            return None if item is None else (lambda values: [item(v) for v in values])
        if isinstance(shape, MapShape):
            val = self.of(shape.value)
            if val is None:
                return None
            return lambda entries: {str(k): val(v) for k, v in entries.items()}
        kind = shape.type_name
        if kind == "blob":
            return lambda v: base64.b64encode(
                v.encode() if isinstance(v, str) else bytes(v)
            ).decode()
        if kind == "timestamp":
            fmt = timestamp_format(shape, "unixtimestamp")
            return lambda v: format_timestamp(v, fmt)
        return None

    def _structure(self, shape: StructureShape, only: frozenset[str] | None) -> Convert:
        entries = [
            (name, member.serialization.get("name", name), self.of(member))
            for name, member in shape.members.items()
            if only is None or name in only
        ]

        by_name = {name: (wire, conv) for name, wire, conv in entries}

        def convert(value: Mapping[str, Any]) -> dict[str, Any]:
            if len(value) == 1:
                # One member set (every AttributeValue of an item): look it up rather than try
                # each member of the shape.
                ((name, item),) = value.items()
                entry = by_name.get(name)
                if entry is None or item is None:
                    return {}
                wire, conv = entry
                return {wire: item if conv is None else conv(item)}
            out: dict[str, Any] = {}
            for name, wire, conv in entries:
                item = value.get(name)
                if item is not None:
                    out[wire] = item if conv is None else conv(item)
            return out

        return convert


def _apply(conv: Convert | None, value: Any) -> Any:
    return value if conv is None else conv(value)


def to_json(converters: JsonConverters, shape: Shape, value: Any) -> Any:
    return _apply(converters.of(shape), value)


def encode_document(doc: Any) -> bytes:
    """Compact UTF-8 JSON, by msgspec (~20x faster than json.dumps here): the same bytes as
    json.dumps(separators=(",", ":"), ensure_ascii=False) for strings, integers, booleans,
    null, lists and objects; floats differ only in exponent spelling (1e16, not 1e+16). What
    msgspec refuses (str subclasses, lone surrogates, ...) goes to json.dumps, as before."""
    try:
        return _fast_encode(doc)
    except Exception:  # noqa: S110 - json.dumps below gives the answer, or the error
        pass
    return json.dumps(doc, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
