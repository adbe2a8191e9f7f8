"""What one attempt of a tick's delivery hands the events bus, per templated target:

- Amazon SQS (SendMessage): the body is the input; SqsParameters.MessageGroupId is the FIFO
  message group (a FIFO queue needs content-based deduplication, as AWS requires);
- AWS Lambda (Invoke, asynchronously): the event is the input;
- Amazon SNS (Publish): the message is the input;
- EventBridge (PutEvents): the body is the event, in the shape the bus's handler takes (an
  event as rules see it): `source` and `detail-type` from EventBridgeParameters (default
  "aws.scheduler" / "Scheduled Event"), `detail` the input (which must be JSON), `resources`
  the schedule's ARN; the bus fills in id, time, account and region.

Context attributes in the input (`<aws.scheduler.schedule-arn>`, `<aws.scheduler.scheduled-
time>`, `<aws.scheduler.execution-id>`, `<aws.scheduler.attempt-number>`) are replaced by
their values. Without an input, the body is `{}`."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from ownstack.events.bus import Delivery

from .records import PendingRecord

ACTIONS = {
    "sqs": "sqs:SendMessage",
    "lambda": "lambda:InvokeFunction",
    "sns": "sns:Publish",
    "events": "events:PutEvents",
}
"""The permission the execution role needs for its target, by the target's service."""
DEFAULT_SOURCE, DEFAULT_DETAIL_TYPE = "aws.scheduler", "Scheduled Event"


class BadInput(ValueError):
    """The input cannot be delivered to this kind of target."""


def target_service(arn: str) -> str:
    parts = arn.split(":", 5)
    return parts[2] if len(parts) == 6 else ""


def scheduled_time(moment: float) -> str:
    return datetime.fromtimestamp(moment, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def resolved_input(pending: PendingRecord, execution_id: str, attempt: int) -> str:
    text: str = pending.target.get("Input") or "{}"
    if "<aws.scheduler." not in text:
        return text
    values = {
        "<aws.scheduler.schedule-arn>": pending.schedule_arn,
        "<aws.scheduler.scheduled-time>": scheduled_time(pending.scheduled),
        "<aws.scheduler.execution-id>": execution_id,
        "<aws.scheduler.attempt-number>": str(attempt),
    }
    for keyword, value in values.items():
        text = text.replace(keyword, value)
    return text


def delivery_of(pending: PendingRecord, execution_id: str, attempt: int) -> Delivery:
    """The bus delivery of one attempt (sender None: the execution role's own permission was
    checked before, as AWS checks a templated target's call). Raises BadInput."""
    target = pending.target
    arn: str = target["Arn"]
    body = resolved_input(pending, execution_id, attempt)
    service = target_service(arn)
    if service == "events":
        return Delivery(target=arn, body=_event(pending, body))
    if service == "sqs":
        group = (target.get("SqsParameters") or {}).get("MessageGroupId")
        return Delivery(target=arn, body=body, group=group)
    return Delivery(target=arn, body=body)


def _event(pending: PendingRecord, detail: str) -> str:
    params: dict[str, Any] = pending.target.get("EventBridgeParameters") or {}
    try:
        parsed = json.loads(detail)
    except ValueError:
        raise BadInput("The input of an EventBridge target must be well-formed JSON.") from None
    event = {
        "source": params.get("Source", DEFAULT_SOURCE),
        "detail-type": params.get("DetailType", DEFAULT_DETAIL_TYPE),
        "detail": parsed,
        "resources": [pending.schedule_arn],
    }
    return json.dumps(event, separators=(",", ":"))


def dead_letter_of(pending: PendingRecord, execution_id: str, error: tuple[str, str]) -> Delivery:
    """The dead-letter event: the input, with what happened in message attributes."""
    dead_letter_arn: str = pending.target["DeadLetterConfig"]["Arn"]
    code, message = error
    attributes = {
        "X-Amz-Scheduler-Attempt": str(pending.attempts),
        "X-Amz-Scheduler-Schedule-Arn": pending.schedule_arn,
        "X-Amz-Scheduler-Group": pending.group,
        "X-Amz-Scheduler-Target-Arn": pending.target["Arn"],
        "X-Amz-Scheduler-Execution-Id": execution_id,
        "X-Amz-Scheduler-Error-Code": code,
        "X-Amz-Scheduler-Error-Message": message[:1024],
    }
    return Delivery(
        target=dead_letter_arn,
        body=resolved_input(pending, execution_id, pending.attempts),
        attributes={k: {"DataType": "String", "StringValue": v} for k, v in attributes.items()},
    )
