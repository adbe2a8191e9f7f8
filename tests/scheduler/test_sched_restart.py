"""Durability across restarts: a tick due while the server was down fires once after it
starts again; a delivery being retried when the server is killed (SIGKILL) goes on after the
restart, from the attempt it had reached."""

from __future__ import annotations

import json
import signal
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from schedkit import OFF, TRUST_SCHEDULER, at_in, make_queue, make_role, receive, unique


def test_a_tick_due_while_down_fires_once_after_the_restart(
    fresh_server: Any, tmp_path: Path
) -> None:
    data = tmp_path / "data"
    first = fresh_server(data)
    sch, sqs, iam = first.client("scheduler"), first.client("sqs"), first.client("iam")
    url, arn = make_queue(sqs)
    role = make_role(iam, ["sqs:SendMessage"])
    expression = at_in(3)
    due = datetime.strptime(expression, "at(%Y-%m-%dT%H:%M:%S)").replace(tzinfo=UTC).timestamp()
    sch.create_schedule(
        Name=unique(),
        ScheduleExpression=expression,
        FlexibleTimeWindow=OFF,
        Target={"Arn": arn, "RoleArn": role, "Input": "while you were out"},
    )
    recurring = unique()
    sch.create_schedule(  # ticks at once (and then hourly): one message before the stop
        Name=recurring,
        ScheduleExpression="rate(1 hour)",
        FlexibleTimeWindow=OFF,
        Target={"Arn": arn, "RoleArn": role, "Input": "hourly"},
    )
    assert [m["Body"] for m in receive(sqs, url, wait=5)] == ["hourly"]
    first.stop()
    time.sleep(max(0.0, due + 0.5 - time.time()))  # the at() time passes while nothing runs
    second = fresh_server(data)
    sqs = second.client("sqs")
    got = receive(sqs, url, wait=10)
    # Once, and no extra "hourly": a refired tick would come in the same pass of the firer.
    assert [m["Body"] for m in got] == ["while you were out"]
    assert receive(sqs, url, wait=3) == []


def test_a_delivery_in_retry_survives_a_kill(fresh_server: Any, tmp_path: Path) -> None:
    data = tmp_path / "data"
    first = fresh_server(data)
    sch, sqs, iam = first.client("scheduler"), first.client("sqs"), first.client("iam")
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
    sch.create_schedule(
        Name=unique(),
        ScheduleExpression=at_in(1),
        FlexibleTimeWindow=OFF,
        Target={
            "Arn": target_arn,
            "RoleArn": role,
            "Input": "persistent",
            "RetryPolicy": {"MaximumRetryAttempts": 3},
            "DeadLetterConfig": {"Arn": dlq_arn},
        },
    )
    time.sleep(3)  # fired at 1-2 s, first attempts failed; retries wait (1 s, 2 s, 4 s)
    first.process.send_signal(signal.SIGKILL)
    first.process.wait()
    second = fresh_server(data)
    sqs = second.client("sqs")
    got = receive(sqs, dlq_url, wait=25)
    assert [m["Body"] for m in got] == ["persistent"]
    attempts = got[0]["MessageAttributes"]["X-Amz-Scheduler-Attempt"]["StringValue"]
    assert attempts == "4"  # the attempts made before the kill counted
    assert receive(sqs, dlq_url, wait=2) == []
    assert receive(sqs, target_url, wait=1) == []
