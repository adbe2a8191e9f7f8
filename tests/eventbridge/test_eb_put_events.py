"""PutEvents against a real server: at most 10 entries and 256 KB, per-entry failures in AWS's
words beside accepted entries, and the event a rule's target receives."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest
from botocore.exceptions import ClientError
from ebkit import bodies, error_of, rule_to_queue, unique

pytestmark = pytest.mark.slow

ACCOUNT = "123456789012"


def entry(**fields: Any) -> dict[str, Any]:
    out: dict[str, Any] = {"Source": "app", "DetailType": "thing", "Detail": "{}"}
    out.update(fields)
    return out


def test_the_event_a_target_receives(events: Any, sqs: Any) -> None:
    bus = unique("bus")
    events.create_event_bus(Name=bus)
    url, _ = rule_to_queue(events, sqs, {"source": ["app"]}, bus=bus)
    when = datetime(2026, 5, 6, 7, 8, 9, tzinfo=UTC)
    out = events.put_events(
        Entries=[
            entry(
                EventBusName=bus,
                Detail=json.dumps({"order": 1}),
                Resources=["arn:aws:s3:::b"],
                Time=when,
            )
        ]
    )
    assert out["FailedEntryCount"] == 0
    [got] = bodies(sqs, url, 1)
    assert got == {
        "version": "0",
        "id": out["Entries"][0]["EventId"],
        "detail-type": "thing",
        "source": "app",
        "account": ACCOUNT,
        "time": "2026-05-06T07:08:09Z",
        "region": "us-east-1",
        "resources": ["arn:aws:s3:::b"],
        "detail": {"order": 1},
    }


def test_per_entry_failures_beside_accepted_entries(events: Any, sqs: Any) -> None:
    bus = unique("bus")
    events.create_event_bus(Name=bus)
    url, _ = rule_to_queue(events, sqs, {"source": ["app"]}, bus=bus)
    out = events.put_events(
        Entries=[
            entry(EventBusName=bus, Detail='{"n": 1}'),
            entry(EventBusName=bus, Source=""),
            {"Source": "app", "Detail": "{}", "EventBusName": bus},
            {"Source": "app", "DetailType": "thing", "EventBusName": bus},
            entry(EventBusName=bus, Detail="[1, 2]"),
            entry(EventBusName=bus, Detail="not json"),
            entry(EventBusName=bus, Source="aws.s3"),
            entry(EventBusName="no-such-bus"),
            entry(EventBusName=bus, Detail='{"n": 2}'),
        ]
    )
    answers = out["Entries"]
    assert out["FailedEntryCount"] == 7
    assert [sorted(a) for a in (answers[0], answers[8])] == [["EventId"], ["EventId"]]
    assert [(a.get("ErrorCode"), a.get("ErrorMessage")) for a in answers[1:8]] == [
        (
            "InvalidArgument",
            "Parameter Source is not valid. Reason: Source is a required argument.",
        ),
        (
            "InvalidArgument",
            "Parameter DetailType is not valid. Reason: DetailType is a required argument.",
        ),
        (
            "InvalidArgument",
            "Parameter Detail is not valid. Reason: Detail is a required argument.",
        ),
        ("MalformedDetail", "Detail is malformed."),
        ("MalformedDetail", "Detail is malformed."),
        ("NotAuthorizedForSourceException", "Not authorized for the source."),
        ("ResourceNotFoundException", "Event bus no-such-bus does not exist."),
    ]
    got = sorted(b["detail"]["n"] for b in bodies(sqs, url, 2))
    assert got == [1, 2]


def test_at_most_ten_entries(unchecked: Any) -> None:
    assert unchecked.put_events(Entries=[entry() for _ in range(10)])["FailedEntryCount"] == 0
    with pytest.raises(ClientError) as exc:
        unchecked.put_events(Entries=[entry() for _ in range(11)])
    code, message = error_of(exc)
    assert code == "ValidationException"
    assert message.startswith("1 validation error detected: Value ")
    assert message.endswith(
        "at 'entries' failed to satisfy constraint: Member must have length less than or "
        "equal to 10"
    )


def _sized(total: int, count: int) -> list[dict[str, Any]]:
    """`count` entries weighing `total` bytes together (Source + DetailType + Detail + 14 for
    a Time, as AWS weighs them)."""
    fixed = len("app") + len("thing") + len('{"p":""}') + 14
    each, extra = divmod(total - count * fixed, count)
    when = datetime(2026, 1, 1, tzinfo=UTC)
    out = []
    for i in range(count):
        pad = "x" * (each + (extra if i == 0 else 0))
        out.append(entry(Detail=json.dumps({"p": pad}, separators=(",", ":")), Time=when))
    return out


def test_256_kb_in_total(events: Any) -> None:
    limit = 256 * 1024
    assert events.put_events(Entries=_sized(limit, 4))["FailedEntryCount"] == 0
    with pytest.raises(ClientError) as exc:
        events.put_events(Entries=_sized(limit + 1, 4))
    assert error_of(exc) == (
        "ValidationException",
        "Total size of the entries in the request is over the limit.",
    )


def test_disabled_rules_and_other_buses_do_not_match(events: Any, sqs: Any) -> None:
    bus = unique("bus")
    events.create_event_bus(Name=bus)
    url, rule_arn = rule_to_queue(events, sqs, {"source": ["app"]}, bus=bus)
    name = rule_arn.rsplit("/", 1)[1]
    events.disable_rule(Name=name, EventBusName=bus)
    events.put_events(Entries=[entry(EventBusName=bus, Detail='{"n": 1}')])
    events.put_events(Entries=[entry(Detail='{"n": 2}')])  # the default bus
    events.enable_rule(Name=name, EventBusName=bus)
    events.put_events(Entries=[entry(EventBusName=bus, Detail='{"n": 3}')])
    assert [b["detail"]["n"] for b in bodies(sqs, url, 1)] == [3]


def test_bus_by_arn(events: Any, sqs: Any) -> None:
    bus = unique("bus")
    arn = events.create_event_bus(Name=bus)["EventBusArn"]
    url, _ = rule_to_queue(events, sqs, {"detail-type": ["thing"]}, bus=bus)
    events.put_events(Entries=[entry(EventBusName=arn)])
    assert len(bodies(sqs, url, 1)) == 1
