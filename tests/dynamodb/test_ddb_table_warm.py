"""A table's WarmThroughput: reported by DescribeTable for every table, raised by CreateTable
or UpdateTable, never below where the table starts or already is, in DynamoDB's words."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from botocore.exceptions import ClientError

INVALID = "One or more parameter values were invalid: "


def _warm(ddb: Any, name: str) -> dict[str, Any]:
    return dict(ddb.describe_table(TableName=name)["Table"]["WarmThroughput"])


def _refused(call: Any, **kw: Any) -> str:
    with pytest.raises(ClientError) as info:
        call(**kw)
    assert info.value.response["Error"]["Code"] == "ValidationException"
    return str(info.value.response["Error"]["Message"])


def test_every_table_reports_where_it_starts(ddb: Any, make_table: Any) -> None:
    on_demand = make_table()
    assert _warm(ddb, on_demand) == {
        "ReadUnitsPerSecond": 12000,
        "WriteUnitsPerSecond": 4000,
        "Status": "ACTIVE",
    }
    provisioned = make_table(
        BillingMode="PROVISIONED",
        ProvisionedThroughput={"ReadCapacityUnits": 7, "WriteCapacityUnits": 3},
    )
    assert _warm(ddb, provisioned)["ReadUnitsPerSecond"] == 7
    # Raising the capacity raises it; lowering the capacity leaves it where it got.
    ddb.update_table(
        TableName=provisioned,
        ProvisionedThroughput={"ReadCapacityUnits": 9, "WriteCapacityUnits": 5},
    )
    ddb.update_table(
        TableName=provisioned,
        ProvisionedThroughput={"ReadCapacityUnits": 1, "WriteCapacityUnits": 1},
    )
    got = _warm(ddb, provisioned)
    assert (got["ReadUnitsPerSecond"], got["WriteUnitsPerSecond"]) == (9, 5)


def test_create_asks_for_more_and_one_unit_keeps_the_other(ddb: Any, make_table: Any) -> None:
    name = make_table(WarmThroughput={"ReadUnitsPerSecond": 15000})
    assert _warm(ddb, name) == {
        "ReadUnitsPerSecond": 15000,
        "WriteUnitsPerSecond": 4000,
        "Status": "ACTIVE",
    }


def test_create_below_the_start_is_refused(ddb: Any, make_table: Any) -> None:
    message = _refused(
        make_table, WarmThroughput={"ReadUnitsPerSecond": 12000, "WriteUnitsPerSecond": 3999}
    )
    assert message == (
        INVALID + "Requested WriteUnitsPerSecond for WarmThroughput for table is lower than"
        " initial throughput for OnDemand. See: https://docs.aws.amazon.com/amazondynamodb/"
        "latest/developerguide/on-demand-capacity-mode.html#on-demand-capacity-mode-initial"
    )
    message = _refused(
        make_table,
        BillingMode="PROVISIONED",
        ProvisionedThroughput={"ReadCapacityUnits": 10, "WriteCapacityUnits": 10},
        WarmThroughput={"ReadUnitsPerSecond": 5, "WriteUnitsPerSecond": 50},
    )
    assert message == (
        INVALID + "Requested ReadUnitsPerSecond for WarmThroughput for table is lower than"
        " ReadCapacityUnits of ProvisionedThroughput"
    )


def test_update_raises_it_alone_and_never_lowers_it(ddb: Any, make_table: Any) -> None:
    name = make_table()
    raised = {"ReadUnitsPerSecond": 20000, "WriteUnitsPerSecond": 6000}
    answer = ddb.update_table(TableName=name, WarmThroughput=raised)["TableDescription"]
    assert answer["WarmThroughput"]["ReadUnitsPerSecond"] == 20000
    assert _warm(ddb, name) == {**raised, "Status": "ACTIVE"}
    ddb.update_table(TableName=name, WarmThroughput=raised)  # the same again: accepted
    message = _refused(
        ddb.update_table,
        TableName=name,
        WarmThroughput={"ReadUnitsPerSecond": 20000, "WriteUnitsPerSecond": 5000},
    )
    assert message == (
        INVALID + "Requested WriteUnitsPerSecond for WarmThroughput for table is lower than"
        " current WarmThroughput, decreasing WarmThroughput is not supported"
    )
    assert _warm(ddb, name) == {**raised, "Status": "ACTIVE"}


def test_an_index_warm_throughput_is_refused_not_ignored(ddb: Any, make_table: Any) -> None:
    with pytest.raises(ClientError) as info:
        make_table(
            ExtraAttributes=[("g", "S")],
            GlobalSecondaryIndexes=[
                {
                    "IndexName": "gsi",
                    "KeySchema": [{"AttributeName": "g", "KeyType": "HASH"}],
                    "Projection": {"ProjectionType": "ALL"},
                    "WarmThroughput": {"ReadUnitsPerSecond": 12000},
                }
            ],
        )
    assert info.value.response["Error"]["Code"] == "NotImplemented"


def test_create_answer_names_warm_throughput_only_when_asked(ddb: Any) -> None:
    # AWS's CreateTable answer leaves WarmThroughput out unless the request set it.
    base = {
        "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}],
        "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}],
        "BillingMode": "PAY_PER_REQUEST",
    }
    names = [f"warm-answer-{uuid.uuid4().hex[:10]}" for _ in range(2)]
    try:
        plain = ddb.create_table(TableName=names[0], **base)["TableDescription"]
        assert "WarmThroughput" not in plain
        asked = ddb.create_table(
            TableName=names[1], WarmThroughput={"ReadUnitsPerSecond": 13000}, **base
        )["TableDescription"]
        assert asked["WarmThroughput"]["ReadUnitsPerSecond"] == 13000
        assert "WarmThroughput" in ddb.describe_table(TableName=names[0])["Table"]
    finally:
        for name in names:
            ddb.get_waiter("table_exists").wait(TableName=name)
            ddb.delete_table(TableName=name)
