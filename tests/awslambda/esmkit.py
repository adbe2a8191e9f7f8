"""Helpers of the event source mapping tests: a role that may do everything, sink queues the
test functions report their events to, and waiting for a mapping's state."""

from __future__ import annotations

import json
import time
from typing import Any

import pytest
from invokekit import eventually
from lambdakit import lambda_role, unique

ADMIN = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}],
}
SINK_CODE = (
    "import boto3, json, os\n"
    "sqs = boto3.client('sqs')\n"
    "def report(event, **extra):\n"
    "    body = json.dumps({'event': event, **extra})\n"
    "    sqs.send_message(QueueUrl=os.environ['SINK'], MessageBody=body)\n"
)
"""The start of every test function: `report(event)` sends what it got to the SINK queue."""


def admin_role(iam: Any) -> str:
    name = unique("role")
    arn = lambda_role(iam, name)
    iam.put_role_policy(RoleName=name, PolicyName="all", PolicyDocument=json.dumps(ADMIN))
    return arn


def queue_arn(sqs: Any, url: str) -> str:
    attrs = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]
    return str(attrs["QueueArn"])


def new_queue(sqs: Any, prefix: str = "q", **attributes: str) -> tuple[str, str]:
    """(url, arn) of a new queue."""
    name = unique(prefix) + (".fifo" if attributes.get("FifoQueue") == "true" else "")
    url = sqs.create_queue(QueueName=name, Attributes=attributes)["QueueUrl"]
    return url, queue_arn(sqs, url)


def collect(sqs: Any, url: str, count: int, timeout: float = 30.0) -> list[Any]:
    """The JSON bodies of `count` messages of the queue (deleted as read), in arrival order."""
    found: list[Any] = []
    deadline = time.monotonic() + timeout
    while len(found) < count:
        if time.monotonic() > deadline:
            pytest.fail(f"{len(found)} of {count} messages within {timeout} s: {found}")
        got = sqs.receive_message(
            QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=1, AttributeNames=["All"]
        ).get("Messages", [])
        for message in got:
            found.append(json.loads(message["Body"]))
            sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
    return found


def nothing_more(sqs: Any, url: str, wait: int = 2) -> None:
    got = sqs.receive_message(QueueUrl=url, WaitTimeSeconds=wait).get("Messages", [])
    assert got == []


def wait_state(lam: Any, uuid: str, state: str, timeout: float = 10.0) -> dict[str, Any]:
    def check() -> dict[str, Any] | None:
        found: dict[str, Any] = lam.get_event_source_mapping(UUID=uuid)
        return found if found["State"] == state else None

    result: dict[str, Any] = eventually(check, timeout, 0.05)
    return result


def counts(sqs: Any, url: str) -> tuple[int, int]:
    """(visible, in flight) messages of the queue."""
    names = ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"]
    attrs = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=names)["Attributes"]
    return int(attrs[names[0]]), int(attrs[names[1]])
