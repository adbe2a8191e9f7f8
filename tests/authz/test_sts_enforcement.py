"""Role sessions under IAM: a session policy narrows what the role allows; GetCallerIdentity
needs no permission."""

from __future__ import annotations

import json
from typing import Any

import pytest
from authzkit import Keys, allow, doc, error_code, make_user, unique
from botocore.exceptions import ClientError


def _role(iam: Any, trusted: str, *managed: str) -> str:
    name = unique("role")
    trust = {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Principal": {"AWS": trusted}, "Action": "sts:AssumeRole"}
        ],
    }
    arn: str = iam.create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps(trust))["Role"][
        "Arn"
    ]
    for policy in managed:
        iam.attach_role_policy(RoleName=name, PolicyArn=policy)
    return arn


def test_session_policy_narrows_an_assumed_role(authz_server: Any, iam: Any) -> None:
    s3 = authz_server.client("s3")
    bucket = unique("bkt")
    s3.create_bucket(Bucket=bucket)
    s3.put_object(Bucket=bucket, Key="a/1", Body=b"1")
    s3.put_object(Bucket=bucket, Key="b/2", Body=b"2")
    caller = make_user(iam, inline=doc(allow("sts:AssumeRole")))
    role = _role(iam, caller.arn, "arn:aws:iam::aws:policy/AmazonS3FullAccess")
    sts = caller.client(authz_server, "sts")
    narrowed = sts.assume_role(
        RoleArn=role,
        RoleSessionName="narrow",
        Policy=doc(allow("s3:GetObject", f"arn:aws:s3:::{bucket}/a/*")),
    )["Credentials"]
    keys = Keys(narrowed["AccessKeyId"], narrowed["SecretAccessKey"], narrowed["SessionToken"])
    session_s3 = keys.client(authz_server, "s3")
    assert session_s3.get_object(Bucket=bucket, Key="a/1")["Body"].read() == b"1"
    with pytest.raises(ClientError) as info:
        session_s3.get_object(Bucket=bucket, Key="b/2")
    assert error_code(info.value) == "AccessDenied"
    assert info.value.response["Error"]["Message"].endswith(
        "because no session policy allows the s3:GetObject action"
    )
    identity = keys.client(authz_server, "sts").get_caller_identity()
    assert (
        identity["Arn"]
        == f"{role.replace(':iam::', ':sts::').replace(':role/', ':assumed-role/')}/narrow"
    )
    full = sts.assume_role(RoleArn=role, RoleSessionName="full")["Credentials"]
    full_s3 = Keys(full["AccessKeyId"], full["SecretAccessKey"], full["SessionToken"]).client(
        authz_server, "s3"
    )
    assert full_s3.get_object(Bucket=bucket, Key="b/2")["Body"].read() == b"2"


def test_user_without_permissions_still_gets_caller_identity(authz_server: Any, iam: Any) -> None:
    user = make_user(iam)
    identity = user.client(authz_server, "sts").get_caller_identity()
    assert identity["Arn"] == user.arn
    with pytest.raises(ClientError) as info:
        user.client(authz_server, "iam").list_users()
    assert error_code(info.value) == "AccessDenied"
    assert info.value.response["Error"]["Message"].startswith(
        f"User: {user.arn} is not authorized to perform: iam:ListUsers on resource: "
    )


def test_mfa_codes_are_refused_not_ignored(authz_server: Any, iam: Any) -> None:
    """ownstack has no MFA devices: credentials claiming an MFA check are never issued."""
    user = make_user(iam)
    sts = user.client(authz_server, "sts")
    with pytest.raises(ClientError) as info:
        sts.get_session_token(
            SerialNumber=f"{user.arn.replace(':user/', ':mfa/')}", TokenCode="123456"
        )
    assert error_code(info.value) == "AccessDenied"
    assert info.value.response["Error"]["Message"] == (
        "MultiFactorAuthentication failed, unable to validate MFA code."
    )
