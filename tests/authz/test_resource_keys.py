"""Condition keys and ARNs that come from stored state rather than from the request: an IAM
user's path in its ARN, aws:ResourceTag on IAM roles, s3:ExistingObjectTag on objects."""

from __future__ import annotations

import json
from typing import Any

import pytest
from authzkit import allow, doc, error_code, make_user, unique
from botocore.exceptions import ClientError


def test_iam_policy_naming_a_path_matches_users_under_it(authz_server: Any, iam: Any) -> None:
    path = f"/{unique('team')}/"
    account = authz_server.account_id
    admin = make_user(iam, inline=doc(allow("iam:GetUser", f"arn:aws:iam::{account}:user{path}*")))
    inside, outside = unique("in"), unique("out")
    iam.create_user(UserName=inside, Path=path)
    iam.create_user(UserName=outside)
    client = admin.client(authz_server, "iam")
    assert client.get_user(UserName=inside)["User"]["Arn"].endswith(f"user{path}{inside}")
    with pytest.raises(ClientError) as info:
        client.get_user(UserName=outside)
    assert error_code(info.value) == "AccessDenied"


def test_resource_tag_condition_on_a_role(authz_server: Any, iam: Any) -> None:
    trust = json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Principal": {"Service": "lambda.amazonaws.com"},
                    "Action": "sts:AssumeRole",
                }
            ],
        }
    )
    team, other = unique("role"), unique("role")
    iam.create_role(
        RoleName=team, AssumeRolePolicyDocument=trust, Tags=[{"Key": "team", "Value": "data"}]
    )
    iam.create_role(RoleName=other, AssumeRolePolicyDocument=trust)
    user = make_user(
        iam,
        inline=doc(
            allow(
                "iam:GetRole",
                "*",
                Condition={"StringEquals": {"aws:ResourceTag/team": "data"}},
            )
        ),
    )
    client = user.client(authz_server, "iam")
    assert client.get_role(RoleName=team)["Role"]["RoleName"] == team
    with pytest.raises(ClientError) as info:
        client.get_role(RoleName=other)
    assert error_code(info.value) == "AccessDenied"


def test_existing_object_tag_condition(authz_server: Any, iam: Any) -> None:
    s3 = authz_server.client("s3")
    bucket = unique("tags")
    s3.create_bucket(Bucket=bucket)
    s3.put_object(Bucket=bucket, Key="open", Body=b"o", Tagging="class=public")
    s3.put_object(Bucket=bucket, Key="closed", Body=b"c", Tagging="class=secret")
    user = make_user(
        iam,
        inline=doc(
            allow(
                "s3:GetObject",
                f"arn:aws:s3:::{bucket}/*",
                Condition={"StringEquals": {"s3:ExistingObjectTag/class": "public"}},
            )
        ),
    )
    client = user.client(authz_server, "s3")
    assert client.get_object(Bucket=bucket, Key="open")["Body"].read() == b"o"
    with pytest.raises(ClientError) as info:
        client.get_object(Bucket=bucket, Key="closed")
    assert error_code(info.value) == "AccessDenied"
    s3.put_object_tagging(
        Bucket=bucket, Key="closed", Tagging={"TagSet": [{"Key": "class", "Value": "public"}]}
    )
    assert client.get_object(Bucket=bucket, Key="closed")["Body"].read() == b"c"
