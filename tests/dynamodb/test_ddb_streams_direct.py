"""The DynamoDB Streams operations called directly (StreamsService over the memory engine's
meta and log stores, tables and items written through DynamoDbService), on a ManualClock so
expiry and trimming are exact. The wire itself is test_ddb_streams.py's (boto3, a real
server)."""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from typing import Any, TypeVar

import pytest

from ownstack.backends.memory import MemoryLogs, MemoryMeta
from ownstack.core.clock import ManualClock
from ownstack.core.context import Principal, RequestContext
from ownstack.services.dynamodb.errors import DynamoError
from ownstack.services.dynamodb.service import DynamoDbService
from ownstack.services.dynamodb.stream_mover import RETENTION_S
from ownstack.services.dynamodb.stream_positions import ITERATOR_TTL_S
from ownstack.services.dynamodb.streams_service import StreamsService

T = TypeVar("T")
ACCOUNT = "123456789012"
REGION = "us-east-1"


def context(account: str = ACCOUNT) -> RequestContext:
    principal = Principal(account, f"arn:aws:iam::{account}:root", account, "AKIDEXAMPLE")
    return RequestContext("req", account, REGION, principal)


class World:
    def __init__(self) -> None:
        self.clock = ManualClock()
        meta, logs = MemoryMeta(), MemoryLogs(self.clock)
        self.ddb = DynamoDbService(meta, logs, self.clock, REGION)
        self.streams = StreamsService(meta, logs, self.clock, REGION)
        self.ctx = context()
        self.loop = asyncio.new_event_loop()

    def run(self, coro: Coroutine[Any, Any, T]) -> T:
        return self.loop.run_until_complete(coro)

    def table(self, name: str = "tab", view: str | None = "NEW_AND_OLD_IMAGES") -> str:
        params: dict[str, Any] = {
            "TableName": name,
            "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}],
            "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}],
            "BillingMode": "PAY_PER_REQUEST",
        }
        if view is not None:
            params["StreamSpecification"] = {"StreamEnabled": True, "StreamViewType": view}
        made = self.run(self.ddb.create_table(self.ctx, params))
        arn: str | None = made["TableDescription"].get("LatestStreamArn")
        return arn or ""

    def put(self, table: str, pk: str, **attrs: str) -> None:
        item = {"pk": {"S": pk}, **{k: {"S": v} for k, v in attrs.items()}}
        self.run(self.ddb.put_item(self.ctx, {"TableName": table, "Item": item}))

    def delete(self, table: str, pk: str) -> None:
        self.run(self.ddb.delete_item(self.ctx, {"TableName": table, "Key": {"pk": {"S": pk}}}))

    def call(self, op: str, **params: Any) -> Any:
        return self.run(getattr(self.streams, op)(self.ctx, params))

    def shard(self, arn: str) -> dict[str, Any]:
        (shard,) = self.call("describe_stream", StreamArn=arn)["StreamDescription"]["Shards"]
        return dict(shard)

    def iterator(self, arn: str, kind: str = "TRIM_HORIZON", number: str | None = None) -> str:
        extra = {} if number is None else {"SequenceNumber": number}
        shard = self.shard(arn)["ShardId"]
        got = self.call(
            "get_shard_iterator", StreamArn=arn, ShardId=shard, ShardIteratorType=kind, **extra
        )
        return str(got["ShardIterator"])

    def records(self, iterator: str, **params: Any) -> tuple[list[dict[str, Any]], str | None]:
        got = self.call("get_records", ShardIterator=iterator, **params)
        return got["Records"], got.get("NextShardIterator")


@pytest.fixture
def world() -> Any:
    made = World()
    yield made
    made.loop.close()


def error(world: World, op: str, **params: Any) -> tuple[str, str]:
    with pytest.raises(DynamoError) as caught:
        world.call(op, **params)
    return caught.value.code, caught.value.message


def test_records_come_in_change_order_with_their_images(world: World) -> None:
    arn = world.table()
    world.put("tab", "a", v="1")
    world.put("tab", "a", v="2")
    world.put("tab", "a", v="2")  # no change: no record
    world.delete("tab", "a")
    records, following = world.records(world.iterator(arn))
    assert [r["eventName"] for r in records] == ["INSERT", "MODIFY", "REMOVE"]
    numbers = [r["dynamodb"]["SequenceNumber"] for r in records]
    assert numbers == sorted(numbers) and len(set(numbers)) == 3
    modify = records[1]
    assert modify["dynamodb"]["OldImage"] == {"pk": {"S": "a"}, "v": {"S": "1"}}
    assert modify["dynamodb"]["NewImage"] == {"pk": {"S": "a"}, "v": {"S": "2"}}
    assert modify["eventSource"] == "aws:dynamodb" and modify["eventVersion"] == "1.1"
    assert modify["awsRegion"] == REGION and len(modify["eventID"]) == 32
    assert following is not None
    assert world.records(following)[0] == []


