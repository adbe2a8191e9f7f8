"""Provisioned throughput's history (table_throughput.py) and its place in the table record."""

from __future__ import annotations

import json

from ownstack.services.dynamodb.records import (
    KeySchema,
    TableRecord,
    ThroughputChanges,
    decode_table,
    encode_table,
)
from ownstack.services.dynamodb.table_throughput import after_change, wire

DAY = 86_400.0
NOON = 20_000 * DAY + DAY / 2  # 2024-10-04 12:00 UTC
FIVE = {"ReadCapacityUnits": 5, "WriteCapacityUnits": 5}
TEN = {"ReadCapacityUnits": 10, "WriteCapacityUnits": 10}


def test_an_increase_is_dated_a_decrease_dated_and_counted() -> None:
    up = after_change(ThroughputChanges(), FIVE, TEN, NOON)
    assert (up.last_increase, up.last_decrease, up.decreases) == (NOON, None, 0)
    down = after_change(up, TEN, FIVE, NOON + 60)
    assert (down.last_increase, down.last_decrease, down.decreases) == (NOON, NOON + 60, 1)
    assert wire(FIVE, down, NOON + 61) == {
        "LastIncreaseDateTime": NOON,
        "LastDecreaseDateTime": NOON + 60,
        "NumberOfDecreasesToday": 1,
        **FIVE,
    }
    mixed = after_change(down, FIVE, {"ReadCapacityUnits": 6, "WriteCapacityUnits": 4}, NOON + 90)
    assert (mixed.last_increase, mixed.last_decrease, mixed.decreases) == (NOON + 90,) * 2 + (2,)


def test_decreases_are_counted_per_utc_day() -> None:
    down = after_change(after_change(ThroughputChanges(), FIVE, TEN, NOON), TEN, FIVE, NOON)
    tomorrow = NOON + DAY
    assert wire(FIVE, down, tomorrow)["NumberOfDecreasesToday"] == 0
    again = after_change(down, FIVE, {"ReadCapacityUnits": 1, "WriteCapacityUnits": 1}, tomorrow)
    assert again.decreases == 1


def test_the_record_keeps_the_history_and_reads_records_without_it() -> None:
    table = TableRecord(
        id="i",
        account_id="a",
        region="r",
        name="t",
        schema=KeySchema("pk"),
        attribute_types={"pk": "S"},
        created=NOON,
        throughput=FIVE,
        throughput_changes=ThroughputChanges(NOON, None, "", 0),
    )
    assert decode_table(encode_table(table)) == table
    raw = json.loads(encode_table(table))
    del raw["throughput_changes"]
    assert decode_table(json.dumps(raw).encode()).throughput_changes == ThroughputChanges()
