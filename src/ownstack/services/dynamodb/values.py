"""AttributeValues checked as DynamoDB checks them, and items stored as compact bytes.

Messages are AWS's, quirks included (the double space of "An string set  may not be empty",
the missing space of "[..]of type BS"), as recorded by dynalite's and moto's tests against
AWS. Empty S and B are valid since 2020, also inside sets, lists and maps:
https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/HowItWorks.NamingRulesDataTypes.html
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import msgspec

from .errors import INVALID, DynamoError, validation
from .expr.ast import AttributeValue, Item
from .numbers import format_number, parse_number

TYPES = ("S", "N", "B", "BOOL", "NULL", "M", "L", "SS", "NS", "BS")
"""The AttributeValue types, in the order DynamoDB checks the members of a value."""

MAX_DEPTH = 32
"""Nesting levels an item may have; a top-level attribute's value is level 1."""

NESTING_MESSAGE = (
    "Nesting Levels have exceeded supported limits: Attributes in the item have nested levels"
    " beyond supported limit"
)
EMPTY_MESSAGE = (
    "Supplied AttributeValue is empty, must contain exactly one of the supported datatypes"
)
MULTIPLE_MESSAGE = (
    "Supplied AttributeValue has more than one datatypes set, must contain exactly one of the"
    " supported datatypes"
)
_fast_encode = msgspec.json.encode
_fast_decode = msgspec.json.decode

# Messages that ExclusiveStartKey prefixes with "The provided starting key is invalid: "
# (dynalite's tests against AWS: empty values, more than one type, NULL false, empty SS and
# BS; not the others).
_STARTING_KEY_PREFIXED = frozenset(
    {
        EMPTY_MESSAGE,
        MULTIPLE_MESSAGE,
        INVALID + "Null attribute value types must have the value of true",
        INVALID + "An string set  may not be empty",
        INVALID + "Binary sets should not be empty",
    }
)


class _Invalid(Exception):
    """A bare AWS message, wrapped per parameter by `_raise`."""


def check_item(item: object, *, parameter: str = "Item") -> Item:
    """`item` (the wire's dict) validated: every AttributeValue has exactly one type, numbers
    valid (numbers.py) and normalised, sets non-empty and without duplicates, nesting depth at
    most 32, empty S/B allowed (keys are checked separately). Returns the item with numbers
    normalised. Raises ValidationException in AWS's words ("One or more parameter values were
    invalid: An string set  may not be empty", "Input collection [a, a] contains duplicates.",
    "Supplied AttributeValue is empty, must contain exactly one of the supported datatypes").

    `parameter` "ExclusiveStartKey" prefixes some messages as AWS does ("The provided starting
    key is invalid: ..."); other names leave them bare. The nesting message is bare: PutItem
    and UpdateItem wrap it in "1 validation error detected: " themselves."""
    if not isinstance(item, dict):
        raise _serialization("Start of structure or map found where not expected.")
    try:
        return {_name(name): _checked(value, 1) for name, value in item.items()}
    except _Invalid as invalid:
        raise _wrapped(str(invalid), parameter) from None


def check_value(value: object, *, parameter: str) -> AttributeValue:
    """One AttributeValue (an ExpressionAttributeValue, a legacy comparison value) checked the
    same way. `parameter` starting with ":" names an ExpressionAttributeValues key: messages
    then read "ExpressionAttributeValues contains invalid value: <message> for key :v"."""
    try:
        return _checked(value, 1)
    except _Invalid as invalid:
        raise _wrapped(str(invalid), parameter) from None


def _wrapped(message: str, parameter: str) -> DynamoError:
    if parameter.startswith(":"):
        return validation(
            f"ExpressionAttributeValues contains invalid value: {message} for key {parameter}"
        )
    if parameter == "ExclusiveStartKey" and message in _STARTING_KEY_PREFIXED:
        return validation("The provided starting key is invalid: " + message)
    return validation(message)


def _serialization(message: str) -> DynamoError:
    return DynamoError("SerializationException", message)


def _name(name: object) -> str:
    if not isinstance(name, str):
        raise _serialization("Unexpected value type in payload")
    return name


def _checked(value: object, depth: int) -> AttributeValue:
    """`value` checked at nesting `depth`; members set to null count as absent, as the wire's
    deserialiser drops them."""
    if depth > MAX_DEPTH:
        raise _Invalid(NESTING_MESSAGE)
    if not isinstance(value, dict):
        raise _serialization("Unexpected value type in payload")
    if len(value) == 1:
        # The usual value, one member: no need to try every type (same outcome as below).
        ((type_, raw),) = value.items()
        check = _CHECKS.get(type_)
        if check is not None and raw is not None:
            return {type_: check(raw, depth)}
    present = [type_ for type_ in TYPES if value.get(type_) is not None]
    if not present:
        raise _Invalid(EMPTY_MESSAGE)
    # AWS reports a bad member before the "more than one datatypes" error.
    checked = [_CHECKS[type_](value[type_], depth) for type_ in present]
    if len(present) > 1:
        raise _Invalid(MULTIPLE_MESSAGE)
    return {present[0]: checked[0]}


def _string(raw: object, depth: int) -> str:
    if not isinstance(raw, str):
        raise _serialization("Unexpected value type in payload")
    return raw


def _binary(raw: object, depth: int) -> bytes:
    if not isinstance(raw, (bytes, bytearray)):
        raise _serialization("Unexpected value type in payload")
    return bytes(raw)


def _number(raw: object, depth: int) -> str:
    return format_number(_decimal(raw))


def _decimal(raw: object) -> Decimal:
    if not isinstance(raw, str):
        raise _serialization("Unexpected value type in payload")
    try:
        return parse_number(raw)
    except DynamoError as error:
        raise _Invalid(error.message) from None


