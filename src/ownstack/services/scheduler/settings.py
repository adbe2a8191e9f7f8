"""CreateSchedule's and UpdateSchedule's settings, checked beyond the model's constraints
(the expression, the time zone, the window, StartDate/EndDate, the target) and completed
with AWS's defaults (UTC, NONE, ENABLED, RetryPolicy 86400 s / 185 attempts).

Targets ownstack delivers to are the templated Amazon SQS (SendMessage), AWS Lambda (Invoke),
Amazon SNS (Publish) and EventBridge (PutEvents) targets; any other (universal targets,
ECS, Kinesis, SageMaker, Step Functions...) and customer managed KMS keys are refused with
NotImplemented rather than accepted and never carried out."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from .errors import invalid_expression, not_implemented, validation
from .timing import At, ExpressionError, parse_expression, zone_of

TARGET_SERVICES = ("sqs", "lambda", "sns", "events")
DEFAULT_RETRY = {"MaximumEventAgeInSeconds": 86400, "MaximumRetryAttempts": 185}
START_SLACK_S = 300
_TARGET_MEMBERS = (
    "Arn",
    "RoleArn",
    "Input",
    "DeadLetterConfig",
    "RetryPolicy",
    "SqsParameters",
    "EventBridgeParameters",
)
_UNSUPPORTED = ("EcsParameters", "KinesisParameters", "SageMakerPipelineParameters")


@dataclass(slots=True)
class Settings:
    expression: str
    timezone: str
    flexible: dict[str, Any]
    target: dict[str, Any]
    state: str
    action_after_completion: str
    description: str | None
    start: float | None
    end: float | None
    one_time: bool


def read_settings(params: Mapping[str, Any], now: float) -> Settings:
    """Raises ValidationException (or NotImplemented) as AWS checks these."""
    expression_text: str = params["ScheduleExpression"]
    try:
        expression = parse_expression(expression_text)
    except ExpressionError:
        raise invalid_expression(expression_text) from None
    timezone = params.get("ScheduleExpressionTimezone") or "UTC"
    try:
        zone_of(timezone)
    except ExpressionError:
        raise validation(f"Invalid time zone {timezone}.") from None
    if params.get("KmsKeyArn") is not None:
        raise not_implemented("Customer managed KMS keys are not implemented by ownstack.")
    one_time = isinstance(expression, At)
    start, end = _dates(params, now, recurring=not one_time)
    return Settings(
        expression=expression_text,
        timezone=timezone,
        flexible=_window(params["FlexibleTimeWindow"]),
        target=_target(params["Target"]),
        state=params.get("State") or "ENABLED",
        action_after_completion=params.get("ActionAfterCompletion") or "NONE",
        description=params.get("Description"),
        start=start,
        end=end,
        one_time=one_time,
    )


def _window(window: Mapping[str, Any]) -> dict[str, Any]:
    minutes = window.get("MaximumWindowInMinutes")
    if window["Mode"] == "FLEXIBLE":
        if minutes is None:
            raise validation("MaximumWindowInMinutes is required when Mode is FLEXIBLE.")
        return {"Mode": "FLEXIBLE", "MaximumWindowInMinutes": minutes}
    if minutes is not None:
        raise validation("MaximumWindowInMinutes must not be set when Mode is OFF.")
    return {"Mode": "OFF"}


def _dates(
    params: Mapping[str, Any], now: float, *, recurring: bool
) -> tuple[float | None, float | None]:
    start = _epoch(params.get("StartDate"))
    end = _epoch(params.get("EndDate"))
    if recurring and start is not None and start < now - START_SLACK_S:
        raise validation("The StartDate you specify cannot be earlier than 5 minutes ago.")
    if recurring and end is not None and end <= now:
        raise validation("The EndDate you specify cannot be earlier than the current time.")
    if start is not None and end is not None and end <= start:
        raise validation("The EndDate you specify must be later than the StartDate.")
    return start, end


def _target(target: Mapping[str, Any]) -> dict[str, Any]:
    for member in _UNSUPPORTED:
        if target.get(member) is not None:
            raise not_implemented(f"Target.{member} is not implemented by ownstack.")
    arn: str = target["Arn"]
    service = arn.split(":")[2] if arn.count(":") >= 5 else ""
    if service not in TARGET_SERVICES or not arn.startswith("arn:aws:"):
        raise not_implemented(
            f"ownstack delivers only to Amazon SQS, AWS Lambda, Amazon SNS and EventBridge"
            f" targets, not to {arn}."
        )
    if target.get("SqsParameters") is not None and service != "sqs":
        raise validation("SqsParameters can only be used with an Amazon SQS target.")
    if target.get("EventBridgeParameters") is not None and service != "events":
        raise validation("EventBridgeParameters can only be used with an EventBridge target.")
    kept = {k: target[k] for k in _TARGET_MEMBERS if target.get(k) is not None}
    kept["RetryPolicy"] = {**DEFAULT_RETRY, **(target.get("RetryPolicy") or {})}
    return kept


def _epoch(value: Any) -> float | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.timestamp()
    return float(value)
