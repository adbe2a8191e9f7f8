"""The features ownstack does not offer answer their read operations with the truth (off,
nothing), as tools that read every table setting need; turning one on is NotImplemented."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError


def _code(call: Any, **kw: Any) -> tuple[str, str]:
    with pytest.raises(ClientError) as info:
        call(**kw)
    return info.value.response["Error"]["Code"], info.value.response["Error"]["Message"]


def test_backups_and_recovery_read_as_off(ddb: Any, make_table: Any) -> None:
    name = make_table()
    described = ddb.describe_continuous_backups(TableName=name)["ContinuousBackupsDescription"]
    assert described["PointInTimeRecoveryDescription"]["PointInTimeRecoveryStatus"] == "DISABLED"
    assert ddb.list_backups(TableName=name)["BackupSummaries"] == []
    assert _code(ddb.describe_continuous_backups, TableName="no-such-table") == (
        "TableNotFoundException",
        "Table not found: no-such-table",
    )
    code, _ = _code(
        ddb.update_continuous_backups,
        TableName=name,
        PointInTimeRecoverySpecification={"PointInTimeRecoveryEnabled": True},
    )
    assert code == "NotImplemented"


def test_insights_kinesis_scaling_global_tables(ddb: Any, make_table: Any) -> None:
    name = make_table()
    insights = ddb.describe_contributor_insights(TableName=name)
    assert (insights["TableName"], insights["ContributorInsightsStatus"]) == (name, "DISABLED")
    assert _code(ddb.describe_contributor_insights, TableName=name, IndexName="nope")[0] == (
        "ResourceNotFoundException"
    )
    kinesis = ddb.describe_kinesis_streaming_destination(TableName=name)
    assert kinesis["KinesisDataStreamDestinations"] == []
    scaling = ddb.describe_table_replica_auto_scaling(TableName=name)
    assert scaling["TableAutoScalingDescription"]["Replicas"] == []
    assert ddb.list_global_tables()["GlobalTables"] == []
    assert _code(ddb.describe_kinesis_streaming_destination, TableName="no-such")[0] == (
        "ResourceNotFoundException"
    )


def test_resource_policy_is_not_found(ddb: Any, make_table: Any) -> None:
    name = make_table()
    arn = ddb.describe_table(TableName=name)["Table"]["TableArn"]
    code, message = _code(ddb.get_resource_policy, ResourceArn=arn)
    assert code == "PolicyNotFoundException"
    assert arn in message
    missing = arn.rsplit("/", 1)[0] + "/no-such-table"
    assert _code(ddb.get_resource_policy, ResourceArn=missing)[0] == "ResourceNotFoundException"


@pytest.mark.parametrize(
    "setting",
    [{"OnDemandThroughput": {"MaxReadRequestUnits": 10, "MaxWriteRequestUnits": 10}}],
)
def test_throughput_caps_are_refused_not_ignored(
    ddb: Any, make_table: Any, setting: dict[str, Any]
) -> None:
    """ownstack does not throttle: a table asking for a cap is refused (a table's warm
    throughput, a floor, is kept: test_ddb_table_warm.py)."""
    name = make_table()
    code, message = _code(ddb.update_table, TableName=name, **setting)
    assert code == "NotImplemented" and next(iter(setting)) in message
    code, _ = _code(
        ddb.create_table,
        TableName=name + "-b",
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
        **setting,
    )
    assert code == "NotImplemented"
    assert name + "-b" not in ddb.list_tables()["TableNames"]
