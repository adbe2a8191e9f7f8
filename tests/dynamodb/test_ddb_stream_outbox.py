"""Stream records as the outbox keeps them (outbox.py): what each StreamViewType keeps, event
names, sizes, TTL identity, and outbox keys from the hybrid logical clock."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ownstack.services.dynamodb.expr.ast import Item
from ownstack.services.dynamodb.outbox import decode_record, next_key, outbox_put
from ownstack.services.dynamodb.records import KeySchema, StreamSpec, TableRecord, outbox_ns

NOW = 1_700_000_000.25
KEYS: Item = {"ForumName": {"S": "DynamoDB"}, "Subject": {"S": "DynamoDB Thread 3"}}
OLD: Item = {**KEYS, "n": {"N": "1"}, "b": {"B": b"\x00\xff"}}
NEW: Item = {**KEYS, "n": {"N": "2"}, "bs": {"BS": [b"a", b"\x80"]}, "m": {"M": {"B": {"S": "x"}}}}


def table(
    view_type: str | None = "NEW_AND_OLD_IMAGES", label: str = "2023-11-14T22:13:20.000"
) -> TableRecord:
    return TableRecord(
        id="tid",
        account_id="123456789012",
        region="us-east-1",
        name="Forum",
        schema=KeySchema("ForumName", "Subject"),
        attribute_types={"ForumName": "S", "Subject": "S"},
        created=NOW,
        stream=None if view_type is None else StreamSpec(view_type, label),
    )


def record(view_type: str, old: Item | None, new: Item | None, **kw: bool) -> dict[str, Any]:
    put, key = outbox_put(table(view_type), KEYS, old, new, after=None, now=NOW, **kw)
    assert put.ns == outbox_ns(table(view_type)) and put.key == key
    assert put.expect is None
    return decode_record(put.value)


@pytest.mark.parametrize(
    ("old", "new", "event"), [(None, NEW, "INSERT"), (OLD, NEW, "MODIFY"), (OLD, None, "REMOVE")]
)
def test_the_event_name_follows_from_the_images(
    old: Item | None, new: Item | None, event: str
) -> None:
    assert record("KEYS_ONLY", old, new)["eventName"] == event


@pytest.mark.parametrize(
    ("view_type", "kept"),
    [
        ("KEYS_ONLY", set()),
        ("NEW_IMAGE", {"NewImage"}),
        ("OLD_IMAGE", {"OldImage"}),
        ("NEW_AND_OLD_IMAGES", {"NewImage", "OldImage"}),
    ],
)
def test_each_view_type_keeps_its_images(view_type: str, kept: set[str]) -> None:
    got = record(view_type, OLD, NEW)
    assert {"NewImage", "OldImage"} & set(got) == kept
    assert got["Keys"] == KEYS
    assert got["StreamViewType"] == view_type
    if "NewImage" in kept:
        assert got["NewImage"] == NEW  # B and BS come back as bytes, maps with "B" members too
    if "OldImage" in kept:
        assert got["OldImage"] == OLD


def test_an_insert_has_no_old_image_and_a_remove_no_new_image() -> None:
    assert "OldImage" not in record("NEW_AND_OLD_IMAGES", None, NEW)
    assert "NewImage" not in record("NEW_AND_OLD_IMAGES", OLD, None)


def test_size_counts_keys_and_kept_images_as_aws_does() -> None:
    # AWS's GetRecords example: KEYS_ONLY, these two keys, SizeBytes 41.
    assert record("KEYS_ONLY", None, KEYS)["SizeBytes"] == 41
    both = record("NEW_AND_OLD_IMAGES", KEYS, KEYS)
    assert both["SizeBytes"] == 41 * 3


def test_creation_time_is_rounded_down_to_the_second() -> None:
    assert record("KEYS_ONLY", None, NEW)["ApproximateCreationDateTime"] == 1_700_000_000


def test_a_ttl_deletion_names_the_dynamodb_service() -> None:
    got = record("KEYS_ONLY", OLD, None, by_ttl=True)
    assert got["userIdentity"] == {"Type": "Service", "PrincipalId": "dynamodb.amazonaws.com"}
    assert "userIdentity" not in record("KEYS_ONLY", OLD, None)


def test_the_record_names_its_stream_and_is_plain_json() -> None:
    put, _ = outbox_put(
        table(label="2024-01-02T03:04:05.678"), KEYS, None, NEW, after=None, now=NOW
    )
    raw = json.loads(put.value)
    assert raw["StreamLabel"] == "2024-01-02T03:04:05.678"
    assert raw["NewImage"]["bs"] == {"BS": ["YQ==", "gA=="]}


def test_a_lone_surrogate_in_an_image_survives() -> None:
    item = {**KEYS, "s": {"S": "a\ud800b"}}
    assert record("NEW_IMAGE", None, item)["NewImage"] == item


def test_a_table_without_a_stream_is_refused() -> None:
    with pytest.raises(ValueError, match="no stream"):
        outbox_put(table(None), KEYS, None, NEW, after=None, now=NOW)


def test_keys_are_fixed_width_digits_then_a_process_tag() -> None:
    key = next_key(None, NOW)
    digits, _, tag = key.partition("-")
    assert len(digits) == 20 and digits.isdigit()
    assert len(tag) == 8
    assert int(digits) >= int(NOW * 1_000_000)


def test_a_key_sorts_after_the_items_previous_one_even_from_a_clock_far_ahead() -> None:
    ahead = f"{int((NOW + 3600) * 1_000_000):020d}-ffffffff"
    key = next_key(ahead, NOW)
    assert key > ahead
    assert next_key(None, NOW) > key  # and the process goes on above it


@given(st.lists(st.tuples(st.floats(1e9, 3e9), st.none() | st.integers(0, 10**17)), min_size=1))
def test_keys_only_grow_whatever_the_clock_does(calls: list[tuple[float, int | None]]) -> None:
    previous = ""
    for now, after_counter in calls:
        after = None if after_counter is None else f"{after_counter:020d}-00000000"
        key = next_key(after, now)
        assert key > previous
        assert after is None or key > after
        previous = key
