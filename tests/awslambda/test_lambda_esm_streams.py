"""DynamoDB Streams event source mappings against a real server, with functions running in
sandboxes that report what they got to a sink queue: records in order, starting positions,
filters, retries with bisection and the OnFailure record, and a restart resuming from the
stored checkpoint."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from esmkit import SINK_CODE, admin_role, collect, new_queue, nothing_more, wait_state
from lambdakit import unique

from ownserver import ServerFactory

pytestmark = pytest.mark.slow

REGION = "us-east-1"
ECHO = "def handler(event, context):\n    report(event)\n"


def _table(ddb: Any, view: str = "NEW_AND_OLD_IMAGES") -> tuple[str, str]:
    """(name, stream ARN) of a new table with a stream."""
    name = unique("t")
    out = ddb.create_table(
        TableName=name,
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
        StreamSpecification={"StreamEnabled": True, "StreamViewType": view},
    )
    return name, str(out["TableDescription"]["LatestStreamArn"])


def _function(server: Any, role: str, body: str, sink: str, **extra: Any) -> str:
    from invokekit import python_function

    env = {"Variables": {"SINK": sink}}
    return python_function(
        server.client("lambda"), role, SINK_CODE + body, Environment=env, **extra
    )


def _map(lam: Any, stream: str, function: str, **extra: Any) -> str:
    extra.setdefault("StartingPosition", "TRIM_HORIZON")
    made = lam.create_event_source_mapping(EventSourceArn=stream, FunctionName=function, **extra)
    wait_state(lam, made["UUID"], "Enabled")
    return str(made["UUID"])


def _records(sqs: Any, sink: str, count: int) -> list[dict[str, Any]]:
    """The stream records the function got, in the order of its invocations, until `count`."""
    records: list[dict[str, Any]] = []
    while len(records) < count:
        records += [r for got in collect(sqs, sink, 1) for r in got["event"]["Records"]]
    return records


@pytest.fixture(scope="module")
def clients(server: Any, iam: Any) -> tuple[Any, Any, Any, str]:
    return server.client("lambda"), server.client("dynamodb"), server.client("sqs"), admin_role(iam)


def test_records_arrive_in_order(server: Any, clients: tuple[Any, Any, Any, str]) -> None:
    lam, ddb, sqs, role = clients
    table, stream = _table(ddb)
    sink, _ = new_queue(sqs, "sink")
    function = _function(server, role, ECHO, sink)
    ddb.put_item(TableName=table, Item={"pk": {"S": "a"}, "n": {"N": "0"}, "b": {"B": b"\x01"}})
    uuid = _map(lam, stream, function, BatchSize=3)
    for n in range(1, 6):
        ddb.put_item(TableName=table, Item={"pk": {"S": "a"}, "n": {"N": str(n)}})
    ddb.delete_item(TableName=table, Key={"pk": {"S": "a"}})
    records = _records(sqs, sink, 7)
    assert [r["eventName"] for r in records] == ["INSERT"] + ["MODIFY"] * 5 + ["REMOVE"]
    numbers = [int(r["dynamodb"]["SequenceNumber"]) for r in records]
    assert numbers == sorted(numbers)
    first = records[0]
    assert set(first) == {
        "eventID",
        "eventName",
        "eventVersion",
        "eventSource",
        "awsRegion",
        "dynamodb",
        "eventSourceARN",
    }
    assert (first["eventVersion"], first["eventSource"]) == ("1.1", "aws:dynamodb")
    assert (first["awsRegion"], first["eventSourceARN"]) == (REGION, stream)
    change = first["dynamodb"]
    assert change["Keys"] == {"pk": {"S": "a"}}
    assert change["NewImage"] == {"pk": {"S": "a"}, "n": {"N": "0"}, "b": {"B": "AQ=="}}
    assert change["StreamViewType"] == "NEW_AND_OLD_IMAGES"
    assert isinstance(change["ApproximateCreationDateTime"], int | float)
    assert records[1]["dynamodb"]["OldImage"]["n"] == {"N": "0"}
    got = lam.get_event_source_mapping(UUID=uuid)
    assert got["LastProcessingResult"] == "OK"
    lam.delete_event_source_mapping(UUID=uuid)


def test_latest_and_filters(server: Any, clients: tuple[Any, Any, Any, str]) -> None:
    lam, ddb, sqs, role = clients
    table, stream = _table(ddb)
    sink, _ = new_queue(sqs, "sink")
    function = _function(server, role, ECHO, sink)
    ddb.put_item(TableName=table, Item={"pk": {"S": "before"}})
    pattern = json.dumps(
        {"eventName": ["INSERT"], "dynamodb": {"NewImage": {"kind": {"S": ["keep"]}}}}
    )
    uuid = _map(
        lam,
        stream,
        function,
        StartingPosition="LATEST",
        FilterCriteria={"Filters": [{"Pattern": pattern}]},
    )
    ddb.put_item(TableName=table, Item={"pk": {"S": "x"}, "kind": {"S": "drop"}})
    ddb.put_item(TableName=table, Item={"pk": {"S": "y"}, "kind": {"S": "keep"}})
    ddb.put_item(TableName=table, Item={"pk": {"S": "y"}, "kind": {"S": "keep"}, "v": {"N": "1"}})
    records = _records(sqs, sink, 1)
    assert [(r["eventName"], r["dynamodb"]["Keys"]["pk"]["S"]) for r in records] == [
        ("INSERT", "y")
    ]
    nothing_more(sqs, sink)
    lam.delete_event_source_mapping(UUID=uuid)


POISON = (
    "def handler(event, context):\n"
    "    keys = [r['dynamodb']['Keys']['pk']['S'] for r in event['Records']]\n"
    "    report(event)\n"
    "    if 'poison' in keys:\n"
    "        raise ValueError('poison in the batch')\n"
)


def test_bisect_retries_and_on_failure(server: Any, clients: tuple[Any, Any, Any, str]) -> None:
    lam, ddb, sqs, role = clients
    table, stream = _table(ddb, "KEYS_ONLY")
    sink, _ = new_queue(sqs, "sink")
    dlq, dlq_arn = new_queue(sqs, "dlq")
    function = _function(server, role, POISON, sink)
    for key in ("a", "b", "poison", "c"):
        ddb.put_item(TableName=table, Item={"pk": {"S": key}})
    uuid = _map(
        lam,
        stream,
        function,
        BatchSize=4,
        BisectBatchOnFunctionError=True,
        MaximumRetryAttempts=1,
        DestinationConfig={"OnFailure": {"Destination": dlq_arn}},
    )
    failure = collect(sqs, dlq, 1)[0]
    assert failure["requestContext"]["condition"] == "RetryAttemptsExhausted"
    assert failure["requestContext"]["approximateInvokeCount"] == 2
    assert failure["requestContext"]["functionArn"].endswith(f":function:{function}")
    assert failure["responseContext"] == {
        "statusCode": 200,
        "executedVersion": "$LATEST",
        "functionError": "Unhandled",
    }
    assert failure["version"] == "1.0"
    info = failure["DDBStreamBatchInfo"]
    assert (info["batchSize"], info["streamArn"]) == (1, stream)
    assert info["startSequenceNumber"] == info["endSequenceNumber"]
    assert info["shardId"].startswith("shardId-")
    # [a b poison c] fails, then [a b] passes, [poison c] fails, [poison] fails twice, [c] passes.
    batches = [
        [r["dynamodb"]["Keys"]["pk"]["S"] for r in got["event"]["Records"]]
        for got in collect(sqs, sink, 6)
    ]
    assert batches == [
        ["a", "b", "poison", "c"],
        ["a", "b"],
        ["poison", "c"],
        ["poison"],
        ["poison"],
        ["c"],
    ]
    assert lam.get_event_source_mapping(UUID=uuid)["LastProcessingResult"] == "OK"
    lam.delete_event_source_mapping(UUID=uuid)


def test_restart_resumes_from_the_checkpoint(fresh_server: ServerFactory, tmp_path: Path) -> None:
    data = tmp_path / "data"
    first = fresh_server(data)
    lam, ddb, sqs = first.client("lambda"), first.client("dynamodb"), first.client("sqs")
    role = admin_role(first.client("iam"))
    table, stream = _table(ddb)
    sink, _ = new_queue(sqs, "sink")
    function = _function(first, role, ECHO, sink)
    uuid = _map(lam, stream, function, BatchSize=1)
    for key in ("a", "b", "c"):
        ddb.put_item(TableName=table, Item={"pk": {"S": key}})
    assert [r["dynamodb"]["Keys"]["pk"]["S"] for r in _records(sqs, sink, 3)] == ["a", "b", "c"]
    first.stop()

    second = fresh_server(data)
    lam, ddb, sqs = second.client("lambda"), second.client("dynamodb"), second.client("sqs")
    assert lam.get_event_source_mapping(UUID=uuid)["State"] == "Enabled"
    for key in ("d", "e"):
        ddb.put_item(TableName=table, Item={"pk": {"S": key}})
    assert [r["dynamodb"]["Keys"]["pk"]["S"] for r in _records(sqs, sink, 2)] == ["d", "e"]
    nothing_more(sqs, sink)


def test_kill_resumes_where_the_checkpoint_is(fresh_server: ServerFactory, tmp_path: Path) -> None:
    """After a SIGKILL the shard's lease runs out, then the next process resumes at the stored
    checkpoint: what was checkpointed is not delivered again (the last batch may be: the kill
    can fall between its invocation and its checkpoint, and delivery is at least once), and
    nothing is lost."""
    data = tmp_path / "data"
    first = fresh_server(data)
    lam, ddb, sqs = first.client("lambda"), first.client("dynamodb"), first.client("sqs")
    table, stream = _table(ddb)
    sink, _ = new_queue(sqs, "sink")
    function = _function(first, admin_role(first.client("iam")), ECHO, sink)
    _map(lam, stream, function)
    for key in ("a", "b"):  # a's checkpoint is written before b is read
        ddb.put_item(TableName=table, Item={"pk": {"S": key}})
        assert [r["dynamodb"]["Keys"]["pk"]["S"] for r in _records(sqs, sink, 1)] == [key]
    first.process.kill()
    first.process.wait()

    second = fresh_server(data)
    ddb, sqs = second.client("dynamodb"), second.client("sqs")
    ddb.put_item(TableName=table, Item={"pk": {"S": "c"}})
    keys: list[str] = []
    while "c" not in keys:
        keys += [r["dynamodb"]["Keys"]["pk"]["S"] for r in _records(sqs, sink, 1)]
    assert keys in (["c"], ["b", "c"])
    nothing_more(sqs, sink)


def test_parallelization_keeps_each_item_in_order(
    server: Any, clients: tuple[Any, Any, Any, str]
) -> None:
    lam, ddb, sqs, role = clients
    table, stream = _table(ddb)
    sink, _ = new_queue(sqs, "sink")
    function = _function(server, role, ECHO, sink)
    for n in range(6):
        for key in ("a", "b", "c"):
            ddb.put_item(TableName=table, Item={"pk": {"S": key}, "n": {"N": str(n)}})
    uuid = _map(lam, stream, function, BatchSize=2, ParallelizationFactor=3)
    records = _records(sqs, sink, 18)
    for key in ("a", "b", "c"):
        mine = [r for r in records if r["dynamodb"]["Keys"]["pk"]["S"] == key]
        assert [int(r["dynamodb"]["NewImage"]["n"]["N"]) for r in mine] == list(range(6))
    lam.delete_event_source_mapping(UUID=uuid)
