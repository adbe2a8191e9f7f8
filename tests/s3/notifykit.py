"""Helpers of the S3 event notification tests: destinations that let S3 deliver, reading what
they received, and the exact shape of an event record."""

from __future__ import annotations

import json
import re
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

ACCOUNT = "123456789012"
REGION = "us-east-1"
ISO_MILLIS = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z")
SEQUENCER = re.compile(r"[0-9A-F]{18}")
HOST_ID = re.compile(r"[A-Za-z0-9+/]{64}")
REQUEST_ID = re.compile(r"[0-9A-F]{16}")


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


def open_queue(sqs: Any, url: str, buckets: list[str], topic: str | None = None) -> None:
    """Let S3 (for `buckets`) and SNS (for `topic`) send to the queue."""
    arn = queue_arn(sqs, url)
    sources = {"s3.amazonaws.com": [f"arn:aws:s3:::{b}" for b in buckets]}
    if topic is not None:
        sources["sns.amazonaws.com"] = [topic]
    statements = [
        {
            "Effect": "Allow",
            "Principal": {"Service": service},
            "Action": "sqs:SendMessage",
            "Resource": arn,
            "Condition": {"ArnLike": {"aws:SourceArn": arns}},
        }
        for service, arns in sources.items()
        if arns
    ]
    policy = json.dumps({"Version": "2012-10-17", "Statement": statements})
    sqs.set_queue_attributes(QueueUrl=url, Attributes={"Policy": policy})


def queue_arn(sqs: Any, url: str) -> str:
    attrs = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]
    return str(attrs["QueueArn"])


def s3_queue(sqs: Any, bucket: str) -> tuple[str, str]:
    """A new queue S3 may send the bucket's notifications to: (url, arn)."""
    url = sqs.create_queue(QueueName=unique("events"))["QueueUrl"]
    open_queue(sqs, url, [bucket])
    return url, queue_arn(sqs, url)


def queue_config(arn: str, events: list[str], **extra: Any) -> dict[str, Any]:
    return {"QueueConfigurations": [{"QueueArn": arn, "Events": events, **extra}]}


def key_filter(**rules: str) -> dict[str, Any]:
    return {"Key": {"FilterRules": [{"Name": k, "Value": v} for k, v in rules.items()]}}


def receive(sqs: Any, url: str, count: int, timeout: float = 15.0) -> list[dict[str, Any]]:
    """The bodies of the next `count` messages (JSON), test events skipped; fails after
    `timeout` seconds with fewer."""
    got: list[dict[str, Any]] = []
    deadline = time.monotonic() + timeout
    while len(got) < count:
        if time.monotonic() > deadline:
            pytest.fail(f"{len(got)} of {count} messages within {timeout} s: {got}")
        out = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=1)
        for message in out.get("Messages", []):
            sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
            body = json.loads(message["Body"])
            if body.get("Event") != "s3:TestEvent":
                got.append(body)
    return got


def eventually(check: Callable[[], Any], timeout: float = 30.0) -> Any:
    """The first truthy result of `check` within `timeout` seconds (else the test fails)."""
    deadline = time.monotonic() + timeout
    while not (value := check()):
        if time.monotonic() > deadline:
            pytest.fail(f"nothing within {timeout} s")
        time.sleep(0.25)
    return value


def need_python_functions() -> None:
    """Skip unless this machine can run python3.12 functions (bubblewrap, the bundle)."""
    from ownstack.backends.process import open_runtime
    from ownstack.core.clock import SystemClock
    from ownstack.ports.engine import EngineContext

    with tempfile.TemporaryDirectory() as scratch:
        engine = open_runtime(EngineContext(Path(scratch), {}, SystemClock()))
        reason = engine.unavailable("python3.12")
    if reason:
        pytest.skip(f"python3.12 functions cannot run here: {reason}")


def nothing_more(sqs: Any, url: str, wait: int = 2) -> None:
    out = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=wait)
    bodies = [json.loads(m["Body"]) for m in out.get("Messages", [])]
    assert [b for b in bodies if b.get("Event") != "s3:TestEvent"] == []


def record_of(body: dict[str, Any]) -> dict[str, Any]:
    assert list(body) == ["Records"] and len(body["Records"]) == 1
    record: dict[str, Any] = body["Records"][0]
    return record


def names(bodies: list[dict[str, Any]]) -> list[tuple[str, str]]:
    """(eventName, key) of each record, in arrival order."""
    return [(record_of(b)["eventName"], record_of(b)["s3"]["object"]["key"]) for b in bodies]


def check_envelope(record: dict[str, Any], bucket: str, config_id: str) -> None:
    """Everything of a record but its event name and object, exactly."""
    assert list(record) == [
        "eventVersion",
        "eventSource",
        "awsRegion",
        "eventTime",
        "eventName",
        "userIdentity",
        "requestParameters",
        "responseElements",
        "s3",
    ]
    assert record["eventSource"] == "aws:s3"
    assert record["awsRegion"] == REGION
    assert ISO_MILLIS.fullmatch(record["eventTime"])
    assert record["userIdentity"] == {"principalId": ACCOUNT}
    assert record["requestParameters"] == {"sourceIPAddress": "127.0.0.1"}
    response = record["responseElements"]
    assert list(response) == ["x-amz-request-id", "x-amz-id-2"]
    assert REQUEST_ID.fullmatch(response["x-amz-request-id"])
    assert HOST_ID.fullmatch(response["x-amz-id-2"])
    s3 = record["s3"]
    assert list(s3) == ["s3SchemaVersion", "configurationId", "bucket", "object"]
    assert s3["s3SchemaVersion"] == "1.0"
    assert s3["configurationId"] == config_id
    assert s3["bucket"] == {
        "name": bucket,
        "ownerIdentity": {"principalId": ACCOUNT},
        "arn": f"arn:aws:s3:::{bucket}",
    }