def test_a_reader_sees_a_write_acknowledged_before_its_get_records(world: World) -> None:
    arn = world.table()
    latest = world.iterator(arn, "LATEST")
    world.put("tab", "x")
    records, following = world.records(latest)
    assert [r["dynamodb"]["Keys"] for r in records] == [{"pk": {"S": "x"}}]
    world.put("tab", "y")
    assert following is not None
    assert [r["dynamodb"]["Keys"]["pk"]["S"] for r in world.records(following)[0]] == ["y"]


def test_latest_starts_after_what_was_written_before_it(world: World) -> None:
    arn = world.table()
    world.put("tab", "old")
    assert world.records(world.iterator(arn, "LATEST"))[0] == []


def test_at_and_after_a_sequence_number(world: World) -> None:
    arn = world.table()
    for pk in "abc":
        world.put("tab", pk)
    records, _ = world.records(world.iterator(arn))
    second = records[1]["dynamodb"]["SequenceNumber"]
    at, _ = world.records(world.iterator(arn, "AT_SEQUENCE_NUMBER", second))
    after, _ = world.records(world.iterator(arn, "AFTER_SEQUENCE_NUMBER", second))
    assert [r["dynamodb"]["Keys"]["pk"]["S"] for r in at] == ["b", "c"]
    assert [r["dynamodb"]["Keys"]["pk"]["S"] for r in after] == ["c"]


def test_limit_pages_through_the_shard(world: World) -> None:
    arn = world.table()
    for pk in "abcde":
        world.put("tab", pk)
    seen: list[str] = []
    following = world.iterator(arn)
    for _ in range(3):
        records, then = world.records(following, Limit=2)
        seen += [r["dynamodb"]["Keys"]["pk"]["S"] for r in records]
        assert then is not None
        following = then
    assert seen == list("abcde")


def test_keys_only_stream_keeps_no_images_and_ttl_deletes_name_the_service(world: World) -> None:
    arn = world.table(view="KEYS_ONLY")
    world.put("tab", "a", v="1")
    (record,), _ = world.records(world.iterator(arn))
    assert "NewImage" not in record["dynamodb"] and "OldImage" not in record["dynamodb"]
    assert record["dynamodb"]["StreamViewType"] == "KEYS_ONLY"
    assert "userIdentity" not in record


def test_describe_stream_shows_the_table_and_one_open_shard(world: World) -> None:
    arn = world.table(view="NEW_IMAGE")
    description = world.call("describe_stream", StreamArn=arn)["StreamDescription"]
    assert description["StreamStatus"] == "ENABLED"
    assert description["StreamViewType"] == "NEW_IMAGE"
    assert description["TableName"] == "tab"
    assert description["KeySchema"] == [{"AttributeName": "pk", "KeyType": "HASH"}]
    assert description["StreamArn"] == arn
    assert arn.endswith("/stream/" + description["StreamLabel"])
    assert description["CreationRequestDateTime"] == pytest.approx(world.clock.now(), abs=0.001)
    (shard,) = description["Shards"]
    assert shard["ShardId"].startswith("shardId-")
    assert shard["SequenceNumberRange"] == {"StartingSequenceNumber": "000000000000000000001"}
    later = world.call("describe_stream", StreamArn=arn, ExclusiveStartShardId=shard["ShardId"])
    assert later["StreamDescription"]["Shards"] == []


def test_a_disabled_stream_has_a_closed_shard_read_to_its_end(world: World) -> None:
    arn = world.table()
    world.put("tab", "a")
    world.put("tab", "b")
    spec = {"StreamEnabled": False}
    world.run(world.ddb.update_table(world.ctx, {"TableName": "tab", "StreamSpecification": spec}))
    description = world.call("describe_stream", StreamArn=arn)["StreamDescription"]
    assert description["StreamStatus"] == "DISABLED"
    (shard,) = description["Shards"]
    assert shard["SequenceNumberRange"] == {
        "StartingSequenceNumber": "000000000000000000001",
        "EndingSequenceNumber": "000000000000000000002",
    }
    records, following = world.records(world.iterator(arn), Limit=1)
    assert following is not None  # one more record to come
    records, following = world.records(following)
    assert len(records) == 1 and following is None


def test_list_streams_by_table_and_in_pages(world: World) -> None:
    arns = [world.table(name) for name in ("tab-a", "tab-b", "tab-c")]
    world.table("tab-plain", view=None)
    assert world.call("list_streams", TableName="tab-plain")["Streams"] == []
    (one,) = world.call("list_streams", TableName="tab-b")["Streams"]
    assert one == {
        "StreamArn": arns[1],
        "TableName": "tab-b",
        "StreamLabel": arns[1].rsplit("/", 1)[1],
    }
    first = world.call("list_streams", Limit=2)
    assert [s["StreamArn"] for s in first["Streams"]] == arns[:2]
    assert first["LastEvaluatedStreamArn"] == arns[1]
    rest = world.call("list_streams", Limit=2, ExclusiveStartStreamArn=arns[1])
    assert [s["StreamArn"] for s in rest["Streams"]] == arns[2:]
    assert "LastEvaluatedStreamArn" not in rest


