"""Helpers of the Scheduler tests: names, an execution role, queues, times, waiting."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from botocore.exceptions import ClientError

TRUST_SCHEDULER = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Allow",
            "Principal": {"Service": "scheduler.amazonaws.com"},
            "Action": "sts:AssumeRole",
        }
    ],
}
OFF = {"Mode": "OFF"}


def unique(prefix: str = "s") -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


def make_role(iam: Any, actions: list[str], trust: dict[str, Any] | None = None) -> str:
    """A role trusting Scheduler (or `trust`) allowed `actions` on every resource."""
    name = unique("role")
    arn = iam.create_role(
        RoleName=name, AssumeRolePolicyDocument=json.dumps(trust or TRUST_SCHEDULER)
    )["Role"]["Arn"]
    if actions:
        policy = {
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Action": actions, "Resource": "*"}],
        }
        iam.put_role_policy(RoleName=name, PolicyName="p", PolicyDocument=json.dumps(policy))
    return str(arn)


def make_queue(sqs: Any, name: str | None = None, **attributes: str) -> tuple[str, str]:
    """(url, arn) of a new queue."""
    url = sqs.create_queue(QueueName=name or unique("q"), Attributes=attributes)["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    return url, arn


def at_in(seconds: float) -> str:
    """An at() expression `seconds` from now (UTC, whole seconds, rounded up)."""
    moment = datetime.now(UTC) + timedelta(seconds=seconds + 0.999)
    return f"at({moment.strftime('%Y-%m-%dT%H:%M:%S')})"


def receive(sqs: Any, url: str, wait: float, want: int = 1) -> list[dict[str, Any]]:
    """Messages received within `wait` seconds (stops early once `want` arrived)."""
    got: list[dict[str, Any]] = []
    deadline = time.monotonic() + wait
    while time.monotonic() < deadline and len(got) < want:
        out = sqs.receive_message(
            QueueUrl=url,
            WaitTimeSeconds=1,
            MaxNumberOfMessages=10,
            MessageAttributeNames=["All"],
            AttributeNames=["All"],
        )
        for message in out.get("Messages", []):
            got.append(message)
            sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
    return got


def eventually(check: Callable[[], Any], timeout: float = 20.0, every: float = 0.25) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            pytest.fail(f"nothing within {timeout} s")
        time.sleep(every)


def error_of(call: Callable[..., Any], **kw: Any) -> tuple[str, str, int]:
    """(code, message, HTTP status) of the error `call(**kw)` answers."""
    with pytest.raises(ClientError) as info:
        call(**kw)
    response = info.value.response
    return (
        response["Error"]["Code"],
        response["Error"]["Message"],
        response["ResponseMetadata"]["HTTPStatusCode"],
    )


def python_missing(runtime: str = "python3.12") -> str | None:
    """Why functions of `runtime` cannot run here (as the server's own engine would say)."""
    import tempfile
    from pathlib import Path

    from ownstack.backends.process import open_runtime
    from ownstack.core.clock import SystemClock
    from ownstack.ports.engine import EngineContext

    with tempfile.TemporaryDirectory() as scratch:
        engine = open_runtime(EngineContext(Path(scratch), {}, SystemClock()))
        reason: str | None = engine.unavailable(runtime)
        return reason


def make_zip(files: dict[str, str]) -> bytes:
    import io
    import zipfile

    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in files.items():
            archive.writestr(name, content)
    return buf.getvalue()
