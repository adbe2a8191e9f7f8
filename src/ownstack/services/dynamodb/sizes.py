"""Item size as DynamoDB counts it, and consumed capacity by AWS's rounding rules.

https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/CapacityUnitCalculations.html
https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/read-write-operations.html
"""

from __future__ import annotations

from decimal import Decimal
from math import ceil

from .errors import validation
from .expr.ast import AttributeValue, Item

MAX_ITEM_BYTES = 400 * 1024
MAX_NAME_BYTES = 65535
"""An attribute name's UTF-8 length at most, at any depth (the guide says 64 KB; AWS refuses
64 KB itself)."""
NAME_TOO_LARGE = (
    "1 validation error detected: Attribute name is too large, must be less than 65536 bytes"
)
READ_BLOCK_BYTES = 4 * 1024
WRITE_BLOCK_BYTES = 1024

_LIST_OR_MAP_OVERHEAD = 3  # bytes, whatever the contents
_ELEMENT_OVERHEAD = 1  # bytes per list or map element


def value_size(value: AttributeValue) -> int:
    """Bytes of one AttributeValue (without its attribute name)."""
    ((type_, raw),) = value.items()
    if type_ == "S":
        return _text_size(raw)
    if type_ == "B":
        return len(raw)
    if type_ == "N":
        return number_size(raw)
    if type_ in ("BOOL", "NULL"):
        return 1
    if type_ == "M":
        return _LIST_OR_MAP_OVERHEAD + sum(
            _ELEMENT_OVERHEAD + _text_size(name) + value_size(member)
            for name, member in raw.items()
        )
    if type_ == "L":
        return _LIST_OR_MAP_OVERHEAD + sum(_ELEMENT_OVERHEAD + value_size(m) for m in raw)
    if type_ == "SS":
        return sum(_text_size(member) for member in raw)
    if type_ == "NS":
        return sum(number_size(member) for member in raw)
    if type_ == "BS":
        return sum(len(member) for member in raw)
    raise ValueError(f"not an AttributeValue type: {type_!r}")


def _text_size(text: str) -> int:
    if text.isascii():
        return len(text)
    return len(text.encode("utf-8", "surrogatepass"))


def number_size(text: str) -> int:
    """Bytes of an N value. AWS: "approximately 1 byte per two significant digits, plus 1
    byte". The digits are stored in base 100 aligned on the decimal point (dynalite's
    numToBuffer, AWS's key encoding), so a leading digit in the low half of a pair takes a
    byte of its own (12.3456: 3 pairs + 1 = 4 bytes, which dynalite's capacity tests against
    AWS pin); a negative number carries one more byte (its terminator), zero is 1 byte."""
    number = Decimal(text)
    if number.is_zero():
        return 1
    # Not normalize(): its default context would round away digits past the 28th.
    digits = len("".join(map(str, number.as_tuple().digits)).rstrip("0"))
    pad = 0 if number.adjusted() % 2 else 1
    return 1 + (digits + pad + 1) // 2 + (1 if number < 0 else 0)


def item_size(item: Item) -> int:
    """Attribute names' UTF-8 lengths plus values' sizes, as AWS counts them."""
    return sum(_text_size(name) + value_size(value) for name, value in item.items())


def check_name(name: str) -> None:
    """ValidationException NAME_TOO_LARGE for an attribute name over MAX_NAME_BYTES."""
    # A name of at most MAX_NAME_BYTES // 4 characters fits whatever its characters.
    if len(name) > MAX_NAME_BYTES // 4 and len(name.encode("utf-8")) > MAX_NAME_BYTES:
        raise validation(NAME_TOO_LARGE)


def _check_names(members: Item) -> None:
    for name, value in members.items():
        check_name(name)
        _check_nested_names(value)


def _check_nested_names(value: AttributeValue) -> None:
    if "M" in value:
        _check_names(value["M"])
    elif "L" in value:
        for member in value["L"]:
            _check_nested_names(member)


def check_item_size(item: Item, *, update: bool = False) -> None:
    """ValidationException "Item size has exceeded the maximum allowed size" over 400 KB
    (`update`: UpdateItem's wording, "Item size to update has exceeded ..."), and NAME_TOO_LARGE
    for an attribute or map member named with more than 65535 bytes: every write of a whole
    item (PutItem, the item an update leaves) passes here."""
    _check_names(item)
    if item_size(item) > MAX_ITEM_BYTES:
        subject = "Item size to update" if update else "Item size"
        raise validation(f"{subject} has exceeded the maximum allowed size")


def read_units(size: int, *, consistent: bool) -> float:
    """Units for reading an item of `size` bytes: 4 KB blocks, halved when eventually
    consistent (0.5 per block). A missing item (size 0) still costs one block."""
    blocks = max(1, ceil(size / READ_BLOCK_BYTES))
    return float(blocks) if consistent else blocks / 2


def write_units(size: int) -> float:
    """Units for writing an item of `size` bytes (1 KB blocks, at least 1)."""
    return float(max(1, ceil(size / WRITE_BLOCK_BYTES)))
