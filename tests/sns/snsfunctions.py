"""Lambda functions for the SNS -> Lambda tests: one that sends every event it is invoked with
to an SQS queue (so a test reads exactly what the function received), an execution role that
may do so, and the permission that lets a topic invoke a function."""

from __future__ import annotations

import functools
import io
import json
import tempfile
import time
import zipfile
from pathlib import Path
from typing import Any

import pytest
from snskit import unique

RECORDER = (
    "import boto3, json, os\n"
    "def handler(event, context):\n"
    "    out = boto3.client('sqs')\n"
    "    out.send_message(QueueUrl=os.environ['OUT'], MessageBody=json.dumps(event))\n"
    "    return 'recorded'\n"
)
RUNTIME = "python3.12"
TRUST_LAMBDA = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Allow",
            "Principal": {"Service": "lambda.amazonaws.com"},
            "Action": "sts:AssumeRole",
        }
    ],
}
SEND = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": "sqs:SendMessage", "Resource": "*"}],
}


@functools.cache
def _runtime_missing() -> str | None:
    """Why functions cannot run on this machine, as the server's own engine would say."""
    from ownstack.backends.process import open_runtime
    from ownstack.core.clock import SystemClock
    from ownstack.ports.engine import EngineContext

    with tempfile.TemporaryDirectory() as scratch:
        engine = open_runtime(EngineContext(Path(scratch), {}, SystemClock()))
        return engine.unavailable(RUNTIME)


def need_functions() -> None:
    reason = _runtime_missing()
    if reason:
        pytest.skip(f"{RUNTIME} functions cannot run here: {reason}")


def _zip(code: str) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("index.py", code)
    return buf.getvalue()


def recording_function(server: Any, out_url: str) -> tuple[str, str]:
    """(name, ARN) of a new function that sends each event it gets to the queue `out_url`."""
    need_functions()
    iam, lam = server.client("iam"), server.client("lambda")
    role_name = unique("role")
    role = iam.create_role(RoleName=role_name, AssumeRolePolicyDocument=json.dumps(TRUST_LAMBDA))
    iam.put_role_policy(RoleName=role_name, PolicyName="send", PolicyDocument=json.dumps(SEND))
    name = unique("fn")
    created = lam.create_function(
        FunctionName=name,
        Runtime=RUNTIME,
        Role=role["Role"]["Arn"],
        Handler="index.handler",
        Code={"ZipFile": _zip(RECORDER)},
        Environment={"Variables": {"OUT": out_url}},
    )
    lam.get_waiter("function_active_v2").wait(FunctionName=name)
    return name, str(created["FunctionArn"])


def allow_topic_to_invoke(server: Any, function: str, topic: str, sid: str = "sns") -> None:
    """The resource policy AWS requires: sns.amazonaws.com may invoke, for this topic."""
    server.client("lambda").add_permission(
        FunctionName=function,
        StatementId=sid,
        Action="lambda:InvokeFunction",
        Principal="sns.amazonaws.com",
        SourceArn=topic,
    )


def events(sqs: Any, url: str, count: int, timeout: float = 60.0) -> list[Any]:
    """The first `count` events the recording function sent to `url` (each deleted)."""
    got: list[Any] = []
    deadline = time.monotonic() + timeout
    while len(got) < count:
        if time.monotonic() > deadline:
            pytest.fail(f"{len(got)} event(s) within {timeout} s, expected {count}")
        page = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=2)
        for message in page.get("Messages", []):
            got.append(json.loads(message["Body"]))
            sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
    return got


def delivered_message_ids(sqs: Any, url: str, wanted: set[str], timeout: float) -> set[str]:
    """The SNS MessageIds of the events the recording function sent to `url`, read until every
    one of `wanted` has come (each deleted). Delivery is at least once, so a count of events
    is not enough: a run the kill cut short comes twice, and one more may still be on its way."""
    seen: set[str] = set()
    deadline = time.monotonic() + timeout
    while not wanted <= seen:
        if time.monotonic() > deadline:
            pytest.fail(f"missing after {timeout} s: {sorted(wanted - seen)}")
        page = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=2)
        for message in page.get("Messages", []):
            seen.add(json.loads(message["Body"])["Records"][0]["Sns"]["MessageId"])
            sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
    return seen


def nothing_more(sqs: Any, url: str, wait: int = 3) -> None:
    page = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=wait)
    assert page.get("Messages", []) == []
