"""Item sizes and capacity units as AWS counts them (CapacityUnitCalculations page, and the
boundaries dynalite's and Alternator's tests recorded against AWS)."""

from __future__ import annotations

from typing import Any

import pytest

from ownstack.services.dynamodb.errors import DynamoError
from ownstack.services.dynamodb.sizes import (
    MAX_ITEM_BYTES,
    check_item_size,
    item_size,
    number_size,
    read_units,
    value_size,
)
from ownstack.services.dynamodb.sizes import write_units as write_units_of


def test_scalars() -> None:
    assert value_size({"S": "héllo"}) == 6
    assert value_size({"S": ""}) == 0
    assert value_size({"B": b"\x00\x01\x02"}) == 3
    assert value_size({"BOOL": False}) == 1
    assert value_size({"NULL": True}) == 1


@pytest.mark.parametrize(
    ("text", "size"),
    [
        ("0", 1),
        ("1", 2),
        ("12", 2),
        ("123", 3),
        ("12.3456", 4),  # dynalite's capacity tests against AWS pin this one
        ("3.14", 3),
        ("100", 2),
        ("0.5", 2),
        ("-1", 3),
        ("12345678901234567890123456789012345678", 20),
    ],
)
def test_numbers(text: str, size: int) -> None:
    assert number_size(text) == size
    assert value_size({"N": text}) == size


def test_sets_sum_their_members() -> None:
    assert value_size({"SS": ["ab", "é"]}) == 4
    assert value_size({"BS": [b"\x01\x02", b"\x02", b"\x01"]}) == 4
    assert value_size({"NS": ["1", "12.3456"]}) == 6


def test_lists_and_maps_have_overhead() -> None:
    assert value_size({"L": []}) == 3
    assert value_size({"M": {}}) == 3
    assert value_size({"L": [{"S": "ab"}, {"NULL": True}]}) == 3 + (1 + 2) + (1 + 1)
    assert value_size({"M": {"ké": {"S": "ab"}}}) == 3 + 1 + 3 + 2
    nested: dict[str, Any] = {"M": {"a": {"L": [{"M": {}}]}}}
    assert value_size(nested) == 3 + 1 + 1 + (3 + 1 + 3)


def test_item_size_counts_names() -> None:
    # dynalite's "larger item" capacity test: 1025 bytes, so 2 write units on AWS.
    a = "x" * 10
    item: dict[str, dict[str, Any]] = {
        "a": {"S": a},
        "b": {"S": "b" * (1011 - len(a))},
        "c": {"N": "12.3456"},
        "d": {"B": b"\x01\x02"},
        "e": {"BS": [b"\x01\x02", b"\x02"]},
    }
    assert item_size(item) == 1025
    assert write_units_of(item_size(item)) == 2
    item["b"] = {"S": "b" * (1009 - len(a))}
    item["e"] = {"BS": [b"\x01\x02", b"\x02", b"\x01"]}
    assert item_size(item) == 1024
    assert write_units_of(item_size(item)) == 1


def test_check_item_size() -> None:
    check_item_size({"a": {"S": "x" * (MAX_ITEM_BYTES - 1)}})
    too_big = {"a": {"S": "x" * MAX_ITEM_BYTES}}
    with pytest.raises(DynamoError) as excinfo:
        check_item_size(too_big)
    assert excinfo.value.code == "ValidationException"
    assert excinfo.value.message == "Item size has exceeded the maximum allowed size"
    with pytest.raises(DynamoError) as excinfo:
        check_item_size(too_big, update=True)
    assert excinfo.value.message == "Item size to update has exceeded the maximum allowed size"


@pytest.mark.parametrize(
    ("size", "strong", "eventual"),
    [(0, 1, 0.5), (1, 1, 0.5), (4096, 1, 0.5), (4097, 2, 1), (8193, 3, 1.5)],
)
def test_read_units(size: int, strong: float, eventual: float) -> None:
    assert read_units(size, consistent=True) == strong
    assert read_units(size, consistent=False) == eventual


@pytest.mark.parametrize(("size", "units"), [(0, 1), (1024, 1), (1025, 2), (2049, 3)])
def test_write_units(size: int, units: float) -> None:
    assert write_units_of(size) == units
