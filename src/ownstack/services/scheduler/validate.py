"""The model's constraints on Scheduler's input members (lengths, patterns, ranges, enums),
checked as AWS checks them and worded as it words them: `Value 'x' at 'target.roleArn' failed
to satisfy constraint: Member must ...`, every problem of a request in one ValidationException.

The wire layer checks only that required members are there; the SDKs check lengths and ranges
before sending, so these answer the clients that do not (and hand-made requests)."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

from .errors import validation_errors

NAME = r"^[0-9a-zA-Z-_.]+$"
IDEMPOTENCY_ID = r"^[a-zA-Z0-9-_]+$"
ROLE_ARN = r"^arn:aws(-[a-z]+)?:iam::\d{12}:role\/[\w+=,.@\/-]+$"
QUEUE_ARN = r"^arn:aws(-[a-z]+)?:sqs:[a-z0-9\-]+:\d{12}:[a-zA-Z0-9\-_]+$"
KMS_ARN = r"^arn:aws(-[a-z]+)?:kms:[a-z0-9\-]+:\d{12}:(key|alias)\/[0-9a-zA-Z-_]*$"
GROUP_ARN = r"^arn:aws(-[a-z]+)?:scheduler:[a-z0-9\-]+:\d{12}:schedule-group\/[0-9a-zA-Z-_.]+$"
SOURCE = r"^(?=[/\.\-_A-Za-z0-9]+)((?!aws\.).*)|(\$(\.[\w_-]+(\[(\d+|\*)\])*)*)$"
STATES = ("ENABLED", "DISABLED")
COMPLETION = ("NONE", "DELETE")
MODES = ("OFF", "FLEXIBLE")
_COMPILED: dict[str, re.Pattern[str]] = {}


class Problems:
    """Collects the constraint failures of one request."""

    def __init__(self) -> None:
        self.found: list[str] = []

    def add(self, value: object, at: str, constraint: str) -> None:
        shown = "" if isinstance(value, list | dict) else f" '{_show(value)}'"
        self.found.append(
            f"Value{shown} at '{at}' failed to satisfy constraint: Member must {constraint}"
        )

    def length(self, value: Any, at: str, low: int, high: int | None = None) -> None:
        if value is None:
            return
        if len(value) < low:
            self.add(value, at, f"have length greater than or equal to {low}")
        elif high is not None and len(value) > high:
            self.add(value, at, f"have length less than or equal to {high}")

    def pattern(self, value: Any, at: str, pattern: str) -> None:
        if isinstance(value, str) and value and not _compiled(pattern).fullmatch(value):
            self.add(value, at, f"satisfy regular expression pattern: {pattern}")

    def text(self, value: Any, at: str, low: int, high: int | None, pattern: str = "") -> None:
        self.length(value, at, low, high)
        if pattern:
            self.pattern(value, at, pattern)

    def number(self, value: Any, at: str, low: int, high: int) -> None:
        if value is None:
            return
        if value < low:
            self.add(value, at, f"have value greater than or equal to {low}")
        elif value > high:
            self.add(value, at, f"have value less than or equal to {high}")

    def enum(self, value: Any, at: str, allowed: Iterable[str]) -> None:
        listed = list(allowed)
        if value is not None and value not in listed:
            self.add(value, at, f"satisfy enum value set: [{', '.join(listed)}]")

    def tags(self, tags: Any, at: str = "tags") -> None:
        if tags is None:
            return
        self.length(tags, at, 0, 200)
        for index, tag in enumerate(tags, start=1):
            self.text(tag.get("Key"), f"{at}.{index}.member.key", 1, 128)
            self.text(tag.get("Value"), f"{at}.{index}.member.value", 1, 256)

    def raise_any(self) -> None:
        if self.found:
            raise validation_errors(self.found)


def check_schedule_input(params: Mapping[str, Any]) -> None:
    """CreateSchedule's and UpdateSchedule's members."""
    problems = Problems()
    problems.text(params.get("Name"), "name", 1, 64, NAME)
    problems.text(params.get("GroupName"), "groupName", 1, 64, NAME)
    problems.length(params.get("Description"), "description", 0, 512)
    problems.length(params.get("ScheduleExpression"), "scheduleExpression", 1, 256)
    problems.length(params.get("ScheduleExpressionTimezone"), "scheduleExpressionTimezone", 1, 50)
    problems.text(params.get("ClientToken"), "clientToken", 1, 64, IDEMPOTENCY_ID)
    problems.text(params.get("KmsKeyArn"), "kmsKeyArn", 1, 2048, KMS_ARN)
    problems.enum(params.get("State"), "state", STATES)
    problems.enum(params.get("ActionAfterCompletion"), "actionAfterCompletion", COMPLETION)
    window = params.get("FlexibleTimeWindow") or {}
    problems.enum(window.get("Mode"), "flexibleTimeWindow.mode", MODES)
    problems.number(
        window.get("MaximumWindowInMinutes"), "flexibleTimeWindow.maximumWindowInMinutes", 1, 1440
    )
    _check_target(problems, params.get("Target") or {})
    problems.raise_any()


def _check_target(problems: Problems, target: Mapping[str, Any]) -> None:
    problems.length(target.get("Arn"), "target.arn", 1, 1600)
    problems.text(target.get("RoleArn"), "target.roleArn", 1, 1600, ROLE_ARN)
    problems.length(target.get("Input"), "target.input", 1)
    dead_letter = target.get("DeadLetterConfig") or {}
    problems.text(dead_letter.get("Arn"), "target.deadLetterConfig.arn", 1, 1600, QUEUE_ARN)
    retry = target.get("RetryPolicy") or {}
    problems.number(
        retry.get("MaximumEventAgeInSeconds"),
        "target.retryPolicy.maximumEventAgeInSeconds",
        60,
        86400,
    )
    problems.number(
        retry.get("MaximumRetryAttempts"), "target.retryPolicy.maximumRetryAttempts", 0, 185
    )
    sqs = target.get("SqsParameters") or {}
    problems.length(sqs.get("MessageGroupId"), "target.sqsParameters.messageGroupId", 1, 128)
    bus = target.get("EventBridgeParameters") or {}
    problems.length(bus.get("DetailType"), "target.eventBridgeParameters.detailType", 1, 128)
    problems.text(bus.get("Source"), "target.eventBridgeParameters.source", 1, 256, SOURCE)


def check_list_input(params: Mapping[str, Any], prefix_pattern: str = NAME) -> None:
    """ListSchedules' and ListScheduleGroups' members."""
    problems = Problems()
    problems.number(params.get("MaxResults"), "maxResults", 1, 100)
    problems.text(params.get("NamePrefix"), "namePrefix", 1, 64, prefix_pattern)
    problems.length(params.get("NextToken"), "nextToken", 1, 2048)
    problems.text(params.get("GroupName"), "groupName", 1, 64, NAME)
    problems.enum(params.get("State"), "state", STATES)
    problems.raise_any()


def check_name(params: Mapping[str, Any], *, group_member: bool = False) -> None:
    """A request naming one schedule (Name, GroupName) or one group (Name)."""
    problems = Problems()
    problems.text(params.get("Name"), "name", 1, 64, NAME)
    if group_member:
        problems.text(params.get("GroupName"), "groupName", 1, 64, NAME)
    problems.text(params.get("ClientToken"), "clientToken", 1, 64, IDEMPOTENCY_ID)
    problems.tags(params.get("Tags"))
    problems.raise_any()


def check_resource_arn(params: Mapping[str, Any]) -> None:
    """The tagging operations' members."""
    problems = Problems()
    problems.text(params.get("ResourceArn"), "resourceArn", 1, 1011, GROUP_ARN)
    problems.tags(params.get("Tags"))
    keys = params.get("TagKeys")
    if keys is not None:
        problems.length(keys, "tagKeys", 0, 200)
        for index, key in enumerate(keys, start=1):
            problems.length(key, f"tagKeys.{index}.member", 1, 128)
    problems.raise_any()


def _compiled(pattern: str) -> re.Pattern[str]:
    found = _COMPILED.get(pattern)
    if found is None:
        found = _COMPILED[pattern] = re.compile(pattern)
    return found


def _show(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)
