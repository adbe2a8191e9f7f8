"""IAM on Scheduler's API: each operation needs its scheduler: action on the schedule or
group ARN, and creating or updating a schedule needs iam:PassRole on its execution role."""

from __future__ import annotations

import json
from typing import Any

from schedkit import OFF, error_of, unique

ACCOUNT = "123456789012"


def _user(server: Any, iam: Any, statements: list[dict[str, Any]]) -> tuple[str, Any]:
    name = unique("user")
    arn = iam.create_user(UserName=name)["User"]["Arn"]
    policy = {"Version": "2012-10-17", "Statement": statements}
    iam.put_user_policy(UserName=name, PolicyName="p", PolicyDocument=json.dumps(policy))
    key = iam.create_access_key(UserName=name)["AccessKey"]
    client = server.client(
        "scheduler",
        aws_access_key_id=key["AccessKeyId"],
        aws_secret_access_key=key["SecretAccessKey"],
    )
    return arn, client


def test_creating_a_schedule_needs_pass_role(
    server: Any, iam: Any, role: str, queue: tuple[str, str]
) -> None:
    scheduler_only = [{"Effect": "Allow", "Action": "scheduler:*", "Resource": "*"}]
    arn, client = _user(server, iam, scheduler_only)
    name = unique()
    kw = {
        "Name": name,
        "ScheduleExpression": "rate(1 day)",
        "FlexibleTimeWindow": OFF,
        "Target": {"Arn": queue[1], "RoleArn": role},
    }
    assert error_of(client.create_schedule, **kw) == (
        "AccessDeniedException",
        f"User: {arn} is not authorized to perform: iam:PassRole on resource: {role}"
        " because no identity-based policy allows the iam:PassRole action",
        403,
    )
    pass_role = {"Effect": "Allow", "Action": "iam:PassRole", "Resource": role}
    _, allowed = _user(server, iam, [*scheduler_only, pass_role])
    assert allowed.create_schedule(**kw)["ScheduleArn"].endswith(f"/default/{name}")


def test_each_operation_is_authorised_on_its_resource(
    server: Any, iam: Any, sch: Any, role: str, queue: tuple[str, str]
) -> None:
    group = unique("g")
    sch.create_schedule_group(Name=group)
    sch.create_schedule(
        Name="mine",
        GroupName=group,
        ScheduleExpression="rate(1 day)",
        FlexibleTimeWindow=OFF,
        Target={"Arn": queue[1], "RoleArn": role},
    )
    group_arn = f"arn:aws:scheduler:us-east-1:{ACCOUNT}:schedule-group/{group}"
    schedule_arn = f"arn:aws:scheduler:us-east-1:{ACCOUNT}:schedule/{group}/mine"
    arn, client = _user(
        server,
        iam,
        [{"Effect": "Allow", "Action": "scheduler:GetSchedule", "Resource": schedule_arn}],
    )
    assert client.get_schedule(Name="mine", GroupName=group)["Arn"] == schedule_arn
    assert error_of(client.delete_schedule, Name="mine", GroupName=group) == (
        "AccessDeniedException",
        f"User: {arn} is not authorized to perform: scheduler:DeleteSchedule on resource:"
        f" {schedule_arn} because no identity-based policy allows the scheduler:DeleteSchedule"
        " action",
        403,
    )
    code, message, _ = error_of(client.get_schedule_group, Name=group)
    assert code == "AccessDeniedException"
    assert f"scheduler:GetScheduleGroup on resource: {group_arn}" in message
    assert error_of(client.list_schedules)[0] == "AccessDeniedException"
