"""A scheduled rule on a real server: rate(1 minute) fires a "Scheduled Event" a minute after
the rule is made, once per tick, also when the server is killed (SIGKILL) right after a tick
and started again on the same data. The one test of the suite that waits for a minute."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import pytest
from ebkit import target_queue, unique

pytestmark = pytest.mark.slow


def _messages(sqs: Any, url: str, wait: float) -> list[dict[str, Any]]:
    got: list[dict[str, Any]] = []
    deadline = time.monotonic() + wait
    while time.monotonic() < deadline:
        page = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=1)
        for message in page.get("Messages", []):
            got.append(json.loads(message["Body"]))
            sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
        if got:
            return got
    return got


def test_rate_rule_fires_once_per_tick_across_a_kill(fresh_server: Any, tmp_path: Path) -> None:
    data = tmp_path / "sched"
    first = fresh_server(data)
    events, sqs = first.client("events"), first.client("sqs")
    url, arn = target_queue(sqs)
    name = unique("every-minute")
    made = time.time()
    rule = events.put_rule(Name=name, ScheduleExpression="rate(1 minute)")["RuleArn"]
    events.put_targets(Rule=name, Targets=[{"Id": "q", "Arn": arn}])
    assert events.describe_rule(Name=name)["ScheduleExpression"] == "rate(1 minute)"

    got = _messages(sqs, url, 80)
    fired = time.time()
    assert len(got) == 1, got
    [tick] = got
    assert 58 <= fired - made <= 75
    assert {k: tick[k] for k in ("detail-type", "source", "resources", "detail", "account")} == {
        "detail-type": "Scheduled Event",
        "source": "aws.events",
        "resources": [rule],
        "detail": {},
        "account": first.account_id,
    }

    first.process.kill()  # SIGKILL, right after the tick
    first.process.wait()
    second = fresh_server(data)
    sqs = second.client("sqs")
    # The scheduler's lease passes to the new process within seconds; the tick it finds fired
    # already is not fired again.
    assert _messages(sqs, url, 12) == []
