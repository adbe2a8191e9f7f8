"""Schedules through a real server with boto3: create, get, update (a whole replacement),
delete, list (group, prefix, state filters; pagination), ClientToken idempotency."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from schedkit import OFF, error_of, unique

ACCOUNT = "123456789012"
FAR = "at(2099-01-01T00:00:00)"


def _target(queue_arn: str, role: str, **extra: Any) -> dict[str, Any]:
    return {"Arn": queue_arn, "RoleArn": role, **extra}


def test_create_then_get_answers_the_schedule_with_defaults(
    sch: Any, role: str, queue: tuple[str, str]
) -> None:
    name = unique()
    arn = sch.create_schedule(
        Name=name,
        ScheduleExpression="rate(1 hour)",
        FlexibleTimeWindow=OFF,
        Target=_target(queue[1], role, Input='{"key": "value"}'),
    )["ScheduleArn"]
    assert arn == f"arn:aws:scheduler:us-east-1:{ACCOUNT}:schedule/default/{name}"
    got = sch.get_schedule(Name=name)
    got.pop("ResponseMetadata")
    created, modified = got.pop("CreationDate"), got.pop("LastModificationDate")
    assert created == modified
    assert abs(created.timestamp() - datetime.now(UTC).timestamp()) < 30
    assert got == {
        "ActionAfterCompletion": "NONE",
        "Arn": arn,
        "FlexibleTimeWindow": {"Mode": "OFF"},
        "GroupName": "default",
        "Name": name,
        "ScheduleExpression": "rate(1 hour)",
        "ScheduleExpressionTimezone": "UTC",
        "State": "ENABLED",
        "Target": {
            "Arn": queue[1],
            "Input": '{"key": "value"}',
            "RetryPolicy": {"MaximumEventAgeInSeconds": 86400, "MaximumRetryAttempts": 185},
            "RoleArn": role,
        },
    }


def test_every_setting_is_kept(sch: Any, role: str, queue: tuple[str, str]) -> None:
    name = unique()
    start = datetime.now(UTC).replace(microsecond=0) + timedelta(days=1)
    end = start + timedelta(days=30)
    target = _target(
        queue[1],
        role,
        Input="x",
        RetryPolicy={"MaximumRetryAttempts": 3},
        DeadLetterConfig={"Arn": queue[1]},
    )
    sch.create_schedule(
        Name=name,
        ScheduleExpression="cron(30 9 ? * MON-FRI *)",
        ScheduleExpressionTimezone="Europe/Paris",
        FlexibleTimeWindow={"Mode": "FLEXIBLE", "MaximumWindowInMinutes": 15},
        Target=target,
        Description="weekdays",
        StartDate=start,
        EndDate=end,
        State="DISABLED",
        ActionAfterCompletion="DELETE",
    )
    got = sch.get_schedule(Name=name)
    assert got["ScheduleExpressionTimezone"] == "Europe/Paris"
    assert got["FlexibleTimeWindow"] == {"Mode": "FLEXIBLE", "MaximumWindowInMinutes": 15}
    assert got["Description"] == "weekdays"
    assert got["StartDate"] == start and got["EndDate"] == end
    assert got["State"] == "DISABLED" and got["ActionAfterCompletion"] == "DELETE"
    assert got["Target"]["RetryPolicy"] == {
        "MaximumEventAgeInSeconds": 86400,
        "MaximumRetryAttempts": 3,
    }
    assert got["Target"]["DeadLetterConfig"] == {"Arn": queue[1]}


def test_update_replaces_the_whole_schedule(sch: Any, role: str, queue: tuple[str, str]) -> None:
    name = unique()
    sch.create_schedule(
        Name=name,
        ScheduleExpression="rate(1 hour)",
        FlexibleTimeWindow={"Mode": "FLEXIBLE", "MaximumWindowInMinutes": 60},
        Target=_target(queue[1], role, Input="a"),
        Description="first",
        ActionAfterCompletion="DELETE",
    )
    before = sch.get_schedule(Name=name)
    out = sch.update_schedule(
        Name=name,
        ScheduleExpression="rate(2 minute)",
        FlexibleTimeWindow=OFF,
        Target=_target(queue[1], role, Input="b"),
        State="DISABLED",
    )
    assert out["ScheduleArn"] == before["Arn"]
    after = sch.get_schedule(Name=name)
    assert "Description" not in after  # left out: gone, as on AWS
    assert after["ActionAfterCompletion"] == "NONE"
    assert after["ScheduleExpression"] == "rate(2 minute)"
    assert after["State"] == "DISABLED"
    assert after["Target"]["Input"] == "b"
    assert after["CreationDate"] == before["CreationDate"]
    assert after["LastModificationDate"] >= before["LastModificationDate"]


def test_update_and_delete_of_a_missing_schedule(
    sch: Any, role: str, queue: tuple[str, str]
) -> None:
    missing = unique()
    message = f"Schedule {missing} does not exist."
    assert error_of(sch.delete_schedule, Name=missing) == (
        "ResourceNotFoundException",
        message,
        404,
    )
    assert error_of(
        sch.update_schedule,
        Name=missing,
        ScheduleExpression=FAR,
        FlexibleTimeWindow=OFF,
        Target=_target(queue[1], role),
    ) == ("ResourceNotFoundException", message, 404)
    assert error_of(sch.get_schedule, Name=missing, GroupName="nogroup") == (
        "ResourceNotFoundException",
        "Schedule group nogroup does not exist.",
        404,
    )


def test_delete_then_get_is_not_found(sch: Any, role: str, queue: tuple[str, str]) -> None:
    name = unique()
    sch.create_schedule(
        Name=name, ScheduleExpression=FAR, FlexibleTimeWindow=OFF, Target=_target(queue[1], role)
    )
    sch.delete_schedule(Name=name)
    assert error_of(sch.get_schedule, Name=name)[0] == "ResourceNotFoundException"


def test_create_twice_is_a_conflict_unless_the_same_client_token(
    sch: Any, role: str, queue: tuple[str, str]
) -> None:
    name = unique()
    kw = {
        "Name": name,
        "ScheduleExpression": FAR,
        "FlexibleTimeWindow": OFF,
        "Target": _target(queue[1], role),
    }
    first = sch.create_schedule(ClientToken="token-1", **kw)["ScheduleArn"]
    assert sch.create_schedule(ClientToken="token-1", **kw)["ScheduleArn"] == first
    assert error_of(sch.create_schedule, ClientToken="token-2", **kw) == (
        "ConflictException",
        f"Schedule {name} already exists.",
        409,
    )


def test_a_retried_delete_with_its_client_token_succeeds(
    sch: Any, role: str, queue: tuple[str, str]
) -> None:
    name = unique()
    sch.create_schedule(
        Name=name, ScheduleExpression=FAR, FlexibleTimeWindow=OFF, Target=_target(queue[1], role)
    )
    sch.delete_schedule(Name=name, ClientToken="del-1")
    sch.delete_schedule(Name=name, ClientToken="del-1")  # the retry answers as the first did
    assert error_of(sch.delete_schedule, Name=name, ClientToken="del-2")[0] == (
        "ResourceNotFoundException"
    )


def test_list_filters_by_group_prefix_and_state(
    sch: Any, role: str, queue: tuple[str, str]
) -> None:
    group = unique("g")
    sch.create_schedule_group(Name=group)
    prefix = unique("p")
    for suffix, state in (("a", "ENABLED"), ("b", "DISABLED"), ("c", "ENABLED")):
        sch.create_schedule(
            Name=f"{prefix}-{suffix}",
            GroupName=group,
            ScheduleExpression=FAR,
            FlexibleTimeWindow=OFF,
            Target=_target(queue[1], role),
            State=state,
        )
    sch.create_schedule(
        Name=f"{prefix}-d",
        ScheduleExpression=FAR,
        FlexibleTimeWindow=OFF,
        Target=_target(queue[1], role),
    )
    in_group = sch.list_schedules(GroupName=group)["Schedules"]
    assert [s["Name"] for s in in_group] == [f"{prefix}-a", f"{prefix}-b", f"{prefix}-c"]
    summary = in_group[0]
    assert set(summary) == {
        "Arn",
        "CreationDate",
        "GroupName",
        "LastModificationDate",
        "Name",
        "State",
        "Target",
    }
    assert summary["Target"] == {"Arn": queue[1]} and summary["GroupName"] == group
    enabled = sch.list_schedules(GroupName=group, State="ENABLED")["Schedules"]
    assert [s["Name"] for s in enabled] == [f"{prefix}-a", f"{prefix}-c"]
    everywhere = sch.list_schedules(NamePrefix=prefix)["Schedules"]
    assert sorted(s["Name"] for s in everywhere) == [f"{prefix}-{c}" for c in "abcd"]
    assert error_of(sch.list_schedules, GroupName="no-such-group") == (
        "ResourceNotFoundException",
        "Schedule group no-such-group does not exist.",
        404,
    )


def test_list_pages_with_next_token(sch: Any, role: str, queue: tuple[str, str]) -> None:
    group = unique("g")
    sch.create_schedule_group(Name=group)
    names = [f"n{i:02d}" for i in range(5)]
    for name in names:
        sch.create_schedule(
            Name=name,
            GroupName=group,
            ScheduleExpression=FAR,
            FlexibleTimeWindow=OFF,
            Target=_target(queue[1], role),
        )
    seen: list[str] = []
    kw: dict[str, Any] = {"GroupName": group, "MaxResults": 2}
    pages = 0
    while True:
        out = sch.list_schedules(**kw)
        pages += 1
        seen += [s["Name"] for s in out["Schedules"]]
        if "NextToken" not in out:
            break
        kw["NextToken"] = out["NextToken"]
    assert seen == names and pages == 3
    paginated = sch.get_paginator("list_schedules").paginate(
        GroupName=group, PaginationConfig={"PageSize": 4}
    )
    assert [s["Name"] for page in paginated for s in page["Schedules"]] == names
    assert error_of(sch.list_schedules, NextToken="not-a-token!")[:2] == (
        "ValidationException",
        "Invalid NextToken.",
    )
