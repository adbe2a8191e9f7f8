"""DynamoDB Streams end to end: a real server, boto3's `dynamodb` and `dynamodbstreams`
clients. Tables are made with a stream, items written through DynamoDB, and the change
records read back through ListStreams, DescribeStream, GetShardIterator and GetRecords."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from typing import Any

import pytest
from botocore.exceptions import ClientError

MakeTable = Callable[..., str]


def stream_of(ddb: Any, table: str) -> str:
    arn: str = ddb.describe_table(TableName=table)["Table"]["LatestStreamArn"]
    return arn


def shard_of(streams: Any, arn: str) -> dict[str, Any]:
    (shard,) = streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"]
    return dict(shard)


def iterator(streams: Any, arn: str, kind: str = "TRIM_HORIZON", **extra: str) -> str:
    shard = shard_of(streams, arn)["ShardId"]
    got = streams.get_shard_iterator(StreamArn=arn, ShardId=shard, ShardIteratorType=kind, **extra)
    return str(got["ShardIterator"])


def code_and_message(caught: pytest.ExceptionInfo[ClientError]) -> tuple[str, str]:
    error = caught.value.response["Error"]
    return error["Code"], error["Message"]


@pytest.fixture
def streamed(ddb: Any, make_table: MakeTable) -> Callable[[str], tuple[str, str]]:
    """make(view_type) -> (table name, stream ARN) of a new table with a stream."""

    def make(view_type: str) -> tuple[str, str]:
        spec = {"StreamEnabled": True, "StreamViewType": view_type}
        name = make_table(StreamSpecification=spec)
        return name, stream_of(ddb, name)

    return make


def test_changes_are_read_back_in_order_with_their_images(
    ddb: Any, streams: Any, streamed: Callable[[str], tuple[str, str]]
) -> None:
    table, arn = streamed("NEW_AND_OLD_IMAGES")
    ddb.put_item(TableName=table, Item={"pk": {"S": "a"}, "n": {"N": "1"}, "b": {"B": b"\x00\xff"}})
    ddb.update_item(
        TableName=table,
        Key={"pk": {"S": "a"}},
        UpdateExpression="SET n = :two",
        ExpressionAttributeValues={":two": {"N": "2"}},
    )
    ddb.delete_item(TableName=table, Key={"pk": {"S": "a"}})
    got = streams.get_records(ShardIterator=iterator(streams, arn))
    records = got["Records"]
    assert [r["eventName"] for r in records] == ["INSERT", "MODIFY", "REMOVE"]
    insert, modify, remove = (r["dynamodb"] for r in records)
    assert insert["Keys"] == {"pk": {"S": "a"}}
    assert insert["NewImage"] == {"pk": {"S": "a"}, "n": {"N": "1"}, "b": {"B": b"\x00\xff"}}
    assert "OldImage" not in insert
    assert modify["OldImage"]["n"] == {"N": "1"} and modify["NewImage"]["n"] == {"N": "2"}
    assert remove["OldImage"]["n"] == {"N": "2"} and "NewImage" not in remove
    numbers = [r["dynamodb"]["SequenceNumber"] for r in records]
    assert all(n.isdecimal() and len(n) >= 21 for n in numbers)
    assert [int(n) for n in numbers] == sorted(int(n) for n in numbers)
    for record in records:
        assert record["eventSource"] == "aws:dynamodb"
        assert record["eventVersion"] == "1.1"
        assert record["awsRegion"] == ddb.meta.region_name
        assert len(record["eventID"]) == 32
        assert record["dynamodb"]["StreamViewType"] == "NEW_AND_OLD_IMAGES"
        assert record["dynamodb"]["SizeBytes"] > 0
        created = record["dynamodb"]["ApproximateCreationDateTime"]
        assert isinstance(created, datetime.datetime)
        now = datetime.datetime.now(datetime.UTC)
        assert abs((now - created).total_seconds()) < 120
    assert "NextShardIterator" in got


@pytest.mark.parametrize(
    ("view_type", "kept"),
    [
        ("KEYS_ONLY", set()),
        ("NEW_IMAGE", {"NewImage"}),
        ("OLD_IMAGE", {"OldImage"}),
    ],
)
def test_each_view_type_keeps_its_images(
    ddb: Any,
    streams: Any,
    streamed: Callable[[str], tuple[str, str]],
    view_type: str,
    kept: set[str],
) -> None:
    table, arn = streamed(view_type)
    ddb.put_item(TableName=table, Item={"pk": {"S": "a"}, "v": {"S": "1"}})
    ddb.put_item(TableName=table, Item={"pk": {"S": "a"}, "v": {"S": "2"}})
    records = streams.get_records(ShardIterator=iterator(streams, arn))["Records"]
    modify = records[1]["dynamodb"]
    assert {"NewImage", "OldImage"} & set(modify) == kept
    assert modify["StreamViewType"] == view_type


def test_a_latest_iterator_sees_the_next_acknowledged_write(
    ddb: Any, streams: Any, streamed: Callable[[str], tuple[str, str]]
) -> None:
    table, arn = streamed("KEYS_ONLY")
    ddb.put_item(TableName=table, Item={"pk": {"S": "before"}})
    latest = iterator(streams, arn, "LATEST")
    ddb.put_item(TableName=table, Item={"pk": {"S": "after"}})
    got = streams.get_records(ShardIterator=latest)
    assert [r["dynamodb"]["Keys"]["pk"]["S"] for r in got["Records"]] == ["after"]
    ddb.put_item(TableName=table, Item={"pk": {"S": "later"}})
    more = streams.get_records(ShardIterator=got["NextShardIterator"])
    assert [r["dynamodb"]["Keys"]["pk"]["S"] for r in more["Records"]] == ["later"]


def test_sequence_number_iterators_and_limits(
    ddb: Any, streams: Any, streamed: Callable[[str], tuple[str, str]]
) -> None:
    table, arn = streamed("KEYS_ONLY")
    for pk in "abcd":
        ddb.put_item(TableName=table, Item={"pk": {"S": pk}})
    first = streams.get_records(ShardIterator=iterator(streams, arn), Limit=2)
    assert [r["dynamodb"]["Keys"]["pk"]["S"] for r in first["Records"]] == ["a", "b"]
    second = first["Records"][1]["dynamodb"]["SequenceNumber"]
    at = iterator(streams, arn, "AT_SEQUENCE_NUMBER", SequenceNumber=second)
    after = iterator(streams, arn, "AFTER_SEQUENCE_NUMBER", SequenceNumber=second)
    at_keys = [
        r["dynamodb"]["Keys"]["pk"]["S"] for r in streams.get_records(ShardIterator=at)["Records"]
    ]
    after_records = streams.get_records(ShardIterator=after)["Records"]
    assert at_keys == ["b", "c", "d"]
    assert [r["dynamodb"]["Keys"]["pk"]["S"] for r in after_records] == ["c", "d"]


def test_list_and_describe_streams(
    ddb: Any, streams: Any, streamed: Callable[[str], tuple[str, str]], make_table: MakeTable
) -> None:
    table, arn = streamed("NEW_IMAGE")
    plain = make_table()
    assert streams.list_streams(TableName=plain)["Streams"] == []
    (listed,) = streams.list_streams(TableName=table)["Streams"]
    label = arn.rsplit("/stream/", 1)[1]
    assert listed == {"StreamArn": arn, "TableName": table, "StreamLabel": label}
    description = streams.describe_stream(StreamArn=arn)["StreamDescription"]
    assert description["StreamStatus"] == "ENABLED"
    assert description["StreamViewType"] == "NEW_IMAGE"
    assert description["TableName"] == table
    assert description["KeySchema"] == [{"AttributeName": "pk", "KeyType": "HASH"}]
    assert isinstance(description["CreationRequestDateTime"], datetime.datetime)
    (shard,) = description["Shards"]
    assert shard["ShardId"].startswith("shardId-") and len(shard["ShardId"]) <= 65
    assert shard["SequenceNumberRange"]["StartingSequenceNumber"].isdecimal()
    assert "EndingSequenceNumber" not in shard["SequenceNumberRange"]


def test_list_streams_pages(streams: Any, streamed: Callable[[str], tuple[str, str]]) -> None:
    made = {streamed("KEYS_ONLY")[1] for _ in range(3)}
    seen: list[str] = []
    page = streams.list_streams(Limit=1)
    while True:
        assert len(page["Streams"]) <= 1
        seen += [s["StreamArn"] for s in page["Streams"]]
        if "LastEvaluatedStreamArn" not in page:
            break
        page = streams.list_streams(Limit=1, ExclusiveStartStreamArn=page["LastEvaluatedStreamArn"])
    assert made <= set(seen)
    assert len(seen) == len(set(seen))


def test_a_disabled_stream_closes_its_shard(
    ddb: Any, streams: Any, streamed: Callable[[str], tuple[str, str]]
) -> None:
    table, arn = streamed("KEYS_ONLY")
    ddb.put_item(TableName=table, Item={"pk": {"S": "a"}})
    ddb.update_table(TableName=table, StreamSpecification={"StreamEnabled": False})
    description = streams.describe_stream(StreamArn=arn)["StreamDescription"]
    assert description["StreamStatus"] == "DISABLED"
    (shard,) = description["Shards"]
    numbers = shard["SequenceNumberRange"]
    assert int(numbers["EndingSequenceNumber"]) >= int(numbers["StartingSequenceNumber"])
    got = streams.get_records(ShardIterator=iterator(streams, arn))
    assert [r["dynamodb"]["Keys"]["pk"]["S"] for r in got["Records"]] == ["a"]
    assert "NextShardIterator" not in got  # read to the end of a closed shard


def test_errors_as_aws_words_them(streams: Any, streamed: Callable[[str], tuple[str, str]]) -> None:
    _, arn = streamed("KEYS_ONLY")
    shard = shard_of(streams, arn)["ShardId"]
    missing = arn[:-3] + "999"
    with pytest.raises(ClientError) as caught:
        streams.describe_stream(StreamArn=missing)
    assert code_and_message(caught) == (
        "ResourceNotFoundException",
        f"Requested resource not found: Stream: {missing} not found",
    )
    with pytest.raises(ClientError) as caught:
        streams.describe_stream(StreamArn="sdfadfsdfnlfkajakfgjalksfgklasjklasdjfklasdfasdfgasf")
    assert code_and_message(caught) == ("ValidationException", "Invalid StreamArn")
    with pytest.raises(ClientError) as caught:
        streams.get_shard_iterator(
            StreamArn=arn,
            ShardId="shardId-00000000000000000000-00000000",
            ShardIteratorType="LATEST",
        )
    assert code_and_message(caught) == (
        "ResourceNotFoundException",
        "Requested resource not found: Shard does not exist",
    )
    with pytest.raises(ClientError) as caught:
        streams.get_shard_iterator(
            StreamArn=arn, ShardId=shard, ShardIteratorType="AT_SEQUENCE_NUMBER"
        )
    assert code_and_message(caught)[0] == "ValidationException"
    with pytest.raises(ClientError) as caught:
        streams.get_records(ShardIterator="sdfsdfsgagaddafgagasgasgasdfasdfasdfasdfasdgasdasdgasdg")
    assert code_and_message(caught) == ("ValidationException", "Invalid ShardIterator")


def test_stream_records_survive_a_restart(fresh_server: Callable[..., Any], tmp_path: Any) -> None:
    data = tmp_path / "restarted"
    first = fresh_server(data)
    ddb = first.client("dynamodb")
    ddb.create_table(
        TableName="restarted",
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
        StreamSpecification={"StreamEnabled": True, "StreamViewType": "KEYS_ONLY"},
    )
    arn = stream_of(ddb, "restarted")
    ddb.put_item(TableName="restarted", Item={"pk": {"S": "a"}})
    streams = first.client("dynamodbstreams")
    before = streams.get_records(ShardIterator=iterator(streams, arn))["Records"]  # moved
    ddb.put_item(TableName="restarted", Item={"pk": {"S": "b"}})  # maybe still in the outbox
    first.stop()
    second = fresh_server(data)
    streams = second.client("dynamodbstreams")
    after = streams.get_records(ShardIterator=iterator(streams, arn))["Records"]
    assert [r["dynamodb"]["Keys"]["pk"]["S"] for r in after] == ["a", "b"]
    assert after[0]["dynamodb"]["SequenceNumber"] == before[0]["dynamodb"]["SequenceNumber"]
    assert after[0]["eventID"] == before[0]["eventID"]


def test_an_empty_shard_can_be_read_from_its_starting_sequence_number(
    ddb: Any, streams: Any, streamed: Callable[[str], tuple[str, str]]
) -> None:
    # A new stream's shard already shows a StartingSequenceNumber; both sequence-number
    # iterators accept it before any record is there, and AT_ one then reads the first write.
    table, arn = streamed("KEYS_ONLY")
    start = shard_of(streams, arn)["SequenceNumberRange"]["StartingSequenceNumber"]
    after = iterator(streams, arn, "AFTER_SEQUENCE_NUMBER", SequenceNumber=start)
    at = iterator(streams, arn, "AT_SEQUENCE_NUMBER", SequenceNumber=start)
    assert after and at
    ddb.put_item(TableName=table, Item={"pk": {"S": "first"}})
    records = streams.get_records(ShardIterator=at)["Records"]
    assert [r["dynamodb"]["Keys"] for r in records] == [{"pk": {"S": "first"}}]
    assert records[0]["dynamodb"]["SequenceNumber"] == start


def test_update_table_refuses_an_unknown_view_type(ddb: Any, make_table: MakeTable) -> None:
    name = make_table()
    with pytest.raises(ClientError) as caught:
        ddb.update_table(
            TableName=name, StreamSpecification={"StreamEnabled": True, "StreamViewType": "ALL"}
        )
    assert code_and_message(caught) == (
        "ValidationException",
        "1 validation error detected: Value 'ALL' at 'streamSpecification.streamViewType'"
        " failed to satisfy constraint: Member must satisfy enum value set: [OLD_IMAGE,"
        " KEYS_ONLY, NEW_AND_OLD_IMAGES, NEW_IMAGE]",
    )
    assert "LatestStreamArn" not in ddb.describe_table(TableName=name)["Table"]
