"""A stream's life after it is disabled: by DeleteTable or by UpdateTable, a stream goes
DISABLED, its shard closed, and stays listed and readable, every record of it, for 24 hours,
then it is deleted (stream_catalog.py, stream_mover.expire_streams, table_cleanup.py).

End to end through a real server with boto3 first; then the 24 hours, and the deleted table's
unmoved outbox, called directly on the memory engine's stores with a ManualClock."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Coroutine, Iterator
from typing import Any, TypeVar

import pytest
from botocore.exceptions import ClientError

from ownstack.backends.memory import MemoryLogs, MemoryMeta
from ownstack.core.clock import ManualClock
from ownstack.core.context import Principal, RequestContext
from ownstack.services.dynamodb import table_cleanup
from ownstack.services.dynamodb.errors import DynamoError
from ownstack.services.dynamodb.records import outbox_ns
from ownstack.services.dynamodb.service import DynamoDbService
from ownstack.services.dynamodb.stream_catalog import STREAMS
from ownstack.services.dynamodb.stream_mover import RETENTION_S, TRIM_INTERVAL_S, log_id
from ownstack.services.dynamodb.streams_service import StreamsService

MakeTable = Callable[..., str]
T = TypeVar("T")
ENABLE = {"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"}

# -- end to end ----------------------------------------------------------------------------------


def read_all(streams: Any, arn: str) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """Every record of the stream's one shard from its start, and the shard, read until the
    closed shard gives no NextShardIterator."""
    description = streams.describe_stream(StreamArn=arn)["StreamDescription"]
    (shard,) = description["Shards"]
    iterator = streams.get_shard_iterator(
        StreamArn=arn, ShardId=shard["ShardId"], ShardIteratorType="TRIM_HORIZON"
    )["ShardIterator"]
    records: list[dict[str, Any]] = []
    for _ in range(100):
        got = streams.get_records(ShardIterator=iterator, Limit=7)
        records += got["Records"]
        if "NextShardIterator" not in got:
            return records, shard
        iterator = got["NextShardIterator"]
    raise AssertionError("a closed shard never ended")


def pks(records: list[dict[str, Any]]) -> list[str]:
    return [r["dynamodb"]["Keys"]["pk"]["S"] for r in records]


def not_found(call: Callable[[], Any]) -> str:
    with pytest.raises(ClientError) as caught:
        call()
    assert caught.value.response["Error"]["Code"] == "ResourceNotFoundException"
    return str(caught.value.response["Error"]["Message"])


def test_a_deleted_tables_stream_is_disabled_and_keeps_every_record(
    ddb: Any, streams: Any, make_table: MakeTable
) -> None:
    table = make_table(StreamSpecification=ENABLE)
    arn = ddb.describe_table(TableName=table)["Table"]["LatestStreamArn"]
    written = [f"k{i:02d}" for i in range(25)]
    for pk in written:  # none read: they may all still wait in the table's outbox
        ddb.put_item(TableName=table, Item={"pk": {"S": pk}})
    ddb.delete_table(TableName=table)
    not_found(lambda: ddb.describe_table(TableName=table))

    listed = streams.list_streams(TableName=table)["Streams"]
    assert listed == [{"StreamArn": arn, "TableName": table, "StreamLabel": arn.rsplit("/", 1)[1]}]
    assert arn in [s["StreamArn"] for s in streams.list_streams()["Streams"]]
    description = streams.describe_stream(StreamArn=arn)["StreamDescription"]
    assert description["StreamStatus"] == "DISABLED"
    assert description["TableName"] == table
    assert description["KeySchema"] == [{"AttributeName": "pk", "KeyType": "HASH"}]
    assert description["StreamViewType"] == "NEW_AND_OLD_IMAGES"

    records, shard = read_all(streams, arn)
    assert pks(records) == written
    numbers = [int(r["dynamodb"]["SequenceNumber"]) for r in records]
    assert (
        shard["SequenceNumberRange"]["EndingSequenceNumber"]
        == (records[-1]["dynamodb"]["SequenceNumber"])
    )
    assert numbers == sorted(set(numbers))
    time.sleep(1.5)  # the table's data is gone by now (table_cleanup's grace is 1 s)
    again, _ = read_all(streams, arn)
    assert again == records  # nothing lost, nothing twice, the same sequence numbers


def test_disable_then_enable_lists_both_streams_and_the_old_one_stays_readable(
    ddb: Any, streams: Any, make_table: MakeTable
) -> None:
    table = make_table(StreamSpecification=ENABLE)
    old = ddb.describe_table(TableName=table)["Table"]["LatestStreamArn"]
    ddb.put_item(TableName=table, Item={"pk": {"S": "before"}})
    ddb.update_table(TableName=table, StreamSpecification={"StreamEnabled": False})
    ddb.put_item(TableName=table, Item={"pk": {"S": "unstreamed"}})
    time.sleep(0.002)  # labels are milliseconds: the new stream gets a later one
    ddb.update_table(
        TableName=table, StreamSpecification={"StreamEnabled": True, "StreamViewType": "KEYS_ONLY"}
    )
    new = ddb.describe_table(TableName=table)["Table"]["LatestStreamArn"]
    assert new != old
    ddb.put_item(TableName=table, Item={"pk": {"S": "after"}})

    listed = streams.list_streams(TableName=table)["Streams"]
    assert [s["StreamArn"] for s in listed] == [old, new]
    assert {s["TableName"] for s in listed} == {table}
    first = streams.list_streams(TableName=table, Limit=1)
    assert first["LastEvaluatedStreamArn"] == old
    rest = streams.list_streams(TableName=table, ExclusiveStartStreamArn=old)["Streams"]
    assert [s["StreamArn"] for s in rest] == [new]

    described = streams.describe_stream(StreamArn=old)["StreamDescription"]
    assert described["StreamStatus"] == "DISABLED"
    assert described["StreamViewType"] == "NEW_AND_OLD_IMAGES"
    records, shard = read_all(streams, old)
    assert pks(records) == ["before"]
    assert "EndingSequenceNumber" in shard["SequenceNumberRange"]

    current = streams.describe_stream(StreamArn=new)["StreamDescription"]
    assert current["StreamStatus"] == "ENABLED"
    assert current["StreamViewType"] == "KEYS_ONLY"
    (open_shard,) = current["Shards"]
    assert "EndingSequenceNumber" not in open_shard["SequenceNumberRange"]
    iterator = streams.get_shard_iterator(
        StreamArn=new, ShardId=open_shard["ShardId"], ShardIteratorType="TRIM_HORIZON"
    )["ShardIterator"]
    got = streams.get_records(ShardIterator=iterator)
    assert pks(got["Records"]) == ["after"]
    assert "NextShardIterator" in got  # an open shard goes on


def test_a_table_made_again_under_the_same_name_lists_the_old_stream_too(
    ddb: Any, streams: Any, make_table: MakeTable
) -> None:
    table = make_table(StreamSpecification=ENABLE)
    old = ddb.describe_table(TableName=table)["Table"]["LatestStreamArn"]
    ddb.put_item(TableName=table, Item={"pk": {"S": "first life"}})
    ddb.delete_table(TableName=table)
    time.sleep(0.002)
    make_table(TableName=table, StreamSpecification=ENABLE)
    new = ddb.describe_table(TableName=table)["Table"]["LatestStreamArn"]
    ddb.put_item(TableName=table, Item={"pk": {"S": "second life"}})
    listed = streams.list_streams(TableName=table)["Streams"]
    assert [s["StreamArn"] for s in listed] == [old, new]
    assert pks(read_all(streams, old)[0]) == ["first life"]
    old_shard = streams.describe_stream(StreamArn=old)["StreamDescription"]["Shards"][0]
    new_shard = streams.describe_stream(StreamArn=new)["StreamDescription"]["Shards"][0]
    assert old_shard["ShardId"] != new_shard["ShardId"]


def test_a_table_never_streamed_and_deleted_is_not_found(ddb: Any, streams: Any) -> None:
    name = "never-streamed-lifecycle"
    ddb.create_table(
        TableName=name,
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    assert streams.list_streams(TableName=name)["Streams"] == []
    ddb.delete_table(TableName=name)
    message = not_found(lambda: streams.list_streams(TableName=name))
    assert message == f"Requested resource not found: Table: {name} not found"


# -- directly, on a ManualClock ------------------------------------------------------------------

ACCOUNT = "123456789012"
REGION = "us-east-1"


class World:
    def __init__(self) -> None:
        self.clock = ManualClock()
        self.meta, self.logs = MemoryMeta(), MemoryLogs(self.clock)
        self.ddb = DynamoDbService(self.meta, self.logs, self.clock, REGION)
        self.streams = StreamsService(self.meta, self.logs, self.clock, REGION)
        principal = Principal(ACCOUNT, f"arn:aws:iam::{ACCOUNT}:root", ACCOUNT, "AKIDEXAMPLE")
        self.ctx = RequestContext("req", ACCOUNT, REGION, principal)
        self.loop = asyncio.new_event_loop()

    def run(self, coro: Coroutine[Any, Any, T]) -> T:
        return self.loop.run_until_complete(coro)

    def table(self, name: str = "tab") -> str:
        made = self.ddb_call(
            "create_table",
            TableName=name,
            KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
            BillingMode="PAY_PER_REQUEST",
            StreamSpecification=ENABLE,
        )
        return str(made["TableDescription"]["LatestStreamArn"])

    def ddb_call(self, op: str, **params: Any) -> Any:
        return self.run(getattr(self.ddb, op)(self.ctx, params))

    def call(self, op: str, **params: Any) -> Any:
        return self.run(getattr(self.streams, op)(self.ctx, params))

    def put(self, table: str, pk: str) -> None:
        self.ddb_call("put_item", TableName=table, Item={"pk": {"S": pk}})

    def set_stream(self, table: str, spec: dict[str, Any]) -> None:
        self.ddb_call("update_table", TableName=table, StreamSpecification=spec)

    def read(self, arn: str) -> list[str]:
        """The keys of every record of the stream, from its start."""
        (shard,) = self.call("describe_stream", StreamArn=arn)["StreamDescription"]["Shards"]
        got = self.call(
            "get_shard_iterator",
            StreamArn=arn,
            ShardId=shard["ShardId"],
            ShardIteratorType="TRIM_HORIZON",
        )
        records = self.call("get_records", ShardIterator=got["ShardIterator"])["Records"]
        return [r["dynamodb"]["Keys"]["pk"]["S"] for r in records]

    def listed(self, table: str | None = None) -> list[str]:
        params = {} if table is None else {"TableName": table}
        return [s["StreamArn"] for s in self.call("list_streams", **params)["Streams"]]

    def missing(self, arn: str) -> bool:
        with pytest.raises(DynamoError) as caught:
            self.call("describe_stream", StreamArn=arn)
        return caught.value.code == "ResourceNotFoundException"

    def catalog(self) -> list[str]:
        return [r.key for r in self.run(self.meta.scan(STREAMS))]


@pytest.fixture
def world(monkeypatch: pytest.MonkeyPatch) -> Iterator[World]:
    monkeypatch.setattr(table_cleanup, "WRITER_GRACE_S", 0.0)
    made = World()
    yield made
    made.run(made.ddb.table_jobs.stop())
    made.loop.close()


def drop(world: World, name: str) -> None:
    """DeleteTable, then its background cleanup, run to its end."""
    table = world.run(world.ddb.table(world.ctx, name))
    world.ddb_call("delete_table", TableName=name)
    world.run(table_cleanup.drop_table_data(world.meta, world.logs, table))
    assert world.run(table_cleanup.pending_drops(world.meta)) == []


def test_a_deleted_tables_unmoved_records_reach_the_log_each_once(world: World) -> None:
    arn = world.table()
    table = world.run(world.ddb.table(world.ctx, "tab"))
    for pk in "abcde":
        world.put("tab", pk)
    label = arn.rsplit("/", 1)[1]
    assert world.run(world.logs.shards(log_id(table.id, label))) == []  # nothing moved yet
    world.ddb_call("delete_table", TableName="tab")

    async def cleanup_and_reader_at_once() -> None:
        await asyncio.gather(
            table_cleanup.drop_table_data(world.meta, world.logs, table),
            world.streams.describe_stream(world.ctx, {"StreamArn": arn}),
        )

    world.run(cleanup_and_reader_at_once())
    assert world.run(world.meta.scan(outbox_ns(table))) == []
    assert world.read(arn) == list("abcde")
    description = world.call("describe_stream", StreamArn=arn)["StreamDescription"]
    assert description["StreamStatus"] == "DISABLED"
    (shard,) = description["Shards"]
    assert shard["SequenceNumberRange"] == {
        "StartingSequenceNumber": "000000000000000000001",
        "EndingSequenceNumber": "000000000000000000005",
    }


def test_a_deleted_tables_stream_is_deleted_24_hours_later(world: World) -> None:
    arn = world.table()
    table = world.run(world.ddb.table(world.ctx, "tab"))
    world.put("tab", "a")
    drop(world, "tab")
    world.clock.advance(RETENTION_S - 1)
    assert world.run(world.streams.mover.expire_streams()) == 0
    assert world.listed() == [arn] and world.listed("tab") == [arn]
    assert world.read(arn) == ["a"]
    world.clock.advance(1)
    assert world.run(world.streams.mover.expire_streams()) == 1
    assert world.missing(arn)
    assert world.listed() == []
    with pytest.raises(DynamoError) as caught:
        world.call("list_streams", TableName="tab")
    assert caught.value.message == "Requested resource not found: Table: tab not found"
    assert world.run(world.logs.shards(log_id(table.id, arn.rsplit("/", 1)[1]))) == []
    assert world.catalog() == []


def test_a_disabled_stream_is_deleted_24_hours_after_it_was_disabled(world: World) -> None:
    old = world.table()
    world.put("tab", "a")
    world.clock.advance(3600)  # the stream's age is not what counts, its disabling is
    world.set_stream("tab", {"StreamEnabled": False})
    world.clock.advance(60)
    world.set_stream("tab", ENABLE)
    new = world.ddb_call("describe_table", TableName="tab")["Table"]["LatestStreamArn"]
    world.put("tab", "b")
    world.clock.advance(RETENTION_S - 60 - TRIM_INTERVAL_S)
    world.run(world.streams.mover.run_once())  # the background pass: moves, trims, expires
    assert world.listed("tab") == [old, new]
    assert world.read(old) == ["a"]
    world.clock.advance(TRIM_INTERVAL_S)
    world.run(world.streams.mover.run_once())
    assert world.missing(old)
    assert world.listed("tab") == [new]
    assert world.call("describe_stream", StreamArn=new)["StreamDescription"]["StreamStatus"] == (
        "ENABLED"
    )
    assert world.catalog() == []


def test_a_disabled_streams_records_are_trimmed_at_24_hours_of_age(world: World) -> None:
    arn = world.table()
    world.put("tab", "old")
    world.call("describe_stream", StreamArn=arn)  # moved to the log now
    world.clock.advance(RETENTION_S / 2)
    world.put("tab", "young")
    world.set_stream("tab", {"StreamEnabled": False})
    world.clock.advance(RETENTION_S / 2 + 1)
    assert world.read(arn) == ["old", "young"]
    world.run(world.streams.mover.expire_streams())
    assert world.read(arn) == ["young"]  # still listed: it was disabled 12 hours ago
    assert world.listed("tab") == [arn]


def test_a_stream_disabled_then_its_table_deleted_keeps_its_first_deadline(world: World) -> None:
    arn = world.table()
    world.put("tab", "a")
    world.set_stream("tab", {"StreamEnabled": False})
    world.clock.advance(RETENTION_S / 2)
    drop(world, "tab")
    assert world.listed() == [arn]
    assert world.read(arn) == ["a"]
    world.clock.advance(RETENTION_S / 2)
    assert world.run(world.streams.mover.expire_streams()) == 1
    assert world.missing(arn)
