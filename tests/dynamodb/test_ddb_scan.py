"""Scan through a real server: full scans, paging, filters, parallel segments, Select."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from botocore.config import Config
from botocore.exceptions import ClientError


def error(exc: pytest.ExceptionInfo[ClientError]) -> tuple[str, str]:
    err = exc.value.response["Error"]
    return err["Code"], err["Message"]


@pytest.fixture
def filled(ddb: Any, make_table: Callable[..., str]) -> str:
    name = make_table(range=("sk", "N"))
    for p in range(10):
        for s in range(5):
            ddb.put_item(
                TableName=name,
                Item={"pk": {"S": f"p{p}"}, "sk": {"N": str(s)}, "odd": {"BOOL": s % 2 == 1}},
            )
    return name


def keys_of(items: list[dict[str, Any]]) -> set[tuple[str, str]]:
    return {(item["pk"]["S"], item["sk"]["N"]) for item in items}


def scan_all(ddb: Any, **kwargs: Any) -> tuple[list[dict[str, Any]], int]:
    items: list[dict[str, Any]] = []
    pages = 0
    start: dict[str, Any] | None = None
    while True:
        extra = {"ExclusiveStartKey": start} if start else {}
        response = ddb.scan(**kwargs, **extra)
        pages += 1
        items.extend(response.get("Items", []))
        start = response.get("LastEvaluatedKey")
        if start is None:
            return items, pages


def test_full_scan_and_paging(ddb: Any, filled: str) -> None:
    everything = ddb.scan(TableName=filled)
    assert everything["Count"] == everything["ScannedCount"] == 50
    assert "LastEvaluatedKey" not in everything
    paged, pages = scan_all(ddb, TableName=filled, Limit=7)
    assert keys_of(paged) == keys_of(everything["Items"])
    assert len(paged) == 50
    assert pages == 8


def test_items_of_a_partition_come_together_in_sort_order(ddb: Any, filled: str) -> None:
    items = ddb.scan(TableName=filled)["Items"]
    order = [(item["pk"]["S"], int(item["sk"]["N"])) for item in items]
    for i in range(0, 50, 5):
        block = order[i : i + 5]
        assert {pk for pk, _ in block} == {block[0][0]}
        assert [sk for _, sk in block] == [0, 1, 2, 3, 4]


def test_filter_and_legacy_scan_filter(ddb: Any, filled: str) -> None:
    response = ddb.scan(
        TableName=filled,
        FilterExpression="odd = :t AND pk = :p",
        ExpressionAttributeValues={":t": {"BOOL": True}, ":p": {"S": "p3"}},
    )
    assert keys_of(response["Items"]) == {("p3", "1"), ("p3", "3")}
    assert response["ScannedCount"] == 50
    legacy = ddb.scan(
        TableName=filled,
        ScanFilter={
            "sk": {"AttributeValueList": [{"N": "3"}], "ComparisonOperator": "GT"},
            "pk": {"AttributeValueList": [{"S": "p1"}, {"S": "p2"}], "ComparisonOperator": "IN"},
        },
    )
    assert keys_of(legacy["Items"]) == {("p1", "4"), ("p2", "4")}


def test_parallel_segments_partition_the_table(ddb: Any, filled: str) -> None:
    seen: list[tuple[str, str]] = []
    for segment in range(4):
        items, _ = scan_all(ddb, TableName=filled, Segment=segment, TotalSegments=4, Limit=5)
        partitions = {item["pk"]["S"] for item in items}
        for item in items:
            seen.append((item["pk"]["S"], item["sk"]["N"]))
        # every item of a partition falls in the same segment
        assert len(items) == 5 * len(partitions)
    assert len(seen) == 50 and len(set(seen)) == 50


def test_segment_parameter_checks(ddb: Any, filled: str) -> None:
    with pytest.raises(ClientError) as exc:
        ddb.scan(TableName=filled, Segment=1)
    assert error(exc) == (
        "ValidationException",
        "The TotalSegments parameter is required but was not present in the request when "
        "Segment parameter is present",
    )
    with pytest.raises(ClientError) as exc:
        ddb.scan(TableName=filled, TotalSegments=2)
    assert error(exc) == (
        "ValidationException",
        "The Segment parameter is required but was not present in the request when parameter "
        "TotalSegments is present",
    )
    with pytest.raises(ClientError) as exc:
        ddb.scan(TableName=filled, Segment=3, TotalSegments=3)
    assert error(exc) == (
        "ValidationException",
        "The Segment parameter is zero-based and must be less than parameter TotalSegments: "
        "Segment: 3 is not less than TotalSegments: 3",
    )
    with pytest.raises(ClientError) as exc:
        ddb.scan(TableName=filled, Segment=0, TotalSegments=1000001)
    assert error(exc) == (
        "ValidationException",
        "1 validation error detected: Value '1000001' at 'totalSegments' failed to satisfy "
        "constraint: Member must have value less than or equal to 1000000",
    )


def test_parallel_scan_resumes_only_inside_its_segment(ddb: Any, filled: str) -> None:
    # A segment's LastEvaluatedKey continues that segment; handed to another segment, AWS
    # refuses it rather than read from a key that segment does not own.
    first = ddb.scan(TableName=filled, Segment=0, TotalSegments=2, Limit=1)
    start = first["LastEvaluatedKey"]
    rest = ddb.scan(TableName=filled, Segment=0, TotalSegments=2, ExclusiveStartKey=start)
    whole, _ = scan_all(ddb, TableName=filled, Segment=0, TotalSegments=2)
    assert keys_of(first["Items"]).isdisjoint(keys_of(rest["Items"]))
    assert keys_of(first["Items"]) | keys_of(rest["Items"]) == keys_of(whole)
    with pytest.raises(ClientError) as exc:
        ddb.scan(TableName=filled, Segment=1, TotalSegments=2, ExclusiveStartKey=start)
    assert error(exc) == (
        "ValidationException",
        "The provided starting key is invalid: Invalid ExclusiveStartKey. Please use "
        "ExclusiveStartKey with correct Segment. TotalSegments: 2 Segment: 1",
    )


def test_select_count_keeps_paging(ddb: Any, filled: str) -> None:
    response = ddb.scan(TableName=filled, Select="COUNT", Limit=1, ConsistentRead=True)
    assert response["Count"] == 1 and response["ScannedCount"] == 1
    assert "Items" not in response
    assert "LastEvaluatedKey" in response
    with pytest.raises(ClientError) as exc:
        ddb.scan(TableName=filled, Select="SPECIFIC_ATTRIBUTES")
    assert error(exc) == (
        "ValidationException",
        "Must specify the AttributesToGet or ProjectionExpression when choosing to get "
        "SPECIFIC_ATTRIBUTES",
    )
    with pytest.raises(ClientError) as exc:
        ddb.scan(TableName=filled, Select="ALL_ATTRIBUTES", AttributesToGet=["pk"])
    assert error(exc) == (
        "ValidationException",
        "Cannot specify the AttributesToGet when choosing to get ALL_ATTRIBUTES",
    )


def test_limit_must_be_positive(server: Any, filled: str) -> None:
    unchecked = server.client("dynamodb", config=Config(parameter_validation=False))
    with pytest.raises(ClientError) as exc:
        unchecked.scan(TableName=filled, Limit=0)
    assert error(exc) == (
        "ValidationException",
        "1 validation error detected: Value '0' at 'limit' failed to satisfy constraint: "
        "Member must have value greater than or equal to 1",
    )


def test_scan_projection_and_capacity(ddb: Any, filled: str) -> None:
    response = ddb.scan(
        TableName=filled,
        ProjectionExpression="#o",
        ExpressionAttributeNames={"#o": "odd"},
        Limit=2,
        ReturnConsumedCapacity="TOTAL",
    )
    assert all(set(item) == {"odd"} for item in response["Items"])
    assert response["ConsumedCapacity"] == {"TableName": filled, "CapacityUnits": 0.5}


def test_large_table_read_in_one_page_and_in_pages(
    ddb: Any, make_table: Callable[..., str]
) -> None:
    name = make_table(range=("sk", "N"))
    for i in range(260):
        ddb.put_item(TableName=name, Item={"pk": {"S": f"p{i % 7}"}, "sk": {"N": str(i)}})
    whole = ddb.scan(TableName=name, Select="COUNT")
    assert whole["Count"] == 260 and "LastEvaluatedKey" not in whole
    paged, pages = scan_all(ddb, TableName=name, Limit=150)
    assert len(paged) == 260 and pages == 2
    backwards = ddb.query(
        TableName=name,
        KeyConditionExpression="pk = :p",
        ExpressionAttributeValues={":p": {"S": "p3"}},
        ScanIndexForward=False,
    )
    assert [int(i["sk"]["N"]) for i in backwards["Items"]] == list(range(255, -1, -7))


def test_scan_judges_its_legacy_members_and_start_key_before_its_segments(
    server: Any, filled: str
) -> None:
    from botocore.config import Config

    raw = server.client("dynamodb", config=Config(parameter_validation=False))
    with pytest.raises(ClientError) as exc:
        raw.scan(TableName=filled, Segment=1, AttributesToGet=["a", "a"])
    assert error(exc) == (
        "ValidationException",
        "One or more parameter values were invalid: Duplicate value in attribute name: a",
    )
    with pytest.raises(ClientError) as exc:
        raw.scan(TableName=filled, Segment=1, ExclusiveStartKey={"pk": {"S": "a", "N": "1"}})
    assert error(exc) == (
        "ValidationException",
        "The provided starting key is invalid: Supplied AttributeValue has more than one"
        " datatypes set, must contain exactly one of the supported datatypes",
    )
    with pytest.raises(ClientError) as exc:
        raw.scan(TableName=filled, Segment=1)
    assert error(exc)[1].startswith("The TotalSegments parameter is required")
