"""Message attributes: validation as SQS does it, the MD5 digests SDKs check, and the opaque
encoding kept beside each message in the queue port."""

from __future__ import annotations

import hashlib
import re
import struct
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

import msgspec

from .errors import invalid_parameter

MAX_ATTRIBUTES = 10
_NAME = re.compile(r"[\w.-]{1,256}")
_TYPE = re.compile(r"(String|Number|Binary)(\.[\x20-\x7e]+)?")
_STRING, _BINARY = 1, 2
INVALID_CHAR = re.compile("[^\x09\x0a\x0d\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
"""What a message body and a String attribute's value may not contain (XML 1.0's characters)."""


class Attribute(msgspec.Struct, array_like=True, frozen=True):
    name: str
    data_type: str
    text: str | None = None
    binary: bytes | None = None

    @property
    def value(self) -> str | bytes:
        return self.text if self.text is not None else (self.binary or b"")


class Stored(msgspec.Struct, array_like=True, frozen=True):
    """What the queue port keeps as a message's `attributes` bytes."""

    attributes: list[Attribute] = []
    sender_id: str = ""
    trace_header: str | None = None


_ENCODER = msgspec.msgpack.Encoder()
_DECODER = msgspec.msgpack.Decoder(Stored)


def encode_stored(stored: Stored) -> bytes:
    return _ENCODER.encode(stored)


def decode_stored(raw: bytes) -> Stored:
    return _DECODER.decode(raw) if raw else Stored()


def parse_attributes(given: Mapping[str, Any] | None) -> list[Attribute]:
    """The user's message attributes, validated (InvalidParameterValue), sorted by name."""
    if not given:
        return []
    if len(given) > MAX_ATTRIBUTES:
        raise invalid_parameter(
            f"Number of message attributes [{len(given)}] exceeds the allowed maximum "
            f"[{MAX_ATTRIBUTES}]."
        )
    return [_parse_one(name, given[name], "user") for name in sorted(given)]


def parse_trace_header(given: Mapping[str, Any] | None) -> str | None:
    """The AWSTraceHeader message system attribute (the only one SQS accepts)."""
    if not given:
        return None
    for name in given:
        if name != "AWSTraceHeader":
            raise invalid_parameter(
                f"Message system attribute name '{name}' is invalid. Only 'AWSTraceHeader' is "
                "supported."
            )
    attr = _parse_one("AWSTraceHeader", given["AWSTraceHeader"], "system")
    if attr.data_type != "String" or not isinstance(attr.value, str):
        raise invalid_parameter(
            "The message system attribute AWSTraceHeader must be of type 'String'."
        )
    return attr.value


def _parse_one(name: str, value: Mapping[str, Any], kind: str) -> Attribute:
    _check_name(name)
    data_type = value.get("DataType") or ""
    if not data_type:
        raise invalid_parameter(
            f"The message attribute '{name}' must contain non-empty message attribute type."
        )
    if len(data_type) > 256 or not _TYPE.fullmatch(data_type):
        raise invalid_parameter(
            f"The type of message ({kind}) attribute '{name}' is invalid. You must use only the "
            "following supported type prefixes: Binary, Number, String."
        )
    base = data_type.split(".", 1)[0]
    if base == "Binary":
        raw = value.get("BinaryValue")
        if not raw:
            raise _empty_value(name, kind, base)
        return Attribute(name, data_type, binary=bytes(raw))
    text = value.get("StringValue")
    if not text:
        raise _empty_value(name, kind, base)
    if base == "Number":
        _check_number(name, text, kind)
    bad = INVALID_CHAR.search(text)
    if bad is not None:  # a String value has the body's restrictions (SendMessage's reference)
        raise invalid_parameter(
            f"Invalid binary character '#x{ord(bad.group()):X}' was found in the value of message "
            f"({kind}) attribute '{name}', the set of allowed characters is #x9 | #xA | #xD | "
            "#x20 to #xD7FF | #xE000 to #xFFFD | #x10000 to #x10FFFF"
        )
    return Attribute(name, data_type, text=text)


def _check_name(name: str) -> None:
    reserved = name.lower().startswith(("aws.", "amazon."))
    dotted = name.startswith(".") or name.endswith(".") or ".." in name
    if reserved or dotted or not _NAME.fullmatch(name):
        raise invalid_parameter(
            f"Message attribute name '{name}' is invalid. A name can contain alphanumeric "
            "characters, hyphens, underscores and periods, cannot start or end with a period, "
            "cannot have two periods in a row, cannot start with 'AWS.' or 'Amazon.', and can be "
            "up to 256 characters long."
        )


def _empty_value(name: str, kind: str, base: str) -> Exception:
    return invalid_parameter(
        f"Message ({kind}) attribute '{name}' must contain a non-empty value of type '{base}'."
    )


def _check_number(name: str, text: str, kind: str) -> None:
    try:
        number = Decimal(text)
    except InvalidOperation:
        number = None
    if number is None or not number.is_finite() or len(number.as_tuple().digits) > 38:
        raise invalid_parameter(
            f"Can't cast the value of message ({kind}) attribute '{name}' to a number."
        )
    if number != 0 and not Decimal("1e-128") <= abs(number) <= Decimal("1e126"):
        raise invalid_parameter(
            f"Value of message ({kind}) attribute '{name}' is out of the allowed range."
        )


def attributes_size(attrs: list[Attribute]) -> int:
    """What the attributes count toward the message size: name, type and value bytes."""
    total = 0
    for attr in attrs:
        value = attr.value.encode() if isinstance(attr.value, str) else attr.value
        total += len(attr.name.encode()) + len(attr.data_type.encode()) + len(value)
    return total


def md5_of_attributes(attrs: list[Attribute]) -> str:
    """MD5OfMessageAttributes as SQS computes it: per attribute in name order, the name, the
    type (each as a 4-byte big-endian length + UTF-8), a transport byte (1 string, 2 binary)
    and the value, length-prefixed."""
    digest = hashlib.md5(usedforsecurity=False)
    for attr in sorted(attrs, key=lambda a: a.name):
        digest.update(_prefixed(attr.name.encode()))
        digest.update(_prefixed(attr.data_type.encode()))
        if isinstance(attr.value, str):
            digest.update(bytes([_STRING]) + _prefixed(attr.value.encode()))
        else:
            digest.update(bytes([_BINARY]) + _prefixed(attr.value))
    return digest.hexdigest()


def _prefixed(data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + data


def md5_of_trace_header(trace_header: str) -> str:
    return md5_of_attributes([Attribute("AWSTraceHeader", "String", text=trace_header)])


def md5_of_body(body: str) -> str:
    return hashlib.md5(body.encode(), usedforsecurity=False).hexdigest()


def to_wire(attrs: list[Attribute]) -> dict[str, dict[str, Any]]:
    """The MessageAttributes member of a received message."""
    out: dict[str, dict[str, Any]] = {}
    for attr in attrs:
        key = "StringValue" if isinstance(attr.value, str) else "BinaryValue"
        out[attr.name] = {"DataType": attr.data_type, key: attr.value}
    return out


def select(attrs: list[Attribute], names: list[str] | None) -> list[Attribute]:
    """The attributes MessageAttributeNames asks for: "All" / "*" / ".*", "prefix.*", exact
    names."""
    if not names or not attrs:
        return []
    if "All" in names or "*" in names or ".*" in names:
        return attrs
    exact = {n for n in names if not n.endswith(".*")}
    prefixes = tuple(n[:-2] for n in names if n.endswith(".*"))  # "Hel.*" takes "Hello" too
    return [a for a in attrs if a.name in exact or (prefixes and a.name.startswith(prefixes))]
