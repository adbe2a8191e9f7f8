"""Retries and dead-letter queues against a real server: a delivery the target refuses is
retried per the target's RetryPolicy, then sent to its DeadLetterConfig queue with AWS's
attributes; one EventBridge may not make (the target's policy refuses events.amazonaws.com)
goes there at once."""

from __future__ import annotations

import json
import time
from typing import Any

import pytest
from ebkit import put, receive, target_queue, unique

pytestmark = pytest.mark.slow


def _rule(events: Any, source: str, target: dict[str, Any]) -> str:
    name = unique("rule")
    arn = events.put_rule(Name=name, EventPattern=json.dumps({"source": [source]}))["RuleArn"]
    out = events.put_targets(Rule=name, Targets=[target])
    assert out["FailedEntryCount"] == 0
    return str(arn)


def _attributes(message: dict[str, Any]) -> dict[str, str]:
    return {k: v["StringValue"] for k, v in message["MessageAttributes"].items()}


def test_refused_by_the_target_policy_goes_to_the_dlq_at_once(events: Any, sqs: Any) -> None:
    url, arn = target_queue(sqs, allow=False)
    dlq_url, dlq_arn = target_queue(sqs)
    source = unique("src")
    rule = _rule(
        events,
        source,
        {
            "Id": "t",
            "Arn": arn,
            "DeadLetterConfig": {"Arn": dlq_arn},
            "RetryPolicy": {"MaximumRetryAttempts": 185},
        },
    )
    event_id = put(events, Source=source, Detail={"n": 1})["Entries"][0]["EventId"]
    [dead] = receive(sqs, dlq_url, 1)
    assert json.loads(dead["Body"])["id"] == event_id
    attributes = _attributes(dead)
    message = attributes.pop("ERROR_MESSAGE")
    assert attributes == {"RULE_ARN": rule, "TARGET_ARN": arn, "ERROR_CODE": "NO_PERMISSIONS"}
    assert message.startswith("events.amazonaws.com is not allowed to deliver")
    assert sqs.receive_message(QueueUrl=url, WaitTimeSeconds=1).get("Messages", []) == []


def test_retried_then_dead_lettered(events: Any, sqs: Any) -> None:
    url, arn = target_queue(sqs)
    sqs.set_queue_attributes(QueueUrl=url, Attributes={"MaximumMessageSize": "1024"})
    dlq_url, dlq_arn = target_queue(sqs)
    source = unique("src")
    rule = _rule(
        events,
        source,
        {
            "Id": "t",
            "Arn": arn,
            "DeadLetterConfig": {"Arn": dlq_arn},
            "RetryPolicy": {"MaximumRetryAttempts": 2, "MaximumEventAgeInSeconds": 60},
        },
    )
    started = time.monotonic()
    put(events, Source=source, Detail={"pad": "x" * 2000})
    [dead] = receive(sqs, dlq_url, 1, timeout=20)
    assert time.monotonic() - started >= 1.5  # two back-off delays: about 0.5-1 s, then 1-2 s
    assert _attributes(dead) == {
        "RULE_ARN": rule,
        "TARGET_ARN": arn,
        "ERROR_CODE": "SDK_CLIENT_ERROR",
        "ERROR_MESSAGE": "InvalidParameterValue: One or more parameters are invalid. Reason: "
        "Message must be shorter than 1024 bytes.",
        "EXHAUSTED_RETRY_CONDITION": "MaximumRetryAttempts",
        "RETRY_ATTEMPTS": "2",
    }
    assert dead["MessageAttributes"]["RETRY_ATTEMPTS"]["DataType"] == "Number"


def test_no_retries_allowed(events: Any, sqs: Any) -> None:
    url, arn = target_queue(sqs)
    sqs.set_queue_attributes(QueueUrl=url, Attributes={"MaximumMessageSize": "1024"})
    dlq_url, dlq_arn = target_queue(sqs)
    source = unique("src")
    _rule(
        events,
        source,
        {
            "Id": "t",
            "Arn": arn,
            "DeadLetterConfig": {"Arn": dlq_arn},
            "RetryPolicy": {"MaximumRetryAttempts": 0},
        },
    )
    put(events, Source=source, Detail={"pad": "x" * 2000})
    [dead] = receive(sqs, dlq_url, 1)
    attributes = _attributes(dead)
    assert (attributes["EXHAUSTED_RETRY_CONDITION"], attributes["RETRY_ATTEMPTS"]) == (
        "MaximumRetryAttempts",
        "0",
    )


def test_a_retry_that_succeeds_delivers_once(events: Any, sqs: Any) -> None:
    url, arn = target_queue(sqs, allow=False)
    source = unique("src")
    allow = json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Principal": {"Service": "events.amazonaws.com"},
                    "Action": "sqs:SendMessage",
                    "Resource": arn,
                }
            ],
        }
    )
    sqs.set_queue_attributes(QueueUrl=url, Attributes={"MaximumMessageSize": "1024"})
    sqs.set_queue_attributes(QueueUrl=url, Attributes={"Policy": allow})
    _rule(events, source, {"Id": "t", "Arn": arn, "RetryPolicy": {"MaximumRetryAttempts": 5}})
    put(events, Source=source, Detail={"pad": "x" * 2000})
    time.sleep(1.5)  # refused at least once (too large)
    sqs.set_queue_attributes(QueueUrl=url, Attributes={"MaximumMessageSize": "262144"})
    [got] = receive(sqs, url, 1, timeout=40)
    assert len(json.loads(got["Body"])["detail"]["pad"]) == 2000


def test_a_bus_that_does_not_exist_is_dead_lettered_at_once(events: Any, sqs: Any) -> None:
    dlq_url, dlq_arn = target_queue(sqs)
    source = unique("src")
    missing = f"arn:aws:events:us-east-1:123456789012:event-bus/{unique('gone')}"
    rule = _rule(
        events, source, {"Id": "bus", "Arn": missing, "DeadLetterConfig": {"Arn": dlq_arn}}
    )
    put(events, Source=source)
    [dead] = receive(sqs, dlq_url, 1)
    assert _attributes(dead) == {
        "RULE_ARN": rule,
        "TARGET_ARN": missing,
        "ERROR_CODE": "NO_RESOURCE",
        "ERROR_MESSAGE": "the event bus does not exist",
    }
