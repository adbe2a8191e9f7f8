"""Nothing PutEvents accepted is lost when the server is killed (SIGKILL) with deliveries still
pending: after a restart on the same data every accepted event reaches every target."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import pytest
from ebkit import target_queue, unique

pytestmark = pytest.mark.slow
REQUESTS = 40


def _drain(sqs: Any, url: str, want: set[str], timeout: float) -> set[str]:
    seen: set[str] = set()
    deadline = time.monotonic() + timeout
    while not want <= seen and time.monotonic() < deadline:
        page = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=1)
        for message in page.get("Messages", []):
            seen.add(json.loads(message["Body"])["id"])
            sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
    return seen


def test_pending_deliveries_survive_a_kill(fresh_server: Any, tmp_path: Path) -> None:
    data = tmp_path / "durable"
    first = fresh_server(data)
    events, sqs = first.client("events"), first.client("sqs")
    queues = [target_queue(sqs) for _ in range(3)]
    name = unique("rule")
    events.put_rule(Name=name, EventPattern=json.dumps({"source": ["durable"]}))
    events.put_targets(
        Rule=name, Targets=[{"Id": f"t{i}", "Arn": arn} for i, (_, arn) in enumerate(queues)]
    )
    accepted: set[str] = set()
    for _ in range(REQUESTS):
        entries = [{"Source": "durable", "DetailType": "d", "Detail": "{}"} for _ in range(10)]
        out = events.put_events(Entries=entries)
        assert out["FailedEntryCount"] == 0
        accepted |= {e["EventId"] for e in out["Entries"]}
    first.process.kill()  # SIGKILL at once: deliveries still queued or being made
    first.process.wait()

    second = fresh_server(data)
    sqs = second.client("sqs")
    for url, _ in queues:
        assert _drain(sqs, url, accepted, timeout=60) == accepted
