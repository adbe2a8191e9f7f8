"""The events layer's handler for log streams (LogsService.deliver), as Lambda uses it: driven
through a real EventBus on real sqlite stores in process, then read back through a real server
started on the same data dir."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import pytest
from logskit import messages, now_ms

from ownstack.backends.sqlite import SqliteLogs, SqliteMeta
from ownstack.core.clock import SystemClock
from ownstack.events.bus import Delivery, DeliveryFailed, EventBus
from ownstack.services.logs.service import LogsService

ACCOUNT = "123456789012"
REGION = "us-east-1"
GROUP = "/aws/lambda/orders"
STREAM = "2026/01/31/[$LATEST]0123456789abcdef"
TARGET = f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:{GROUP}:log-stream:{STREAM}"


async def _deliver_all(data: Path, deliveries: list[Delivery]) -> list[str | None]:
    """Deliver each in order through a bus; each one's failure reason (None: delivered)."""
    meta, logs = SqliteMeta(data / "meta.db"), SqliteLogs(data / "logs.db", SystemClock())
    bus = EventBus()
    bus.register("logs", LogsService(meta, logs, SystemClock(), REGION).deliver)
    outcomes: list[str | None] = []
    try:
        for delivery in deliveries:
            try:
                await bus.deliver(delivery)
                outcomes.append(None)
            except DeliveryFailed as exc:
                outcomes.append(exc.reason)
    finally:
        await logs.close()
        await meta.close()
    return outcomes


def _body(*events: tuple[int, str]) -> str:
    return json.dumps([{"timestamp": t, "message": m} for t, m in events])


def test_a_delivery_makes_the_group_and_stream_and_appends_once_per_dedup_id(
    tmp_path: Path, fresh_server: Any
) -> None:
    data = tmp_path / "data"
    data.mkdir()
    now = now_ms()
    first = Delivery(
        TARGET, _body((now - 3, "START RequestId: 1"), (now - 2, "hello")), dedup_id="r1"
    )
    again = Delivery(TARGET, first.body, dedup_id="r1")  # a retried delivery
    later = Delivery(TARGET, _body((now - 1, "END RequestId: 1")))
    other = Delivery(TARGET.replace(STREAM, "another"), _body((now, "second stream")))
    assert asyncio.run(_deliver_all(data, [first, again, later, other])) == [None] * 4

    server = fresh_server(data)
    logs = server.client("logs")
    (group,) = logs.describe_log_groups(logGroupNamePrefix=GROUP)["logGroups"]
    assert (group["logGroupName"], group["logGroupClass"]) == (GROUP, "STANDARD")
    assert "retentionInDays" not in group
    streams = logs.describe_log_streams(logGroupName=GROUP)["logStreams"]
    assert [s["logStreamName"] for s in streams] == [STREAM, "another"]
    got = logs.get_log_events(logGroupName=GROUP, logStreamName=STREAM, startFromHead=True)
    assert messages(got["events"]) == ["START RequestId: 1", "hello", "END RequestId: 1"]
    found = logs.filter_log_events(logGroupName=GROUP, filterPattern="RequestId")
    assert messages(found["events"]) == ["START RequestId: 1", "END RequestId: 1"]


def test_deliveries_into_an_existing_group_keep_its_settings(
    tmp_path: Path, fresh_server: Any
) -> None:
    data = tmp_path / "data"
    server = fresh_server(data)
    logs = server.client("logs")
    logs.create_log_group(logGroupName=GROUP, tags={"app": "orders"})
    logs.put_retention_policy(logGroupName=GROUP, retentionInDays=7)
    server.stop()
    assert asyncio.run(_deliver_all(data, [Delivery(TARGET, _body((now_ms(), "x")))])) == [None]
    logs = fresh_server(data).client("logs")
    (group,) = logs.describe_log_groups(logGroupNamePrefix=GROUP)["logGroups"]
    assert group["retentionInDays"] == 7
    assert logs.list_tags_log_group(logGroupName=GROUP)["tags"] == {"app": "orders"}
    assert messages(logs.filter_log_events(logGroupName=GROUP)["events"]) == ["x"]


@pytest.mark.parametrize(
    ("target", "body", "reason"),
    [
        (
            f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:{GROUP}",
            "[]",
            "the target is not a valid log stream ARN",
        ),
        (TARGET.replace(GROUP, "bad group"), "[]", "the target is not a valid log stream ARN"),
        (TARGET, "not json", "the body is not JSON: Expecting value: line 1 column 1 (char 0)"),
        (TARGET, '{"timestamp": 1}', "the body must be a list of at most 10000 events"),
        (
            TARGET,
            '[{"timestamp": "now", "message": "m"}]',
            "each event needs a timestamp: ms since the epoch",
        ),
        (TARGET, '[{"timestamp": 5, "message": ""}]', "each event needs a non-empty message"),
        (
            TARGET,
            json.dumps([{"timestamp": 1, "message": "m"}] * 10_001),
            "the body must be a list of at most 10000 events",
        ),
        (TARGET, _body((1, "x" * 1_048_551)), "the events weigh 1048577 bytes, over 1048576"),
    ],
)
def test_a_delivery_it_cannot_take_fails_with_the_reason(
    tmp_path: Path, target: str, body: str, reason: str
) -> None:
    outcomes = asyncio.run(_deliver_all(tmp_path, [Delivery(target, body)]))
    assert outcomes == [reason]
