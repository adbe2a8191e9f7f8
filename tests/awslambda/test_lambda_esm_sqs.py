"""SQS event source mappings against a real server, with functions running in sandboxes: each
test function reports the events it got to a sink queue (esmkit.SINK_CODE)."""

from __future__ import annotations

import hashlib
import json
import time
from typing import Any

import pytest
from esmkit import SINK_CODE, admin_role, collect, counts, new_queue, nothing_more, wait_state
from invokekit import eventually, python_function

pytestmark = pytest.mark.slow

REGION = "us-east-1"


@pytest.fixture(scope="module")
def sqs(server: Any) -> Any:
    return server.client("sqs")


@pytest.fixture(scope="module")
def admin(iam: Any) -> str:
    return admin_role(iam)


def _function(lam: Any, role: str, body: str, sink: str, **extra: Any) -> str:
    code = SINK_CODE + body
    return python_function(lam, role, code, Environment={"Variables": {"SINK": sink}}, **extra)


ECHO = "def handler(event, context):\n    report(event)\n"


def _map(lam: Any, arn: str, function: str, **extra: Any) -> str:
    uuid = str(
        lam.create_event_source_mapping(EventSourceArn=arn, FunctionName=function, **extra)["UUID"]
    )
    wait_state(lam, uuid, "Enabled")
    return uuid


def test_batch_is_delivered_and_deleted(lam: Any, sqs: Any, admin: str) -> None:
    sink, _ = new_queue(sqs, "sink")
    url, arn = new_queue(sqs, "src")
    function = _function(lam, admin, ECHO, sink)
    uuid = _map(lam, arn, function, BatchSize=10, MaximumBatchingWindowInSeconds=1)
    attrs = {
        "color": {"DataType": "String", "StringValue": "blue"},
        "blob": {"DataType": "Binary", "BinaryValue": b"\x00\x01"},
    }
    sent = [
        sqs.send_message(QueueUrl=url, MessageBody=f"m{i}", MessageAttributes=attrs)
        for i in range(3)
    ]
    records = [r for got in collect(sqs, sink, 1) for r in got["event"]["Records"]]
    while len(records) < 3:  # the window may have closed before all three arrived
        records += [r for got in collect(sqs, sink, 1) for r in got["event"]["Records"]]
    assert sorted(r["messageId"] for r in records) == sorted(s["MessageId"] for s in sent)
    first = next(r for r in records if r["messageId"] == sent[0]["MessageId"])
    assert set(first) == {
        "messageId",
        "receiptHandle",
        "body",
        "attributes",
        "messageAttributes",
        "md5OfMessageAttributes",
        "md5OfBody",
        "eventSource",
        "eventSourceARN",
        "awsRegion",
    }
    assert (first["body"], first["eventSource"], first["eventSourceARN"]) == ("m0", "aws:sqs", arn)
    assert first["awsRegion"] == REGION
    assert first["md5OfBody"] == hashlib.md5(b"m0").hexdigest()
    assert first["md5OfMessageAttributes"] == sent[0]["MD5OfMessageAttributes"]
    assert set(first["attributes"]) == {
        "ApproximateReceiveCount",
        "SentTimestamp",
        "SenderId",
        "ApproximateFirstReceiveTimestamp",
    }
    assert first["attributes"]["ApproximateReceiveCount"] == "1"
    assert first["messageAttributes"] == {
        "blob": {
            "binaryValue": "AAE=",
            "stringListValues": [],
            "binaryListValues": [],
            "dataType": "Binary",
        },
        "color": {
            "stringValue": "blue",
            "stringListValues": [],
            "binaryListValues": [],
            "dataType": "String",
        },
    }
    eventually(lambda: counts(sqs, url) == (0, 0), 10.0)
    lam.delete_event_source_mapping(UUID=uuid)


PARTIAL = (
    "def handler(event, context):\n"
    "    report(event)\n"
    "    bad = [r['messageId'] for r in event['Records'] if r['body'].startswith('bad')]\n"
    "    return {'batchItemFailures': [{'itemIdentifier': m} for m in bad]}\n"
)


