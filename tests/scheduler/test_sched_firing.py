"""Schedules firing on a real server: an at() schedule delivers its exact input to an SQS
queue on time and once; context attributes; a rate() schedule fires at once and again a
minute later (on a server with a short minute); one-time schedules deleted after completion;
time zones; disabled schedules; FIFO queues; a Lambda target; a role that may not reach the
target (retries, then the dead-letter queue with AWS's attributes); a role that does not trust
Scheduler."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from schedkit import (
    OFF,
    TRUST_SCHEDULER,
    at_in,
    error_of,
    eventually,
    make_queue,
    make_role,
    make_zip,
    python_missing,
    receive,
    unique,
)

pytestmark = pytest.mark.slow

ACCOUNT = "123456789012"
SCHEDULES = f"arn:aws:scheduler:us-east-1:{ACCOUNT}:schedule/default"


def _schedule(sch: Any, target: dict[str, Any], expression: str, **kw: Any) -> str:
    name = unique()
    sch.create_schedule(
        Name=name, ScheduleExpression=expression, FlexibleTimeWindow=OFF, Target=target, **kw
    )
    return name


def test_an_at_schedule_delivers_its_input_once_on_time(
    sch: Any, sqs: Any, role: str, queue: tuple[str, str]
) -> None:
    url, arn = queue
    expression = at_in(2)
    due = datetime.strptime(expression[3:-1], "%Y-%m-%dT%H:%M:%S").replace(tzinfo=UTC)
    body = '{"order": 42, "note": "exact \\u00e9 body"}'
    name = _schedule(sch, {"Arn": arn, "RoleArn": role, "Input": body}, expression)
    got = receive(sqs, url, wait=12)
    assert [m["Body"] for m in got] == [body]
    sent = int(got[0]["Attributes"]["SentTimestamp"]) / 1000
    assert due.timestamp() <= sent < due.timestamp() + 5
    assert receive(sqs, url, wait=2.5) == []  # once
    kept = sch.get_schedule(Name=name)  # ActionAfterCompletion NONE: the schedule stays
    assert kept["State"] == "ENABLED"


def test_context_attributes_are_replaced(
    sch: Any, sqs: Any, role: str, queue: tuple[str, str]
) -> None:
    url, arn = queue
    expression = at_in(1)
    text = (
        "arn=<aws.scheduler.schedule-arn> at=<aws.scheduler.scheduled-time>"
        " attempt=<aws.scheduler.attempt-number> id=<aws.scheduler.execution-id>"
    )
    name = _schedule(sch, {"Arn": arn, "RoleArn": role, "Input": text}, expression)
    (message,) = receive(sqs, url, wait=12)
    schedule_arn = f"arn:aws:scheduler:us-east-1:{ACCOUNT}:schedule/default/{name}"
    moment = expression[3:-1]
    head = f"arn={schedule_arn} at={moment}Z attempt=1 id="
    assert message["Body"].startswith(head)
    assert len(message["Body"]) == len(head) + 16


def test_a_one_time_schedule_with_delete_goes_after_it_fired(
    sch: Any, sqs: Any, role: str, queue: tuple[str, str]
) -> None:
    url, arn = queue
    name = _schedule(
        sch,
        {"Arn": arn, "RoleArn": role, "Input": "bye"},
        at_in(1),
        ActionAfterCompletion="DELETE",
    )
    assert [m["Body"] for m in receive(sqs, url, wait=12)] == ["bye"]
    assert error_of(sch.get_schedule, Name=name) == (
        "ResourceNotFoundException",
        f"Schedule {name} does not exist.",
        404,
    )


def test_an_at_time_is_read_in_the_schedule_time_zone(
    sch: Any, sqs: Any, role: str, queue: tuple[str, str]
) -> None:
    url, arn = queue
    zone = "Asia/Kathmandu"  # UTC+05:45: no accident of whole hours
    local = datetime.now(ZoneInfo(zone)) + timedelta(seconds=2.999)
    expression = f"at({local.strftime('%Y-%m-%dT%H:%M:%S')})"
    _schedule(
        sch,
        {"Arn": arn, "RoleArn": role, "Input": "tz"},
        expression,
        ScheduleExpressionTimezone=zone,
    )
    got = receive(sqs, url, wait=12)
    assert [m["Body"] for m in got] == ["tz"]
    sent = int(got[0]["Attributes"]["SentTimestamp"]) / 1000
    assert local.replace(microsecond=0).timestamp() <= sent


def test_a_disabled_schedule_waits_until_enabled(
    sch: Any, sqs: Any, role: str, queue: tuple[str, str]
) -> None:
    url, arn = queue
    target = {"Arn": arn, "RoleArn": role, "Input": "late"}
    expression = at_in(1)
    name = _schedule(sch, target, expression, State="DISABLED")
    assert receive(sqs, url, wait=3) == []
    sch.update_schedule(
        Name=name, ScheduleExpression=expression, FlexibleTimeWindow=OFF, Target=target
    )
    assert [m["Body"] for m in receive(sqs, url, wait=12)] == ["late"]  # its time is past: now


def test_a_fifo_queue_gets_the_message_group(sch: Any, sqs: Any, role: str) -> None:
    url, arn = make_queue(
        sqs, unique("f") + ".fifo", FifoQueue="true", ContentBasedDeduplication="true"
    )
    target = {
        "Arn": arn,
        "RoleArn": role,
        "Input": "in order",
        "SqsParameters": {"MessageGroupId": "g1"},
    }
    _schedule(sch, target, at_in(1))
    (message,) = receive(sqs, url, wait=12)
    assert message["Body"] == "in order"
    assert message["Attributes"]["MessageGroupId"] == "g1"


def test_a_rate_schedule_fires_at_once_then_every_minute(fresh_server: Any) -> None:
    # A server whose rate() minute lasts `minute_s` seconds (limits.scheduler.minute_s, a test
    # setting; the default is AWS's 60 s minute: test_sched_timing.py).
    minute_s = 3
    server = fresh_server(config_yaml=f"limits:\n  scheduler: {{minute_s: {minute_s}}}\n")
    sch, sqs = server.client("scheduler"), server.client("sqs")
    url, arn = make_queue(sqs)
    role = make_role(server.client("iam"), ["sqs:SendMessage"])
    target = {"Arn": arn, "RoleArn": role, "Input": "<aws.scheduler.scheduled-time>"}
    made = datetime.now(UTC).replace(microsecond=0, tzinfo=None)
    name = _schedule(sch, target, "rate(1 minute)")
    first = receive(sqs, url, wait=8)
    assert len(first) == 1
    second = receive(sqs, url, wait=minute_s + 10, want=1)
    sch.delete_schedule(Name=name)
    assert len(second) == 1
    ticks = [datetime.strptime(m["Body"], "%Y-%m-%dT%H:%M:%SZ") for m in first + second]
    assert made <= ticks[0] <= made + timedelta(seconds=5)  # at once (the next whole second)
    assert ticks[1] - ticks[0] == timedelta(seconds=minute_s)


def test_a_role_without_permission_ends_in_the_dead_letter_queue(
    sch: Any, sqs: Any, iam: Any
) -> None:
    target_url, target_arn = make_queue(sqs)
    dlq_url, dlq_arn = make_queue(sqs)
    role_name = unique("role")
    role = iam.create_role(
        RoleName=role_name, AssumeRolePolicyDocument=json.dumps(TRUST_SCHEDULER)
    )["Role"]["Arn"]
    only_dlq = {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "sqs:SendMessage", "Resource": dlq_arn}],
    }
    iam.put_role_policy(RoleName=role_name, PolicyName="p", PolicyDocument=json.dumps(only_dlq))
    target = {
        "Arn": target_arn,
        "RoleArn": role,
        "Input": "undeliverable",
        "RetryPolicy": {"MaximumRetryAttempts": 2, "MaximumEventAgeInSeconds": 60},
        "DeadLetterConfig": {"Arn": dlq_arn},
    }
    name = _schedule(sch, target, at_in(1))
    started = time.monotonic()
    (letter,) = receive(sqs, dlq_url, wait=20)
    assert time.monotonic() - started > 2  # two retries with back-off came first
    assert letter["Body"] == "undeliverable"
    attributes = {k: v["StringValue"] for k, v in letter["MessageAttributes"].items()}
    execution = attributes.pop("X-Amz-Scheduler-Execution-Id")
    assert len(execution) == 16
    message = attributes.pop("X-Amz-Scheduler-Error-Message")
    assert attributes == {
        "X-Amz-Scheduler-Attempt": "3",
        "X-Amz-Scheduler-Schedule-Arn": f"{SCHEDULES}/{name}",
        "X-Amz-Scheduler-Group": "default",
        "X-Amz-Scheduler-Target-Arn": target_arn,
        "X-Amz-Scheduler-Error-Code": "AccessDenied",
    }
    assert message.startswith(
        f"User: arn:aws:sts::{ACCOUNT}:assumed-role/{role_name}/{execution} is not authorized"
        f" to perform: sqs:sendmessage on resource: {target_arn}"
    )
    assert receive(sqs, target_url, wait=1) == []


def test_a_role_that_does_not_trust_scheduler_is_not_used(sch: Any, sqs: Any, iam: Any) -> None:
    target_url, target_arn = make_queue(sqs)
    dlq_url, dlq_arn = make_queue(sqs)
    trusts_lambda = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Service": "lambda.amazonaws.com"},
                "Action": "sts:AssumeRole",
            }
        ],
    }
    role = make_role(iam, ["sqs:SendMessage"], trust=trusts_lambda)
    target = {
        "Arn": target_arn,
        "RoleArn": role,
        "Input": "x",
        "RetryPolicy": {"MaximumRetryAttempts": 0},
        "DeadLetterConfig": {"Arn": dlq_arn},
    }
    _schedule(sch, target, at_in(1))
    # The dead-letter event goes out as the role too, which Scheduler cannot assume: nothing.
    assert receive(sqs, dlq_url, wait=5) == []
    assert receive(sqs, target_url, wait=1) == []


def test_a_lambda_target_gets_the_input_as_its_event(
    server: Any, sch: Any, sqs: Any, iam: Any
) -> None:
    reason = python_missing()
    if reason:
        pytest.skip(f"functions cannot run here: {reason}")
    lam = server.client("lambda")
    url, _ = make_queue(sqs)
    trust_lambda = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Service": "lambda.amazonaws.com"},
                "Action": "sts:AssumeRole",
            }
        ],
    }
    function_role = make_role(iam, ["sqs:SendMessage"], trust=trust_lambda)
    code = (
        "import boto3, json, os\n"
        "def handler(event, context):\n"
        "    boto3.client('sqs').send_message(QueueUrl=os.environ['OUT'],"
        " MessageBody=json.dumps(event, sort_keys=True))\n"
    )
    name = unique("fn")
    function_arn = lam.create_function(
        FunctionName=name,
        Runtime="python3.12",
        Role=function_role,
        Handler="index.handler",
        Code={"ZipFile": make_zip({"index.py": code})},
        Environment={"Variables": {"OUT": url}},
    )["FunctionArn"]
    lam.get_waiter("function_active_v2").wait(FunctionName=name)
    role = make_role(iam, ["lambda:InvokeFunction"])
    event = {"job": "nightly", "n": 7}
    _schedule(sch, {"Arn": function_arn, "RoleArn": role, "Input": json.dumps(event)}, at_in(1))
    got = eventually(lambda: receive(sqs, url, wait=1), timeout=60)
    assert [json.loads(m["Body"]) for m in got] == [event]
