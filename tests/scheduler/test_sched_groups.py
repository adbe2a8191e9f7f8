"""Schedule groups through a real server: the default group, create/get/delete (taking its
schedules with it), list by prefix with pages, tags on groups, and their refusals."""

from __future__ import annotations

from typing import Any

from schedkit import OFF, error_of, unique

ACCOUNT = "123456789012"
FAR = "at(2099-01-01T00:00:00)"


def _group_arn(name: str) -> str:
    return f"arn:aws:scheduler:us-east-1:{ACCOUNT}:schedule-group/{name}"


def test_the_default_group_exists_and_stays(sch: Any) -> None:
    got = sch.get_schedule_group(Name="default")
    got.pop("ResponseMetadata")
    assert got == {"Arn": _group_arn("default"), "Name": "default", "State": "ACTIVE"}
    assert error_of(sch.delete_schedule_group, Name="default") == (
        "ValidationException",
        "Cannot delete the default schedule group.",
        400,
    )
    assert error_of(sch.create_schedule_group, Name="default") == (
        "ConflictException",
        "Schedule group default already exists.",
        409,
    )


def test_create_get_and_conflict(sch: Any) -> None:
    name = unique("g")
    out = sch.create_schedule_group(Name=name, ClientToken="tok-1")
    assert out["ScheduleGroupArn"] == _group_arn(name)
    got = sch.get_schedule_group(Name=name)
    assert got["Arn"] == _group_arn(name) and got["State"] == "ACTIVE"
    assert got["CreationDate"] == got["LastModificationDate"]
    again = sch.create_schedule_group(Name=name, ClientToken="tok-1")  # a retry: same answer
    assert again["ScheduleGroupArn"] == _group_arn(name)
    assert error_of(sch.create_schedule_group, Name=name, ClientToken="tok-2") == (
        "ConflictException",
        f"Schedule group {name} already exists.",
        409,
    )


def test_deleting_a_group_deletes_its_schedules(
    sch: Any, role: str, queue: tuple[str, str]
) -> None:
    group = unique("g")
    sch.create_schedule_group(Name=group)
    for index in range(3):
        sch.create_schedule(
            Name=f"s{index}",
            GroupName=group,
            ScheduleExpression=FAR,
            FlexibleTimeWindow=OFF,
            Target={"Arn": queue[1], "RoleArn": role},
        )
    sch.delete_schedule_group(Name=group, ClientToken="del-g")
    sch.delete_schedule_group(Name=group, ClientToken="del-g")  # a retry answers the same
    assert error_of(sch.get_schedule_group, Name=group) == (
        "ResourceNotFoundException",
        f"Schedule group {group} does not exist.",
        404,
    )
    assert error_of(sch.delete_schedule_group, Name=group)[0] == "ResourceNotFoundException"
    sch.create_schedule_group(Name=group)  # the name is free again, and empty
    assert sch.list_schedules(GroupName=group)["Schedules"] == []


def test_list_groups_by_prefix_in_pages(sch: Any) -> None:
    prefix = unique("lg")
    names = [f"{prefix}-{i}" for i in range(3)]
    for name in names:
        sch.create_schedule_group(Name=name)
    out = sch.list_schedule_groups(NamePrefix=prefix, MaxResults=2)
    assert [g["Name"] for g in out["ScheduleGroups"]] == names[:2]
    rest = sch.list_schedule_groups(NamePrefix=prefix, MaxResults=2, NextToken=out["NextToken"])
    assert [g["Name"] for g in rest["ScheduleGroups"]] == names[2:]
    assert "NextToken" not in rest
    everything = sch.list_schedule_groups()["ScheduleGroups"]
    assert "default" in [g["Name"] for g in everything]
    summary = next(g for g in everything if g["Name"] == names[0])
    assert set(summary) == {"Arn", "CreationDate", "LastModificationDate", "Name", "State"}


def test_tags_of_a_group(sch: Any) -> None:
    name = unique("g")
    arn = sch.create_schedule_group(Name=name, Tags=[{"Key": "team", "Value": "a"}])[
        "ScheduleGroupArn"
    ]
    assert sch.list_tags_for_resource(ResourceArn=arn)["Tags"] == [{"Key": "team", "Value": "a"}]
    sch.tag_resource(
        ResourceArn=arn, Tags=[{"Key": "team", "Value": "b"}, {"Key": "env", "Value": "dev"}]
    )
    tags = sch.list_tags_for_resource(ResourceArn=arn)["Tags"]
    assert sorted(tags, key=lambda t: t["Key"]) == [
        {"Key": "env", "Value": "dev"},
        {"Key": "team", "Value": "b"},
    ]
    sch.untag_resource(ResourceArn=arn, TagKeys=["team"])
    assert sch.list_tags_for_resource(ResourceArn=arn)["Tags"] == [{"Key": "env", "Value": "dev"}]


def test_the_default_group_takes_tags(sch: Any) -> None:
    arn = _group_arn("default")
    key = unique("k")
    sch.tag_resource(ResourceArn=arn, Tags=[{"Key": key, "Value": "v"}])
    assert {"Key": key, "Value": "v"} in sch.list_tags_for_resource(ResourceArn=arn)["Tags"]
    sch.untag_resource(ResourceArn=arn, TagKeys=[key])
    assert sch.get_schedule_group(Name="default")["State"] == "ACTIVE"


def test_tagging_refusals(sch: Any, unchecked: Any) -> None:
    missing = _group_arn("no-such-group")
    assert error_of(sch.list_tags_for_resource, ResourceArn=missing) == (
        "ResourceNotFoundException",
        "Schedule group no-such-group does not exist.",
        404,
    )
    schedule_arn = f"arn:aws:scheduler:us-east-1:{ACCOUNT}:schedule/default/x"
    code, message, _ = error_of(
        unchecked.tag_resource, ResourceArn=schedule_arn, Tags=[{"Key": "k", "Value": "v"}]
    )
    assert code == "ValidationException"
    assert message.startswith(
        f"1 validation error detected: Value '{schedule_arn}' at 'resourceArn' failed to"
        " satisfy constraint: Member must satisfy regular expression pattern: "
    )
    code, message, _ = error_of(
        unchecked.create_schedule_group, Name=unique("g"), Tags=[{"Key": "", "Value": "v"}]
    )
    assert message == (
        "1 validation error detected: Value '' at 'tags.1.member.key' failed to satisfy"
        " constraint: Member must have length greater than or equal to 1"
    )


def test_group_name_constraints(unchecked: Any) -> None:
    assert error_of(unchecked.create_schedule_group, Name="a" * 65) == (
        "ValidationException",
        f"1 validation error detected: Value '{'a' * 65}' at 'name' failed to satisfy"
        " constraint: Member must have length less than or equal to 64",
        400,
    )
