"""Primary and index keys as meta-port keys whose UTF-8 byte order is DynamoDB's order:
N numerically, S by UTF-8 bytes, B by unsigned bytes, and each partition's items contiguous.

Every encoding is prefix-free (it ends in a terminator that cannot occur inside it), so
`encode(p) + encode(s)` sorts by p, then s, and a partition's keys share `encode(p)` as
prefix. No encoding contains NUL or a surrogate.

S and B: the characters of the value (B: each byte as the code point of the same number),
with the two smallest code points escaped ("\\x00" -> "\\x01\\x02", "\\x01" -> "\\x01\\x03") and
"\\x01\\x01" as terminator, which sorts below anything that can follow. Code point order is
UTF-8 byte order, so S sorts by its UTF-8 bytes and B by unsigned bytes; keys stay readable.

N: a sign ("1" negative, "2" zero, "3" positive), then for non-zero numbers the decimal
exponent as three digits (biased by 130; for negatives 125 - exponent, so larger magnitudes
sort first), the significant digits (for negatives each digit d as 9 - d), and a terminator
("." for positives, sorting below digits, so 1.5 < 1.52; "~" for negatives, above them).
"""

from __future__ import annotations

from decimal import Decimal

from .errors import INVALID, validation
from .expr.ast import AttributeValue, Item
from .numbers import format_number

MAX_PARTITION_KEY_BYTES = 2048
MAX_SORT_KEY_BYTES = 1024

_END = "\x01\x01"
_NEGATIVE, _ZERO, _POSITIVE = "1", "2", "3"
_POSITIVE_END, _NEGATIVE_END = ".", "~"
_EXPONENT_BIAS = 130  # DynamoDB's smallest exponent is -130, its largest 125
_INVERT = str.maketrans("0123456789", "9876543210")


def encode_scalar(value: AttributeValue) -> str:
    """An S, N or B key value as a string that sorts (as UTF-8 bytes) in DynamoDB's order for
    values of that type, and is prefix-free (no encoding is a proper prefix of another), so
    a partition value followed by a sort value stays ordered by partition, then sort."""
    if "S" in value:
        return _escaped(value["S"])
    if "N" in value:
        return _number(Decimal(value["N"]))
    if "B" in value:
        return _escaped(bytes(value["B"]).decode("latin-1"))
    raise ValueError(f"not a key value: {value!r}")


def _escaped(text: str) -> str:
    return text.replace("\x01", "\x01\x03").replace("\x00", "\x01\x02") + _END


def _number(number: Decimal) -> str:
    if number.is_zero():
        return _ZERO
    sign, digits, _ = number.as_tuple()
    exponent = number.adjusted()
    # Not normalize(): its default context would round away digits past the 28th.
    text = "".join(map(str, digits)).rstrip("0")
    if sign:
        return f"{_NEGATIVE}{125 - exponent:03d}{text.translate(_INVERT)}{_NEGATIVE_END}"
    return f"{_POSITIVE}{exponent + _EXPONENT_BIAS:03d}{text}{_POSITIVE_END}"


def decode_scalar(text: str, type_: str) -> tuple[AttributeValue, str]:
    """The value encoded at the start of `text`, and the rest of `text`."""
    if type_ == "N":
        return _decode_number(text)
    end = text.index(_END)
    raw = text[:end].replace("\x01\x02", "\x00").replace("\x01\x03", "\x01")
    rest = text[end + len(_END) :]
    if type_ == "S":
        return {"S": raw}, rest
    if type_ == "B":
        return {"B": raw.encode("latin-1")}, rest
    raise ValueError(f"not a key type: {type_!r}")


def _decode_number(text: str) -> tuple[AttributeValue, str]:
    sign = text[0]
    if sign == _ZERO:
        return {"N": "0"}, text[1:]
    negative = sign == _NEGATIVE
    end = text.index(_NEGATIVE_END if negative else _POSITIVE_END, 4)
    stored = int(text[1:4])
    exponent = 125 - stored if negative else stored - _EXPONENT_BIAS
    digits = text[4:end].translate(_INVERT) if negative else text[4:end]
    number = Decimal((int(negative), tuple(map(int, digits)), exponent - len(digits) + 1))
    return {"N": format_number(number)}, text[end + 1 :]


def item_key(partition: AttributeValue, sort: AttributeValue | None) -> str:
    """The meta key of an item (or of an index entry's index key part)."""
    key = encode_scalar(partition)
    return key if sort is None else key + encode_scalar(sort)


def partition_prefix(partition: AttributeValue) -> str:
    """The prefix every key of this partition starts with (scan bounds of a Query)."""
    return encode_scalar(partition)


