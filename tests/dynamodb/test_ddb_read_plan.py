"""Query key ranges select exactly the items the key condition names, for every operator and
key type, on the table and on an index; stored items and index entries round-trip."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from ownstack.services.dynamodb.expr.keycond import KeyCondition, SortCondition
from ownstack.services.dynamodb.numbers import format_number
from ownstack.services.dynamodb.read_plan import Target, query_range, resume
from ownstack.services.dynamodb.records import IndexRecord, KeySchema, TableRecord
from ownstack.services.dynamodb.writes import (
    change_ops,
    decode_stored,
    encode_stored,
    index_entry,
    primary_key,
)

texts = st.text(st.characters(exclude_categories=["Cs"]), max_size=6)
numbers = st.decimals(
    allow_nan=False, allow_infinity=False, places=3, min_value=-1000, max_value=1000
).map(lambda d: {"N": format_number(d)})
sort_values: dict[str, st.SearchStrategy[dict[str, Any]]] = {
    "S": texts.map(lambda t: {"S": t}),
    "N": numbers,
    "B": st.binary(max_size=6).map(lambda b: {"B": b}),
}


def order(value: dict[str, Any]) -> Any:
    """DynamoDB's order of a key value: N numerically, S by UTF-8 bytes, B by bytes."""
    if "N" in value:
        return Decimal(value["N"])
    if "S" in value:
        return value["S"].encode()
    return bytes(value["B"])


def holds(op: str, value: dict[str, Any], args: tuple[dict[str, Any], ...]) -> bool:
    v, a = order(value), order(args[0])
    if op == "=":
        return bool(v == a)
    if op == "<":
        return bool(v < a)
    if op == "<=":
        return bool(v <= a)
    if op == ">":
        return bool(v > a)
    if op == ">=":
        return bool(v >= a)
    if op == "BETWEEN":
        return bool(a <= v <= order(args[1]))
    return bool(v.startswith(a))


def table_of(sort_type: str) -> TableRecord:
    return TableRecord(
        "id",
        "123456789012",
        "us-east-1",
        "t",
        KeySchema("pk", "sk"),
        {"pk": "S", "sk": sort_type, "g": "S"},
        0.0,
        indexes=(IndexRecord("gi", "GSI", KeySchema("g", "sk"), "KEYS_ONLY"),),
    )


@st.composite
def cases(draw: st.DrawFn) -> tuple[str, list[dict[str, Any]], str, tuple[dict[str, Any], ...]]:
    sort_type = draw(st.sampled_from(["S", "N", "B"]))
    values = draw(st.lists(sort_values[sort_type], max_size=12))
    ops = ["=", "<", "<=", ">", ">=", "BETWEEN"] + (["begins_with"] if sort_type != "N" else [])
    op = draw(st.sampled_from(ops))
    args: tuple[dict[str, Any], ...] = (draw(sort_values[sort_type]),)
    if op == "BETWEEN":
        args = tuple(sorted((args[0], draw(sort_values[sort_type])), key=order))
    return sort_type, values, op, args


@settings(max_examples=300)
@given(cases(), st.booleans())
def test_query_range_selects_exactly_the_matching_items(
    case: tuple[str, list[dict[str, Any]], str, tuple[dict[str, Any], ...]], on_index: bool
) -> None:
    sort_type, values, op, args = case
    table = table_of(sort_type)
    target = Target(table, table.indexes[0] if on_index else None)
    keys: dict[str, str] = {}
    for other in ("p", "p\x00", "q", ""):
        for value in values:
            item = {"pk": {"S": other}, "sk": value, "g": {"S": other}}
            keys[target.record_key(item)] = f"{other}|{order(value)!r}"
    start, end = query_range(target, KeyCondition({"S": "p"}, SortCondition(op, args)))
    chosen = {label for key, label in keys.items() if start <= key and (end is None or key < end)}
    expected = {f"p|{order(v)!r}" for v in values if holds(op, v, args)}
    assert chosen == expected


def test_resume_after_start_key() -> None:
    assert resume(("a", "z"), "m", reverse=False) == ("m\0", "z")
    assert resume(("a", "z"), "m", reverse=True) == ("a", "m")
    assert resume(("n", "z"), "m", reverse=False) == ("n", "z")
    assert resume(("a", "z"), None, reverse=True) == ("a", "z")


def test_stored_item_round_trip_with_and_without_stream_key() -> None:
    item: dict[str, Any] = {"pk": {"S": "a"}, "b": {"B": b"\x00\x01"}, "n": {"N": "1.5"}}
    assert decode_stored(encode_stored(item), 3).item == item
    stored = decode_stored(encode_stored(item, "0001-x"), 4)
    assert (stored.item, stored.version, stored.stream_key) == (item, 4, "0001-x")


def test_index_entries_are_sparse_and_follow_key_changes() -> None:
    table = table_of("N")
    index = table.indexes[0]
    item: dict[str, Any] = {"pk": {"S": "a"}, "sk": {"N": "1"}, "x": {"S": "big"}}
    key = primary_key(table, item)
    assert index_entry(table, index, key, item) is None  # no g: not in the index
    assert index_entry(table, index, key, {**item, "g": {"N": "1"}}) is None  # wrong type
    entry = index_entry(table, index, key, {**item, "g": {"S": "x"}})
    assert entry is not None and entry[0].endswith(key)
    ops = change_ops(table, key, None, {**item, "g": {"S": "x"}}, now=0.0)
    assert [type(op).__name__ for op in ops] == ["Put", "Put"]
    old = decode_stored(encode_stored({**item, "g": {"S": "x"}}), 7)
    moved = change_ops(table, key, old, {**item, "g": {"S": "y"}}, now=0.0)
    assert [type(op).__name__ for op in moved] == ["Put", "Delete", "Put"]
    same = change_ops(table, key, old, {**item, "g": {"S": "x"}}, now=0.0)
    assert [type(op).__name__ for op in same] == ["Check"]
