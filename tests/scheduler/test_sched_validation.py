"""Every refusal of CreateSchedule / UpdateSchedule and the group operations, as AWS answers
it: the model's constraints (one ValidationException listing every problem), expressions,
time zones, windows, StartDate/EndDate, targets ownstack does not deliver to (NotImplemented),
existence and conflicts."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from schedkit import OFF, error_of, unique

FAR = "at(2099-01-01T00:00:00)"
INVALID_EXPRESSIONS = [
    "cron(0 1 * * * *)",
    "cron(7 20 * * NOT *)",
    "cron(INVALID)",
    "cron(0 dummy ? * MON-FRI *)",
    "cron(71 8 1 * ? *)",
    "cron()",
    "rate(10 seconds)",
    "rate(10 years)",
    "rate()",
    "rate(10)",
    "rate(10 minutess)",
    "rate(foo minutes)",
    "rate(-10 minutes)",
    "rate(0 minutes)",
    "rate( 10 minutes )",
    " rate(10 minutes)",
    "at(2021-12-31T23:59:59Z)",
    "at(2021-12-31)",
    "at(2021-02-30T00:00:00)",
    "every(5 minutes)",
]
VALID_EXPRESSIONS = [
    "rate(1 minute)",
    "rate(2 minute)",
    "rate(5 minutes)",
    "rate(1 hour)",
    "rate(3 days)",
    "cron(0/15 * * * ? *)",
    "cron(0 12 ? * MON-FRI *)",
    "cron(0 8 1 * ? *)",
    "cron(15 10 L * ? *)",
    "cron(0 9 ? * 6L *)",
    "cron(0 9 ? * 2#1 *)",
    "cron(0 9 15W * ? 2030-2032)",
    "cron(0-15/1 8-8 ? * 2,3,4,5,6,7 *)",
    "at(2022-12-31T23:59:59)",
]


def _create(client: Any, queue_arn: str, role: str, **kw: Any) -> Any:
    params: dict[str, Any] = {
        "Name": unique(),
        "ScheduleExpression": FAR,
        "FlexibleTimeWindow": OFF,
        "Target": {"Arn": queue_arn, "RoleArn": role},
    }
    params.update(kw)
    return client.create_schedule(**params)


@pytest.mark.parametrize("expression", INVALID_EXPRESSIONS)
def test_an_invalid_expression_is_refused(
    sch: Any, role: str, queue: tuple[str, str], expression: str
) -> None:
    assert error_of(
        _create, client=sch, queue_arn=queue[1], role=role, ScheduleExpression=expression
    ) == (
        "ValidationException",
        f"Invalid Schedule Expression {expression}.",
        400,
    )


@pytest.mark.parametrize("expression", VALID_EXPRESSIONS)
def test_a_valid_expression_is_taken(
    sch: Any, role: str, queue: tuple[str, str], expression: str
) -> None:
    # DISABLED: a past at() would fire at once.
    assert _create(sch, queue[1], role, ScheduleExpression=expression, State="DISABLED")


def test_model_constraints_are_all_listed(
    unchecked: Any, role: str, queue: tuple[str, str]
) -> None:
    code, message, status = error_of(
        _create,
        client=unchecked,
        queue_arn=queue[1],
        role=role,
        Name="bad name!",
        Description="d" * 513,
        State="PAUSED",
        FlexibleTimeWindow={"Mode": "FLEXIBLE", "MaximumWindowInMinutes": 1441},
        Target={
            "Arn": queue[1],
            "RoleArn": "not-a-role",
            "RetryPolicy": {"MaximumEventAgeInSeconds": 59, "MaximumRetryAttempts": 186},
            "DeadLetterConfig": {"Arn": "arn:aws:sns:us-east-1:123456789012:topic"},
        },
    )
    assert (code, status) == ("ValidationException", 400)
    assert message == (
        "8 validation errors detected: "
        "Value 'bad name!' at 'name' failed to satisfy constraint: Member must satisfy regular"
        " expression pattern: ^[0-9a-zA-Z-_.]+$; "
        f"Value '{'d' * 513}' at 'description' failed to satisfy constraint: Member must have"
        " length less than or equal to 512; "
        "Value 'PAUSED' at 'state' failed to satisfy constraint: Member must satisfy enum value"
        " set: [ENABLED, DISABLED]; "
        "Value '1441' at 'flexibleTimeWindow.maximumWindowInMinutes' failed to satisfy"
        " constraint: Member must have value less than or equal to 1440; "
        "Value 'not-a-role' at 'target.roleArn' failed to satisfy constraint: Member must"
        " satisfy regular expression pattern:"
        r" ^arn:aws(-[a-z]+)?:iam::\d{12}:role\/[\w+=,.@\/-]+$; "
        "Value 'arn:aws:sns:us-east-1:123456789012:topic' at 'target.deadLetterConfig.arn'"
        " failed to satisfy constraint: Member must satisfy regular expression pattern:"
        r" ^arn:aws(-[a-z]+)?:sqs:[a-z0-9\-]+:\d{12}:[a-zA-Z0-9\-_]+$; "
        "Value '59' at 'target.retryPolicy.maximumEventAgeInSeconds' failed to satisfy"
        " constraint: Member must have value greater than or equal to 60; "
        "Value '186' at 'target.retryPolicy.maximumRetryAttempts' failed to satisfy"
        " constraint: Member must have value less than or equal to 185"
    )


@pytest.mark.parametrize(
    ("member", "value", "constraint"),
    [
        ("name", "n" * 65, "have length less than or equal to 64"),
        ("groupName", "g/1", r"satisfy regular expression pattern: ^[0-9a-zA-Z-_.]+$"),
        ("clientToken", "t" * 65, "have length less than or equal to 64"),
        ("actionAfterCompletion", "KEEP", "satisfy enum value set: [NONE, DELETE]"),
        ("scheduleExpressionTimezone", "Z" * 51, "have length less than or equal to 50"),
    ],
)
def test_one_constraint_per_member(
    unchecked: Any, role: str, queue: tuple[str, str], member: str, value: str, constraint: str
) -> None:
    names = {
        "name": "Name",
        "groupName": "GroupName",
        "clientToken": "ClientToken",
        "actionAfterCompletion": "ActionAfterCompletion",
        "scheduleExpressionTimezone": "ScheduleExpressionTimezone",
    }
    code, message, _ = error_of(
        _create, client=unchecked, queue_arn=queue[1], role=role, **{names[member]: value}
    )
    assert code == "ValidationException"
    assert message == (
        f"1 validation error detected: Value '{value}' at '{member}' failed to satisfy"
        f" constraint: Member must {constraint}"
    )


def test_an_unknown_time_zone_is_refused(sch: Any, role: str, queue: tuple[str, str]) -> None:
    assert error_of(
        _create, client=sch, queue_arn=queue[1], role=role, ScheduleExpressionTimezone="Mars/Base"
    ) == ("ValidationException", "Invalid time zone Mars/Base.", 400)


def test_window_size_goes_with_flexible_only(sch: Any, role: str, queue: tuple[str, str]) -> None:
    assert error_of(
        _create, client=sch, queue_arn=queue[1], role=role, FlexibleTimeWindow={"Mode": "FLEXIBLE"}
    ) == ("ValidationException", "MaximumWindowInMinutes is required when Mode is FLEXIBLE.", 400)
    assert error_of(
        _create,
        client=sch,
        queue_arn=queue[1],
        role=role,
        FlexibleTimeWindow={"Mode": "OFF", "MaximumWindowInMinutes": 5},
    ) == ("ValidationException", "MaximumWindowInMinutes must not be set when Mode is OFF.", 400)


def test_start_and_end_dates(sch: Any, role: str, queue: tuple[str, str]) -> None:
    now = datetime.now(UTC)
    kw = {"client": sch, "queue_arn": queue[1], "role": role, "ScheduleExpression": "rate(1 hour)"}
    assert error_of(_create, StartDate=now - timedelta(minutes=6), **kw) == (
        "ValidationException",
        "The StartDate you specify cannot be earlier than 5 minutes ago.",
        400,
    )
    assert _create(StartDate=now - timedelta(minutes=4), **kw)
    assert error_of(_create, EndDate=now - timedelta(minutes=1), **kw) == (
        "ValidationException",
        "The EndDate you specify cannot be earlier than the current time.",
        400,
    )
    assert error_of(
        _create, StartDate=now + timedelta(days=2), EndDate=now + timedelta(days=1), **kw
    ) == ("ValidationException", "The EndDate you specify must be later than the StartDate.", 400)


@pytest.mark.parametrize(
    "target_arn",
    [
        "arn:aws:states:us-east-1:123456789012:stateMachine:m",
        "arn:aws:kinesis:us-east-1:123456789012:stream/s",
        "arn:aws:scheduler:::aws-sdk:sqs:sendMessage",
    ],
)
def test_targets_ownstack_does_not_deliver_to_are_refused(
    sch: Any, role: str, queue: tuple[str, str], target_arn: str
) -> None:
    code, message, status = error_of(
        _create,
        client=sch,
        queue_arn=queue[1],
        role=role,
        Target={"Arn": target_arn, "RoleArn": role},
    )
    assert (code, status) == ("NotImplemented", 501)
    assert message == (
        "ownstack delivers only to Amazon SQS, AWS Lambda, Amazon SNS and EventBridge targets,"
        f" not to {target_arn}."
    )


def test_a_kms_key_and_ecs_parameters_are_refused(
    sch: Any, role: str, queue: tuple[str, str]
) -> None:
    key = "arn:aws:kms:us-east-1:123456789012:key/abc"
    assert error_of(_create, client=sch, queue_arn=queue[1], role=role, KmsKeyArn=key) == (
        "NotImplemented",
        "Customer managed KMS keys are not implemented by ownstack.",
        501,
    )
    target = {"Arn": queue[1], "RoleArn": role, "EcsParameters": {"TaskDefinitionArn": "t"}}
    assert error_of(_create, client=sch, queue_arn=queue[1], role=role, Target=target) == (
        "NotImplemented",
        "Target.EcsParameters is not implemented by ownstack.",
        501,
    )


def test_parameters_of_another_target_type(sch: Any, role: str, queue: tuple[str, str]) -> None:
    target = {
        "Arn": queue[1],
        "RoleArn": role,
        "EventBridgeParameters": {"DetailType": "d", "Source": "s"},
    }
    assert error_of(_create, client=sch, queue_arn=queue[1], role=role, Target=target) == (
        "ValidationException",
        "EventBridgeParameters can only be used with an EventBridge target.",
        400,
    )


def test_a_schedule_in_a_missing_group(sch: Any, role: str, queue: tuple[str, str]) -> None:
    assert error_of(_create, client=sch, queue_arn=queue[1], role=role, GroupName="nope") == (
        "ResourceNotFoundException",
        "Schedule group nope does not exist.",
        404,
    )
