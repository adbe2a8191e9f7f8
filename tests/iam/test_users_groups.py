"""Users and groups through a real server: create/get/list/update/delete, membership, tags,
paths, pagination, and AWS's errors."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from iamkit import allow, document, error_of

ACCOUNT = "123456789012"


def test_user_lifecycle(iam: Any, name: Callable[[str], str]) -> None:
    user = name("u")
    made = iam.create_user(UserName=user, Path="/eng/", Tags=[{"Key": "team", "Value": "core"}])
    shape = made["User"]
    assert shape["Arn"] == f"arn:aws:iam::{ACCOUNT}:user/eng/{user}"
    assert shape["UserId"].startswith("AIDA") and len(shape["UserId"]) == 21
    assert shape["Path"] == "/eng/"
    assert shape["Tags"] == [{"Key": "team", "Value": "core"}]
    got = iam.get_user(UserName=user)["User"]
    assert got["UserId"] == shape["UserId"] and got["CreateDate"] == shape["CreateDate"]

    renamed = name("renamed")
    iam.update_user(UserName=user, NewUserName=renamed, NewPath="/ops/")
    assert iam.get_user(UserName=renamed)["User"]["Arn"] == (
        f"arn:aws:iam::{ACCOUNT}:user/ops/{renamed}"
    )
    assert error_of(iam.get_user, UserName=user) == (
        "NoSuchEntity",
        f"The user with name {user} cannot be found.",
        404,
    )
    iam.delete_user(UserName=renamed)
    assert error_of(iam.delete_user, UserName=renamed) == (
        "NoSuchEntity",
        f"The user with name {renamed} cannot be found.",
        404,
    )


def test_existing_user_is_refused_and_unchanged(iam: Any, name: Callable[[str], str]) -> None:
    user = name("dup")
    first = iam.create_user(UserName=user, Path="/a/")["User"]
    assert error_of(iam.create_user, UserName=user, Path="/b/") == (
        "EntityAlreadyExists",
        f"User with name {user} already exists.",
        409,
    )
    # Names are unique regardless of case, as IAM's are.
    assert error_of(iam.create_user, UserName=user.upper())[0] == "EntityAlreadyExists"
    assert iam.get_user(UserName=user)["User"] == first


def test_bad_user_names_and_paths(iam: Any) -> None:
    code, message, status = error_of(iam.create_user, UserName="bad name")
    assert (code, status) == ("ValidationError", 400)
    assert message == (
        "1 validation error detected: Value 'bad name' at 'userName' failed to satisfy"
        " constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]+"
    )
    long = "a" * 65
    assert error_of(iam.create_user, UserName=long)[1] == (
        f"1 validation error detected: Value '{long}' at 'userName' failed to satisfy"
        " constraint: Member must have length less than or equal to 64"
    )
    assert error_of(iam.create_user, UserName="okname", Path="no-slash")[0] == "ValidationError"
    assert error_of(iam.get_user, UserName="okname")[0] == "NoSuchEntity"


def test_get_user_without_name_is_the_caller(iam: Any) -> None:
    me = iam.get_user()["User"]
    assert me["Arn"] == f"arn:aws:iam::{ACCOUNT}:root"
    assert me["UserId"] == ACCOUNT


def test_list_users_paginates_and_filters_by_path(iam: Any, name: Callable[[str], str]) -> None:
    path = f"/{name('p')}/"
    users = sorted(name("lu") for _ in range(5))
    for user in users:
        iam.create_user(UserName=user, Path=path)
    first = iam.list_users(PathPrefix=path, MaxItems=2)
    assert [u["UserName"] for u in first["Users"]] == users[:2]
    assert first["IsTruncated"] is True
    second = iam.list_users(PathPrefix=path, MaxItems=2, Marker=first["Marker"])
    assert [u["UserName"] for u in second["Users"]] == users[2:4]
    last = iam.list_users(PathPrefix=path, MaxItems=2, Marker=second["Marker"])
    assert [u["UserName"] for u in last["Users"]] == users[4:]
    assert last["IsTruncated"] is False
    paginated = iam.get_paginator("list_users").paginate(
        PathPrefix=path, PaginationConfig={"PageSize": 2}
    )
    assert [u["UserName"] for page in paginated for u in page["Users"]] == users


def test_user_tags(iam: Any, name: Callable[[str], str]) -> None:
    user = name("tag")
    iam.create_user(UserName=user)
    iam.tag_user(UserName=user, Tags=[{"Key": "a", "Value": "1"}, {"Key": "b", "Value": "2"}])
    iam.tag_user(UserName=user, Tags=[{"Key": "a", "Value": "3"}])
    iam.untag_user(UserName=user, TagKeys=["b"])
    assert iam.list_user_tags(UserName=user)["Tags"] == [{"Key": "a", "Value": "3"}]


def test_groups_and_membership(iam: Any, name: Callable[[str], str]) -> None:
    group, user = name("g"), name("m")
    made = iam.create_group(GroupName=group, Path="/team/")["Group"]
    assert made["Arn"] == f"arn:aws:iam::{ACCOUNT}:group/team/{group}"
    assert made["GroupId"].startswith("AGPA")
    assert error_of(iam.create_group, GroupName=group) == (
        "EntityAlreadyExists",
        f"Group with name {group} already exists.",
        409,
    )
    iam.create_user(UserName=user)
    iam.add_user_to_group(GroupName=group, UserName=user)
    got = iam.get_group(GroupName=group)
    assert [u["UserName"] for u in got["Users"]] == [user]
    assert [g["GroupName"] for g in iam.list_groups_for_user(UserName=user)["Groups"]] == [group]
    assert error_of(iam.delete_group, GroupName=group) == (
        "DeleteConflict",
        "Cannot delete entity, must remove users from group first.",
        409,
    )
    assert error_of(iam.delete_user, UserName=user) == (
        "DeleteConflict",
        "Cannot delete entity, must remove user from all groups first.",
        409,
    )
    renamed = name("g2")
    iam.update_group(GroupName=group, NewGroupName=renamed)
    assert [g["GroupName"] for g in iam.list_groups_for_user(UserName=user)["Groups"]] == [renamed]
    iam.remove_user_from_group(GroupName=renamed, UserName=user)
    assert iam.get_group(GroupName=renamed)["Users"] == []
    iam.delete_group(GroupName=renamed)
    iam.delete_user(UserName=user)
    assert error_of(iam.get_group, GroupName=renamed) == (
        "NoSuchEntity",
        f"The group with name {renamed} cannot be found.",
        404,
    )


def test_delete_user_conflicts(iam: Any, name: Callable[[str], str]) -> None:
    user = name("dc")
    iam.create_user(UserName=user)
    key = iam.create_access_key(UserName=user)["AccessKey"]["AccessKeyId"]
    assert error_of(iam.delete_user, UserName=user) == (
        "DeleteConflict",
        "Cannot delete entity, must delete access keys first.",
        409,
    )
    iam.delete_access_key(UserName=user, AccessKeyId=key)
    iam.put_user_policy(UserName=user, PolicyName="p", PolicyDocument=document(allow("s3:*")))
    assert error_of(iam.delete_user, UserName=user) == (
        "DeleteConflict",
        "Cannot delete entity, must delete policies first.",
        409,
    )
    iam.delete_user_policy(UserName=user, PolicyName="p")
    iam.attach_user_policy(UserName=user, PolicyArn="arn:aws:iam::aws:policy/IAMReadOnlyAccess")
    assert error_of(iam.delete_user, UserName=user) == (
        "DeleteConflict",
        "Cannot delete entity, must detach all policies first.",
        409,
    )
    iam.detach_user_policy(UserName=user, PolicyArn="arn:aws:iam::aws:policy/IAMReadOnlyAccess")
    iam.delete_user(UserName=user)