def test_streams_of_other_accounts_are_not_listed_nor_found(world: World) -> None:
    arn = world.table()
    world.ctx = context("210987654321")
    assert world.call("list_streams")["Streams"] == []
    assert error(world, "describe_stream", StreamArn=arn) == (
        "ResourceNotFoundException",
        f"Requested resource not found: Stream: {arn} not found",
    )


def test_a_stream_of_a_deleted_or_unknown_table_is_not_found(world: World) -> None:
    arn = world.table()
    gone = arn.replace("/stream/", "x/stream/")
    assert error(world, "describe_stream", StreamArn=gone)[0] == "ResourceNotFoundException"
    other_label = arn[:-3] + "999"
    assert error(world, "describe_stream", StreamArn=other_label) == (
        "ResourceNotFoundException",
        f"Requested resource not found: Stream: {other_label} not found",
    )
    assert error(world, "list_streams", TableName="nope") == (
        "ResourceNotFoundException",
        "Requested resource not found: Table: nope not found",
    )


def test_malformed_parameters_are_validation_errors(world: World) -> None:
    arn = world.table()
    shard = world.shard(arn)["ShardId"]
    garbage = "sdfadfsdfnlfkajakfgjalksfgklasjklasdjfklasdfasdfgasf"
    assert error(world, "describe_stream", StreamArn=garbage) == (
        "ValidationException",
        "Invalid StreamArn",
    )
    assert error(world, "list_streams", Limit=0) == (
        "ValidationException",
        "1 validation error detected: Value '0' at 'limit' failed to satisfy constraint: "
        "Member must have value greater than or equal to 1",
    )
    code, message = error(
        world, "get_shard_iterator", StreamArn=arn, ShardId=shard, ShardIteratorType="bulle"
    )
    assert code == "ValidationException" and "Member must satisfy enum value set" in message
    for kind in ("AT_SEQUENCE_NUMBER", "AFTER_SEQUENCE_NUMBER"):
        assert error(
            world, "get_shard_iterator", StreamArn=arn, ShardId=shard, ShardIteratorType=kind
        )[0] == ("ValidationException")
    latest_with_number = error(
        world,
        "get_shard_iterator",
        StreamArn=arn,
        ShardId=shard,
        ShardIteratorType="LATEST",
        SequenceNumber="000000000000000000001",
    )
    assert latest_with_number[0] == "ValidationException"
    assert error(world, "get_records", ShardIterator=garbage) == (
        "ValidationException",
        "Invalid ShardIterator",
    )
    assert error(world, "get_records", ShardIterator=world.iterator(arn), Limit=1001)[0] == (
        "ValidationException"
    )


def test_an_unknown_shard_is_not_found(world: World) -> None:
    arn = world.table()
    assert error(
        world,
        "get_shard_iterator",
        StreamArn=arn,
        ShardId="shardId-00000000000000000000-00000000",
        ShardIteratorType="LATEST",
    ) == ("ResourceNotFoundException", "Requested resource not found: Shard does not exist")


def test_a_sequence_number_beyond_the_shard_is_invalid(world: World) -> None:
    arn = world.table()
    world.put("tab", "a")
    assert error(
        world,
        "get_shard_iterator",
        StreamArn=arn,
        ShardId=world.shard(arn)["ShardId"],
        ShardIteratorType="AT_SEQUENCE_NUMBER",
        SequenceNumber="000000000000000000002",
    ) == ("ValidationException", "Invalid SequenceNumber for the shard")


def test_iterators_expire_after_15_minutes(world: World) -> None:
    arn = world.table()
    iterator = world.iterator(arn)
    world.clock.advance(ITERATOR_TTL_S - 1)
    _, following = world.records(iterator)
    world.clock.advance(2)
    assert error(world, "get_records", ShardIterator=iterator) == (
        "ExpiredIteratorException",
        "Shard iterator has expired",
    )
    assert following is not None
    world.records(following)  # a NextShardIterator is good for 15 minutes of its own


def test_reading_trimmed_records_is_refused(world: World) -> None:
    arn = world.table()
    world.put("tab", "a")
    records, _ = world.records(world.iterator(arn))
    first = records[0]["dynamodb"]["SequenceNumber"]
    world.clock.advance(RETENTION_S - 300)
    stale = world.iterator(arn)  # at the oldest record, which is about to be trimmed
    world.clock.advance(600)
    world.put("tab", "b")
    table = world.run(world.streams.table(world.ctx, "tab"))
    assert world.run(world.streams.mover.trim_table(table)) == 1
    trimmed = ("TrimmedDataAccessException", "The data you are trying to access has been trimmed.")
    assert error(world, "get_records", ShardIterator=stale) == trimmed
    shard = world.shard(arn)
    assert (
        error(
            world,
            "get_shard_iterator",
            StreamArn=arn,
            ShardId=shard["ShardId"],
            ShardIteratorType="AT_SEQUENCE_NUMBER",
            SequenceNumber=first,
        )
        == trimmed
    )
    assert shard["SequenceNumberRange"]["StartingSequenceNumber"] == "000000000000000000002"
    records, _ = world.records(world.iterator(arn))
    assert [r["dynamodb"]["Keys"]["pk"]["S"] for r in records] == ["b"]