def test_partial_batch_failure_goes_to_the_dead_letter_queue(
    lam: Any, sqs: Any, admin: str
) -> None:
    sink, _ = new_queue(sqs, "sink")
    _, dlq_arn = new_queue(sqs, "dlq")
    dlq = sqs.get_queue_url(QueueName=dlq_arn.rsplit(":", 1)[1])["QueueUrl"]
    policy = json.dumps({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": 2})
    url, arn = new_queue(sqs, "src", VisibilityTimeout="2", RedrivePolicy=policy)
    function = _function(lam, admin, PARTIAL, sink, Timeout=2)
    for body in ("good-1", "bad-1", "good-2"):
        sqs.send_message(QueueUrl=url, MessageBody=body)
    uuid = _map(lam, arn, function, FunctionResponseTypes=["ReportBatchItemFailures"])
    dead = eventually(
        lambda: sqs.receive_message(QueueUrl=dlq, WaitTimeSeconds=1).get("Messages"), 30.0
    )
    assert [m["Body"] for m in dead] == ["bad-1"]
    bodies: list[str] = []
    while True:
        got = sqs.receive_message(QueueUrl=sink, MaxNumberOfMessages=10, WaitTimeSeconds=1)
        if not got.get("Messages"):
            break
        for message in got["Messages"]:
            bodies += [r["body"] for r in json.loads(message["Body"])["event"]["Records"]]
    # The good ones were handled once and deleted; the bad one was tried maxReceiveCount times.
    assert sorted(bodies) == ["bad-1", "bad-1", "good-1", "good-2"]
    assert counts(sqs, url) == (0, 0)
    lam.delete_event_source_mapping(UUID=uuid)


def test_function_error_returns_the_batch(lam: Any, sqs: Any, admin: str) -> None:
    sink, _ = new_queue(sqs, "sink")
    url, arn = new_queue(sqs, "src", VisibilityTimeout="2")
    code = (
        "def handler(event, context):\n"
        "    count = event['Records'][0]['attributes']['ApproximateReceiveCount']\n"
        "    report(event)\n"
        "    if count == '1':\n"
        "        raise RuntimeError('first try fails')\n"
    )
    function = _function(lam, admin, code, sink, Timeout=2)
    uuid = _map(lam, arn, function)
    sqs.send_message(QueueUrl=url, MessageBody="again")
    tries = collect(sqs, sink, 2)
    got = [t["event"]["Records"][0]["attributes"]["ApproximateReceiveCount"] for t in tries]
    assert got == ["1", "2"]
    eventually(lambda: counts(sqs, url) == (0, 0), 10.0)
    lam.delete_event_source_mapping(UUID=uuid)


def test_fifo_order_per_group(lam: Any, sqs: Any, admin: str) -> None:
    sink, _ = new_queue(sqs, "sink")
    url, arn = new_queue(sqs, "src", FifoQueue="true", ContentBasedDeduplication="true")
    function = _function(lam, admin, ECHO, sink)
    for i in range(12):
        sqs.send_message(QueueUrl=url, MessageBody=f"{i % 3}:{i}", MessageGroupId=str(i % 3))
    uuid = _map(lam, arn, function, BatchSize=4)
    seen: list[dict[str, Any]] = []
    while sum(len(e["event"]["Records"]) for e in seen) < 12:
        seen += collect(sqs, sink, 1)
    records = [r for e in seen for r in e["event"]["Records"]]
    for group in ("0", "1", "2"):
        mine = [r for r in records if r["attributes"]["MessageGroupId"] == group]
        numbers = [int(r["body"].split(":")[1]) for r in mine]
        assert numbers == sorted(numbers) and len(numbers) == 4
        sequences = [int(r["attributes"]["SequenceNumber"]) for r in mine]
        assert sequences == sorted(sequences)
    assert set(records[0]["attributes"]) >= {
        "MessageGroupId",
        "MessageDeduplicationId",
        "SequenceNumber",
    }
    lam.delete_event_source_mapping(UUID=uuid)


def test_filter_criteria_delete_what_does_not_match(lam: Any, sqs: Any, admin: str) -> None:
    sink, _ = new_queue(sqs, "sink")
    url, arn = new_queue(sqs, "src")
    function = _function(lam, admin, ECHO, sink)
    pattern = json.dumps({"body": {"kind": ["keep"], "size": [{"numeric": [">", 10]}]}})
    uuid = _map(lam, arn, function, FilterCriteria={"Filters": [{"Pattern": pattern}]})
    sqs.send_message(QueueUrl=url, MessageBody=json.dumps({"kind": "drop", "size": 50}))
    sqs.send_message(QueueUrl=url, MessageBody="not json at all")
    sqs.send_message(QueueUrl=url, MessageBody=json.dumps({"kind": "keep", "size": 5}))
    sqs.send_message(QueueUrl=url, MessageBody=json.dumps({"kind": "keep", "size": 11}))
    got = collect(sqs, sink, 1)
    assert [json.loads(r["body"]) for r in got[0]["event"]["Records"]] == [
        {"kind": "keep", "size": 11}
    ]
    eventually(lambda: counts(sqs, url) == (0, 0), 10.0)
    nothing_more(sqs, sink)
    lam.delete_event_source_mapping(UUID=uuid)


def test_disabled_mapping_stops(lam: Any, sqs: Any, admin: str) -> None:
    sink, _ = new_queue(sqs, "sink")
    url, arn = new_queue(sqs, "src")
    function = _function(lam, admin, ECHO, sink)
    uuid = _map(lam, arn, function)
    lam.update_event_source_mapping(UUID=uuid, Enabled=False)
    wait_state(lam, uuid, "Disabled")
    sqs.send_message(QueueUrl=url, MessageBody="waits")
    time.sleep(1.5)
    assert counts(sqs, url) == (1, 0)
    nothing_more(sqs, sink, 1)
    lam.update_event_source_mapping(UUID=uuid, Enabled=True)
    wait_state(lam, uuid, "Enabled")
    assert collect(sqs, sink, 1)[0]["event"]["Records"][0]["body"] == "waits"
    lam.delete_event_source_mapping(UUID=uuid)


SLOW = (
    "import time\n"
    "def handler(event, context):\n"
    "    start = time.time()\n"
    "    time.sleep(1.0)\n"
    "    report(event, start=start, end=time.time())\n"
)


def test_pollers_scale_up_to_maximum_concurrency(lam: Any, sqs: Any, admin: str) -> None:
    sink, _ = new_queue(sqs, "sink")
    url, arn = new_queue(sqs, "src")
    function = _function(lam, admin, SLOW, sink, Timeout=5)
    for i in range(6):
        sqs.send_message(QueueUrl=url, MessageBody=f"m{i}")
    uuid = _map(lam, arn, function, BatchSize=1, ScalingConfig={"MaximumConcurrency": 2})
    runs = collect(sqs, sink, 6)
    edges = sorted([(r["start"], 1) for r in runs] + [(r["end"], -1) for r in runs])
    running = most = 0
    for _, step in edges:
        running += step
        most = max(most, running)
    assert most == 2  # more than one poller, never more than MaximumConcurrency
    lam.delete_event_source_mapping(UUID=uuid)
