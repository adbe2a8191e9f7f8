"""Helpers of the EventBridge tests: target queues that let EventBridge deliver, reading what
arrived, error triples."""

from __future__ import annotations

import json
import time
import uuid
from typing import Any

EVENTS = "events.amazonaws.com"


def unique(prefix: str = "eb") -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


def queue_arn(sqs: Any, url: str) -> str:
    attrs = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]
    return str(attrs["QueueArn"])


def allow_policy(arn: str, principal: str = EVENTS, effect: str = "Allow") -> str:
    return json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": effect,
                    "Principal": {"Service": principal},
                    "Action": "sqs:SendMessage",
                    "Resource": arn,
                }
            ],
        }
    )


def target_queue(sqs: Any, *, fifo: bool = False, allow: bool = True) -> tuple[str, str]:
    """(url, arn) of a new queue whose policy lets EventBridge send (or, with allow=False,
    has no policy at all: EventBridge may not send)."""
    name = unique("q") + (".fifo" if fifo else "")
    attributes = {"FifoQueue": "true"} if fifo else {}
    url = sqs.create_queue(QueueName=name, Attributes=attributes)["QueueUrl"]
    arn = queue_arn(sqs, url)
    if allow:
        sqs.set_queue_attributes(QueueUrl=url, Attributes={"Policy": allow_policy(arn)})
    return url, arn


def receive(sqs: Any, url: str, count: int, timeout: float = 15.0) -> list[dict[str, Any]]:
    """`count` messages (each deleted), then nothing more within 1 s; fails otherwise."""
    got: list[dict[str, Any]] = []
    deadline = time.monotonic() + timeout
    while len(got) < count and time.monotonic() < deadline:
        page = sqs.receive_message(
            QueueUrl=url,
            MaxNumberOfMessages=10,
            WaitTimeSeconds=1,
            MessageAttributeNames=["All"],
            AttributeNames=["All"],
        ).get("Messages", [])
        got += page
        for message in page:
            sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
    extra = sqs.receive_message(QueueUrl=url, WaitTimeSeconds=1).get("Messages", [])
    assert extra == [], [m["Body"] for m in extra]
    assert len(got) == count, [m["Body"] for m in got]
    return got


def bodies(sqs: Any, url: str, count: int, timeout: float = 15.0) -> list[Any]:
    """The JSON bodies of `count` messages."""
    return [json.loads(m["Body"]) for m in receive(sqs, url, count, timeout)]


def error_of(exc: Any) -> tuple[str, str]:
    error = exc.value.response["Error"]
    return error["Code"], error["Message"]


def put(events: Any, bus: str = "default", **entry: Any) -> dict[str, Any]:
    """PutEvents of one entry (Source "app", DetailType "thing", Detail {} unless given)."""
    item: dict[str, Any] = {"Source": "app", "DetailType": "thing", "Detail": "{}"}
    item.update(entry)
    item["EventBusName"] = bus
    if not isinstance(item["Detail"], str):
        item["Detail"] = json.dumps(item["Detail"])
    out: dict[str, Any] = events.put_events(Entries=[item])
    assert out["FailedEntryCount"] == 0, out
    return out


def rule_to_queue(
    events: Any, sqs: Any, pattern: dict[str, Any], bus: str = "default", **target: Any
) -> tuple[str, str]:
    """A rule with `pattern` on `bus` whose one target is a new queue: (queue url, rule arn)."""
    fifo = str(target.get("Arn", "")).endswith(".fifo") or "SqsParameters" in target
    url, arn = target_queue(sqs, fifo=fifo)
    name = unique("rule")
    rule_arn = events.put_rule(Name=name, EventBusName=bus, EventPattern=json.dumps(pattern))[
        "RuleArn"
    ]
    events.put_targets(Rule=name, EventBusName=bus, Targets=[{"Id": "q", "Arn": arn, **target}])
    return url, rule_arn
