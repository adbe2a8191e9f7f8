"""A scheduled rule on a real server: rate(1 minute) fires a "Scheduled Event" a minute after
the rule is made, once per tick, also when the server is killed (SIGKILL) right after a tick
and started again on the same data.

The server's minute is MINUTE_S seconds (`limits.eventbridge.minute_s`, a test setting; AWS's
60 s minute is the default, checked in test_eb_schedule_expressions.py). It is long enough that
the restarted server takes the scheduler's lease (within its 5 s TTL) before the next tick, so
it does see the tick the killed one fired as the latest due, and must not fire it again."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from ebkit import target_queue, unique

pytestmark = pytest.mark.slow

MINUTE_S = 12
CONFIG = f"limits:\n  eventbridge: {{minute_s: {MINUTE_S}}}\n"


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


def _tick(event: dict[str, Any]) -> float:
    return datetime.strptime(event["time"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC).timestamp()


def test_rate_rule_fires_once_per_tick_across_a_kill(fresh_server: Any, tmp_path: Path) -> None:
    data = tmp_path / "sched"
    first = fresh_server(data, config_yaml=CONFIG)
    events, sqs = first.client("events"), first.client("sqs")
    url, arn = target_queue(sqs)
    name = unique("every-minute")
    made = time.time()
    rule = events.put_rule(Name=name, ScheduleExpression="rate(1 minute)")["RuleArn"]
    events.put_targets(Rule=name, Targets=[{"Id": "q", "Arn": arn}])
    assert events.describe_rule(Name=name)["ScheduleExpression"] == "rate(1 minute)"

    got = _messages(sqs, url, MINUTE_S + 20)
    fired = time.time()
    assert len(got) == 1, got
    [tick] = got
    assert MINUTE_S - 1 <= fired - made <= MINUTE_S + 15
    assert made - 1 <= _tick(tick) - MINUTE_S <= made + 1  # the tick is a minute after `made`
    assert {k: tick[k] for k in ("detail-type", "source", "resources", "detail", "account")} == {
        "detail-type": "Scheduled Event",
        "source": "aws.events",
        "resources": [rule],
        "detail": {},
        "account": first.account_id,
    }

    first.process.kill()  # SIGKILL, right after the tick
    first.process.wait()
    killed = time.time()
    second = fresh_server(data, config_yaml=CONFIG)
    sqs = second.client("sqs")
    # The scheduler's lease passes to the new process when the dead one's expires (5 s TTL;
    # the new one tries every second), before the next tick: the tick it finds fired already
    # is not fired again; the next one is, a minute after it.
    leased = max(time.time(), killed + 5) + 1
    assert leased < _tick(tick) + MINUTE_S, "the restart took too long to see the fired tick"
    after = _messages(sqs, url, MINUTE_S + 20)
    assert [event["id"] for event in after] != [tick["id"]]
    assert len(after) == 1, after
    assert _tick(after[0]) - _tick(tick) in (MINUTE_S - 1, MINUTE_S, MINUTE_S + 1)
    assert after[0]["resources"] == [rule]
