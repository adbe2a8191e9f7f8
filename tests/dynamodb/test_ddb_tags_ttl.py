"""Tags, time to live, DescribeLimits and DescribeEndpoints through a real server; the TTL
sweep (table_ttl.TtlSweeper) over an in-memory meta store with a hand-moved clock."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import pytest
from botocore.exceptions import ClientError

from ownstack.backends.memory.meta import MemoryMeta
from ownstack.core.clock import ManualClock
from ownstack.ports.meta import Put
from ownstack.services.dynamodb.records import (
    TABLES,
    KeySchema,
    TableRecord,
    encode_table,
    table_key,
)
from ownstack.services.dynamodb.table_ttl import FIVE_YEARS_S, TtlSweeper, expired
from ownstack.services.dynamodb.writes import change_ops, primary_key, read_item

INVALID = "One or more parameter values were invalid: "


def error(call: Any, **kw: Any) -> tuple[str, str]:
    with pytest.raises(ClientError) as info:
        call(**kw)
    err = info.value.response["Error"]
    return err["Code"], err["Message"]


def tags_of(ddb: Any, arn: str) -> dict[str, str]:
    return {t["Key"]: t["Value"] for t in ddb.list_tags_of_resource(ResourceArn=arn)["Tags"]}


@pytest.fixture
def arn(ddb: Any, make_table: Any) -> str:
    return str(ddb.describe_table(TableName=make_table())["Table"]["TableArn"])


def test_tag_untag_list(ddb: Any, arn: str) -> None:
    assert tags_of(ddb, arn) == {}
    ddb.tag_resource(ResourceArn=arn, Tags=[{"Key": "a", "Value": "1"}, {"Key": " ", "Value": ""}])
    ddb.tag_resource(
        ResourceArn=arn, Tags=[{"Key": "a", "Value": "2"}, {"Key": "b:c/d", "Value": "x@y"}]
    )
    assert tags_of(ddb, arn) == {"a": "2", " ": "", "b:c/d": "x@y"}
    ddb.untag_resource(ResourceArn=arn, TagKeys=["a", "not-there"])
    assert tags_of(ddb, arn) == {" ": "", "b:c/d": "x@y"}


def test_tag_errors(ddb: Any, arn: str) -> None:
    assert error(ddb.tag_resource, ResourceArn=arn, Tags=[]) == (
        "ValidationException",
        "Atleast one Tag needs to be provided as Input.",
    )
    assert error(ddb.untag_resource, ResourceArn=arn, TagKeys=[])[1] == (
        "Atleast one Tag Key needs to be provided as Input."
    )
    assert error(
        ddb.tag_resource, ResourceArn="I_do_not_exist", Tags=[{"Key": "k", "Value": "v"}]
    ) == (
        "ValidationException",
        INVALID + "ARNs must start with 'arn:': I_do_not_exist",
    )
    bad = "arn:aws:dynamodb:us-east-1:123456789012:thing/x"
    assert error(ddb.list_tags_of_resource, ResourceArn=bad)[1] == (
        f"Invalid TableArn: Invalid ResourceArn provided as input {bad}"
    )
    missing = arn + "x"
    assert error(ddb.tag_resource, ResourceArn=missing, Tags=[{"Key": "k", "Value": "v"}]) == (
        "ResourceNotFoundException",
        f"Requested resource not found: ResourcArn: {missing} not found",
    )
    assert error(ddb.tag_resource, ResourceArn=arn, Tags=[{"Key": "ok", "Value": "#!%"}])[1] == (
        "The Tag Value provided is invalid, Value: #!%"
    )
    assert error(ddb.tag_resource, ResourceArn=arn, Tags=[{"Key": "<>", "Value": "ok"}])[1] == (
        "The Tag Key provided is invalid, Key: <>"
    )
    assert error(ddb.tag_resource, ResourceArn=arn, Tags=[{"Key": "aws:x", "Value": "ok"}])[1] == (
        "Tag Key cannot be prefixed with aws:, Key: aws:x"
    )
    index_arn = arn + "/index/byg"
    assert error(ddb.list_tags_of_resource, ResourceArn=index_arn)[1] == (
        INVALID + "Invalid resource arn provided, only table or stream is accepted. Provided"
        f" resource arn: {index_arn}"
    )


@pytest.mark.parametrize("bad", ["arn:not/a/good/format", "arn:" + "x/" * 10])
def test_tag_arn_without_fields(ddb: Any, bad: str) -> None:
    """An "ARN" with fewer than six colon-separated fields names no service: authorisation
    must not trip over it, and TagResource answers it as AWS does."""
    assert error(ddb.tag_resource, ResourceArn=bad, Tags=[{"Key": "k", "Value": "v"}])[0] == (
        "ValidationException"
    )


def test_fifty_tags(ddb: Any, arn: str) -> None:
    ddb.tag_resource(ResourceArn=arn, Tags=[{"Key": str(i), "Value": str(i)} for i in range(30)])
    ddb.tag_resource(
        ResourceArn=arn, Tags=[{"Key": str(i), "Value": str(i)} for i in range(20, 50)]
    )
    assert len(tags_of(ddb, arn)) == 50
    assert error(ddb.tag_resource, ResourceArn=arn, Tags=[{"Key": "one-more", "Value": "v"}]) == (
        "ValidationException",
        "Number of Tags exceed the current limit for the provided ResourceArn",
    )
    assert len(tags_of(ddb, arn)) == 50


def test_ttl_enable_disable(ddb: Any, make_table: Any) -> None:
    name = make_table()
    assert ddb.describe_time_to_live(TableName=name)["TimeToLiveDescription"] == {
        "TimeToLiveStatus": "DISABLED"
    }
    disable = {"AttributeName": "exp", "Enabled": False}
    assert error(ddb.update_time_to_live, TableName=name, TimeToLiveSpecification=disable) == (
        "ValidationException",
        "TimeToLive is already disabled",
    )
    enable = {"AttributeName": "exp", "Enabled": True}
    got = ddb.update_time_to_live(TableName=name, TimeToLiveSpecification=enable)
    assert got["TimeToLiveSpecification"] == enable
    assert ddb.describe_time_to_live(TableName=name)["TimeToLiveDescription"] == {
        "TimeToLiveStatus": "ENABLED",
        "AttributeName": "exp",
    }
    assert error(ddb.update_time_to_live, TableName=name, TimeToLiveSpecification=enable)[1] == (
        "TimeToLive is already enabled"
    )
    other = {"AttributeName": "other", "Enabled": False}
    assert error(ddb.update_time_to_live, TableName=name, TimeToLiveSpecification=other)[1] == (
        "TimeToLive is active on a different AttributeName: current AttributeName is exp"
    )
    ddb.update_time_to_live(TableName=name, TimeToLiveSpecification=disable)
    assert ddb.describe_time_to_live(TableName=name)["TimeToLiveDescription"] == {
        "TimeToLiveStatus": "DISABLED"
    }


def test_ttl_errors(ddb: Any) -> None:
    missing = f"t-{uuid.uuid4().hex}"
    spec = {"AttributeName": "exp", "Enabled": True}
    assert error(ddb.update_time_to_live, TableName=missing, TimeToLiveSpecification=spec)[0] == (
        "ResourceNotFoundException"
    )
    assert error(ddb.describe_time_to_live, TableName=missing)[0] == "ResourceNotFoundException"


def test_ttl_attribute_too_long(ddb: Any, make_table: Any) -> None:
    name = make_table()
    spec = {"AttributeName": "x" * 256, "Enabled": True}
    code, message = error(ddb.update_time_to_live, TableName=name, TimeToLiveSpecification=spec)
    assert code == "ValidationException"
    assert message.endswith(
        "at 'timeToLiveSpecification.attributeName' failed to satisfy constraint: Member must"
        " have length less than or equal to 255"
    )


def test_describe_limits_and_endpoints(ddb: Any, server: Any) -> None:
    limits = ddb.describe_limits()
    assert limits["AccountMaxReadCapacityUnits"] == 40000
    assert limits["AccountMaxWriteCapacityUnits"] == 40000
    assert limits["TableMaxReadCapacityUnits"] == 40000
    assert limits["TableMaxWriteCapacityUnits"] == 40000
    (endpoint,) = ddb.describe_endpoints()["Endpoints"]
    assert endpoint["CachePeriodInMinutes"] == 1440
    assert endpoint["Address"] == server.endpoint.split("://", 1)[1]


# -- the TTL sweep ---------------------------------------------------------------------------


def test_expired_rule() -> None:
    now = 2_000_000_000.0
    assert expired({"exp": {"N": str(int(now) - 1)}}, "exp", now)
    assert not expired({"exp": {"N": str(int(now) + 1)}}, "exp", now)
    assert not expired({"exp": {"N": str(int(now) - FIVE_YEARS_S - 1)}}, "exp", now)
    assert not expired({"exp": {"S": "1"}}, "exp", now)
    assert not expired({"other": {"N": "1"}}, "exp", now)


def test_sweep_deletes_expired_items_only() -> None:
    asyncio.run(_sweep_scenario())


async def _sweep_scenario() -> None:
    meta, clock = MemoryMeta(), ManualClock(2_000_000_000.0)
    table = TableRecord(
        id="tid",
        account_id="123456789012",
        region="us-east-1",
        name="ttl-table",
        schema=KeySchema("pk"),
        attribute_types={"pk": "S"},
        created=clock.now(),
        ttl_attribute="exp",
    )
    await meta.commit([_put_table(table)])
    now = int(clock.now())
    items = {
        "past": {"pk": {"S": "past"}, "exp": {"N": str(now - 10)}},
        "future": {"pk": {"S": "future"}, "exp": {"N": str(now + 100)}},
        "ancient": {"pk": {"S": "ancient"}, "exp": {"N": "162777600"}},
        "none": {"pk": {"S": "none"}},
    }
    for item in items.values():
        await meta.commit(change_ops(table, primary_key(table, item), None, item, now=now))
    sweeper = TtlSweeper(meta, clock)
    assert await sweeper.sweep_once() == 1
    remaining = {
        k for k, item in items.items() if await read_item(meta, table, primary_key(table, item))
    }
    assert remaining == {"future", "ancient", "none"}
    clock.advance(200)
    assert await sweeper.sweep_once() == 1
    assert await read_item(meta, table, primary_key(table, items["future"])) is None


def _put_table(table: TableRecord) -> Put:
    return Put(TABLES, table_key(table.region, table.account_id, table.name), encode_table(table))
