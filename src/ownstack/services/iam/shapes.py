"""IAM's records as the model's result shapes. Policy documents go out URL-encoded, as IAM
sends them (SDKs decode them: botocore's json_decode_policies)."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from ownstack.identity.managed import AwsPolicy
from ownstack.identity.records import (
    AccessKeyRecord,
    GroupRecord,
    InstanceProfileRecord,
    PolicyRecord,
    PolicyVersionRecord,
    RoleRecord,
    UserRecord,
)

Shape = dict[str, Any]


def encoded(document: str) -> str:
    return quote(document, safe="")


def tag_list(tags: dict[str, str]) -> list[Shape]:
    return [{"Key": k, "Value": v} for k, v in tags.items()]


def boundary(arn: str) -> Shape:
    return {"PermissionsBoundaryType": "Policy", "PermissionsBoundaryArn": arn}


def user_shape(user: UserRecord, *, tags: bool = True) -> Shape:
    out: Shape = {
        "Path": user.path,
        "UserName": user.name,
        "UserId": user.id,
        "Arn": user.arn,
        "CreateDate": user.created,
    }
    if user.boundary:
        out["PermissionsBoundary"] = boundary(user.boundary)
    if tags and user.tags:
        out["Tags"] = tag_list(user.tags)
    return out


def group_shape(group: GroupRecord) -> Shape:
    return {
        "Path": group.path,
        "GroupName": group.name,
        "GroupId": group.id,
        "Arn": group.arn,
        "CreateDate": group.created,
    }


def role_shape(role: RoleRecord, *, full: bool = True) -> Shape:
    """`full`: GetRole's shape (tags, boundary, last use); ListRoles leaves those out, as
    AWS's ListRoles does."""
    out: Shape = {
        "Path": role.path,
        "RoleName": role.name,
        "RoleId": role.id,
        "Arn": role.arn,
        "CreateDate": role.created,
        "AssumeRolePolicyDocument": encoded(role.trust),
        "MaxSessionDuration": role.max_session,
    }
    if role.description:
        out["Description"] = role.description
    if not full:
        return out
    if role.boundary:
        out["PermissionsBoundary"] = boundary(role.boundary)
    if role.tags:
        out["Tags"] = tag_list(role.tags)
    last: Shape = {}
    if role.last_used:
        last = {"LastUsedDate": role.last_used, "Region": role.last_used_region}
    out["RoleLastUsed"] = last
    return out


def policy_shape(policy: PolicyRecord, *, tags: bool = True) -> Shape:
    out: Shape = {
        "PolicyName": policy.name,
        "PolicyId": policy.id,
        "Arn": policy.arn,
        "Path": policy.path,
        "DefaultVersionId": policy.default_version,
        "AttachmentCount": policy.attachments,
        "PermissionsBoundaryUsageCount": policy.boundary_uses,
        "IsAttachable": True,
        "CreateDate": policy.created,
        "UpdateDate": policy.updated,
    }
    if policy.description:
        out["Description"] = policy.description
    if tags and policy.tags:
        out["Tags"] = tag_list(policy.tags)
    return out


def aws_policy_shape(policy: AwsPolicy, attachments: int, boundary_uses: int) -> Shape:
    return {
        "PolicyName": policy.name,
        "PolicyId": policy.id,
        "Arn": policy.arn,
        "Path": policy.path,
        "DefaultVersionId": policy.default_version,
        "AttachmentCount": attachments,
        "PermissionsBoundaryUsageCount": boundary_uses,
        "IsAttachable": True,
        "CreateDate": policy.created,
        "UpdateDate": policy.updated,
    }


def version_shape(version: PolicyVersionRecord, default: str, *, document: bool) -> Shape:
    out: Shape = {
        "VersionId": version.id,
        "IsDefaultVersion": version.id == default,
        "CreateDate": version.created,
    }
    if document:
        out["Document"] = encoded(version.document)
    return out


def profile_shape(profile: InstanceProfileRecord, roles: list[RoleRecord]) -> Shape:
    out: Shape = {
        "Path": profile.path,
        "InstanceProfileName": profile.name,
        "InstanceProfileId": profile.id,
        "Arn": profile.arn,
        "CreateDate": profile.created,
        "Roles": [role_shape(r, full=False) for r in roles],
    }
    if profile.tags:
        out["Tags"] = tag_list(profile.tags)
    return out


def key_shape(key: AccessKeyRecord) -> Shape:
    return {
        "UserName": key.user,
        "AccessKeyId": key.id,
        "Status": "Active" if key.active else "Inactive",
        "CreateDate": key.created,
    }