def _boolean(raw: object, depth: int) -> bool:
    if not isinstance(raw, bool):
        raise _serialization("Unexpected value type in payload")
    return raw


def _null(raw: object, depth: int) -> bool:
    if raw is not True:
        raise _Invalid(INVALID + "Null attribute value types must have the value of true")
    return True


def _map(raw: object, depth: int) -> Item:
    if not isinstance(raw, dict):
        raise _serialization("Unexpected value type in payload")
    return {_name(name): _checked(member, depth + 1) for name, member in raw.items()}


def _list(raw: object, depth: int) -> list[AttributeValue]:
    if not isinstance(raw, list):
        raise _serialization("Unexpected value type in payload")
    return [_checked(member, depth + 1) for member in raw]


def _members(raw: object) -> list[Any]:
    if not isinstance(raw, list):
        raise _serialization("Unexpected value type in payload")
    return raw


def _string_set(raw: object, depth: int) -> list[str]:
    members = [_string(member, depth) for member in _members(raw)]
    if not members:
        raise _Invalid(INVALID + "An string set  may not be empty")
    if len(set(members)) != len(members):
        raise _Invalid(INVALID + f"Input collection [{', '.join(members)}] contains duplicates.")
    return members


def _number_set(raw: object, depth: int) -> list[str]:
    members = _members(raw)
    if not members:
        raise _Invalid(INVALID + "An number set  may not be empty")
    numbers = [_decimal(member) for member in members]
    # Duplicates are numeric ("1" and "1.0" collide); AWS names no members here.
    if len(set(numbers)) != len(numbers):
        raise _Invalid("Input collection contains duplicates")
    return [format_number(number) for number in numbers]


def _binary_set(raw: object, depth: int) -> list[bytes]:
    members = [_binary(member, depth) for member in _members(raw)]
    if not members:
        raise _Invalid(INVALID + "Binary sets should not be empty")
    if len(set(members)) != len(members):
        shown = ", ".join(base64.b64encode(member).decode("ascii") for member in members)
        raise _Invalid(INVALID + f"Input collection [{shown}]of type BS contains duplicates.")
    return members


_CHECKS: dict[str, Callable[[object, int], Any]] = {
    "S": _string,
    "N": _number,
    "B": _binary,
    "BOOL": _boolean,
    "NULL": _null,
    "M": _map,
    "L": _list,
    "SS": _string_set,
    "NS": _number_set,
    "BS": _binary_set,
}

# -- storage ----------------------------------------------------------------------------------
# JSON, with B values as base64 text. Decoding knows them by shape: the only single-member
# objects whose member is "B" with a string (or "BS" with a list) are binary values, because a
# map's members are always objects. Lone surrogates in strings survive via "surrogatepass".


def encode_item(item: Item) -> bytes:
    """An item as stored on the meta port (compact; B values kept exactly)."""
    try:
        # The same bytes as the json.dumps below (msgspec writes bytes as base64 itself),
        # ~20x faster; a lone surrogate (UnicodeEncodeError) needs "surrogatepass" below.
        return _fast_encode(item)
    except Exception:  # noqa: S110 - the json module below gives the answer, or the error
        pass
    text = json.dumps(item, ensure_ascii=False, separators=(",", ":"), default=_bytes_as_text)
    return text.encode("utf-8", "surrogatepass")


def _bytes_as_text(value: object) -> str:
    if isinstance(value, (bytes, bytearray)):
        return base64.b64encode(value).decode("ascii")
    raise TypeError(f"not an AttributeValue member: {type(value).__name__}")


def decode_item(data: bytes) -> Item:
    """The item `encode_item` stored."""
    if b'"B' not in data:
        # No "B" or "BS" member anywhere, so _binary_back would change nothing: msgspec
        # decodes to the same values ~10x faster (it refuses encoded lone surrogates: below).
        try:
            fast: Item = _fast_decode(data)
            return fast
        except Exception:  # noqa: S110 - the json module below gives the answer, or the error
            pass
    item: Item = json.loads(data.decode("utf-8", "surrogatepass"), object_hook=_binary_back)
    return item


def _binary_back(obj: dict[str, Any]) -> dict[str, Any]:
    if len(obj) == 1:
        if isinstance(obj.get("B"), str):
            return {"B": base64.b64decode(obj["B"])}
        members = obj.get("BS")
        if isinstance(members, list):
            return {"BS": [base64.b64decode(member) for member in members]}
    return obj


# -- equality ---------------------------------------------------------------------------------


def equal(a: AttributeValue, b: AttributeValue) -> bool:
    """DynamoDB equality: same type and value; N compared numerically; sets unordered."""
    (type_a, raw_a), (type_b, raw_b) = _only(a), _only(b)
    if type_a != type_b:
        return False
    if type_a == "N":
        return Decimal(raw_a) == Decimal(raw_b)
    if type_a == "NS":
        return {Decimal(x) for x in raw_a} == {Decimal(x) for x in raw_b}
    if type_a in ("SS", "BS"):
        return len(raw_a) == len(raw_b) and set(raw_a) == set(raw_b)
    if type_a == "M":
        return raw_a.keys() == raw_b.keys() and all(equal(raw_a[k], raw_b[k]) for k in raw_a)
    if type_a == "L":
        return len(raw_a) == len(raw_b) and all(map(equal, raw_a, raw_b))
    return bool(raw_a == raw_b)


def _only(value: AttributeValue) -> tuple[str, Any]:
    """The (type, raw value) of a checked AttributeValue."""
    (pair,) = value.items()
    return pair


def value_type(value: AttributeValue) -> str:
    """The type of a checked AttributeValue ("S", "N", "M", ...)."""
    return _only(value)[0]