def split_key(
    key: str, partition_type: str, sort_type: str | None
) -> tuple[AttributeValue, AttributeValue | None]:
    """The (partition, sort) values of a meta key made by `item_key` (sort None without a
    sort key): LastEvaluatedKey and stream records need them back."""
    partition, rest = decode_scalar(key, partition_type)
    if sort_type is None:
        return partition, None
    sort, _ = decode_scalar(rest, sort_type)
    return partition, sort


# -- key checks -------------------------------------------------------------------------------

KEY_MISMATCH = "The provided key element does not match the schema"


def check_key(
    item: Item, partition: tuple[str, str], sort: tuple[str, str] | None, *, parameter: str
) -> tuple[AttributeValue, AttributeValue | None]:
    """The key values of `item` (an Item, or a Key parameter when parameter="Key") for a
    schema of (name, type) pairs. ValidationException in AWS's words: missing key ("One or
    more parameter values were invalid: Missing the key id in the item"), wrong type ("One or
    more parameter values were invalid: Type mismatch for key id expected: S actual: N"),
    empty string/binary key ("One or more parameter values are not valid. The AttributeValue
    for a key attribute cannot contain an empty string value. Key: id"), too long (2048 bytes
    partition, 1024 sort), and for Key: extra attributes ("The provided key element does not
    match the schema").

    parameter "Key" and "ExclusiveStartKey" are key parameters (the latter's mismatch reads
    "The provided starting key is invalid: The provided key element does not match the
    schema"); "PutRequest" (BatchWriteItem's) is an item whose missing or mistyped key is
    worded as a Key's; any other name is an item. `item` must have passed values.check_item."""
    schema = [partition] if sort is None else [partition, sort]
    if parameter in ("Key", "ExclusiveStartKey") and len(item) != len(schema):
        raise _mismatch(parameter)
    found = [_key_value(item, name, type_, parameter) for name, type_ in schema]
    _check_size(found[0], partition[1], MAX_PARTITION_KEY_BYTES)
    if sort is not None:
        _check_size(found[1], sort[1], MAX_SORT_KEY_BYTES)
    return found[0], (found[1] if sort is not None else None)


def _mismatch(parameter: str) -> Exception:
    if parameter == "ExclusiveStartKey":
        return validation("The provided starting key is invalid: " + KEY_MISMATCH)
    return validation(KEY_MISMATCH)


def _key_value(item: Item, name: str, type_: str, parameter: str) -> AttributeValue:
    value = item.get(name)
    # A BatchWriteItem PutRequest's item is judged as a key is (dynalite's suite, recorded
    # against DynamoDB): missing or mistyped, "The provided key element does not match".
    is_key_parameter = parameter in ("Key", "ExclusiveStartKey", "PutRequest")
    if value is None:
        if is_key_parameter:
            raise _mismatch(parameter)
        raise validation(f"{INVALID}Missing the key {name} in the item")
    if type_ not in value:
        if is_key_parameter:
            raise _mismatch(parameter)
        actual = next(iter(value), "")
        raise validation(
            f"{INVALID}Type mismatch for key {name} expected: {type_} actual: {actual}"
        )
    if type_ != "N" and len(value[type_]) == 0:
        kind = "string" if type_ == "S" else "binary"
        raise validation(
            "One or more parameter values are not valid. The AttributeValue for a key attribute"
            f" cannot contain an empty {kind} value. Key: {name}"
        )
    return value


def _check_size(value: AttributeValue, type_: str, limit: int) -> None:
    if type_ == "N":
        return  # numbers are at most 38 digits: always fit
    if key_bytes(value, type_) <= limit:
        return
    if limit == MAX_PARTITION_KEY_BYTES:
        # AWS's text has no space between "of" and "2048".
        raise validation(
            f"{INVALID}Size of hashkey has exceeded the maximum size limit of2048 bytes"
        )
    raise validation(
        f"{INVALID}Aggregated size of all range keys has exceeded the size limit of 1024 bytes"
    )


def key_bytes(value: AttributeValue, type_: str) -> int:
    """The size a key limit counts: a binary's bytes, a string's UTF-8 bytes (numbers are
    always within the limits; callers skip them)."""
    if type_ == "B":
        return len(value["B"])
    text: str = value["S"]
    if text.isascii():
        return len(text)  # one byte a character (and no surrogate): no need to encode it
    try:
        return len(text.encode("utf-8"))
    except UnicodeEncodeError:
        # A lone surrogate (JSON "\\ud800") is no UTF-8 text and cannot be a stored key.
        raise validation(f"{INVALID}The key attribute value is not a valid UTF-8 string") from None
