"""Access keys (limits, signing, deactivation, last use), roles and instance profiles."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from iamkit import LAMBDA_TRUST, document, error_of, trust

ACCOUNT = "123456789012"


def test_access_keys_sign_and_stop_signing(
    iam: Any, iam_server: Any, name: Callable[[str], str]
) -> None:
    user = name("k")
    made_user = iam.create_user(UserName=user)["User"]
    key = iam.create_access_key(UserName=user)["AccessKey"]
    assert re.fullmatch(r"AKIA[A-Z2-7]{16}", key["AccessKeyId"])
    assert len(key["SecretAccessKey"]) == 40
    assert (key["Status"], key["UserName"]) == ("Active", user)

    def sts() -> Any:
        return iam_server.client(
            "sts",
            aws_access_key_id=key["AccessKeyId"],
            aws_secret_access_key=key["SecretAccessKey"],
        )

    me = sts().get_caller_identity()
    assert (me["Arn"], me["UserId"], me["Account"]) == (
        made_user["Arn"],
        made_user["UserId"],
        ACCOUNT,
    )
    used = iam.get_access_key_last_used(AccessKeyId=key["AccessKeyId"])
    assert used["UserName"] == user
    assert (used["AccessKeyLastUsed"]["ServiceName"], used["AccessKeyLastUsed"]["Region"]) == (
        "sts",
        "us-east-1",
    )
    iam.update_access_key(UserName=user, AccessKeyId=key["AccessKeyId"], Status="Inactive")
    listed = iam.list_access_keys(UserName=user)["AccessKeyMetadata"]
    assert [(k["AccessKeyId"], k["Status"]) for k in listed] == [(key["AccessKeyId"], "Inactive")]
    assert error_of(sts().get_caller_identity)[0] == "InvalidClientTokenId"
    iam.update_access_key(UserName=user, AccessKeyId=key["AccessKeyId"], Status="Active")
    assert sts().get_caller_identity()["Arn"] == made_user["Arn"]
    iam.delete_access_key(UserName=user, AccessKeyId=key["AccessKeyId"])
    assert error_of(sts().get_caller_identity)[0] == "InvalidClientTokenId"
    assert error_of(iam.delete_access_key, UserName=user, AccessKeyId=key["AccessKeyId"]) == (
        "NoSuchEntity",
        f"The Access Key with id {key['AccessKeyId']} cannot be found.",
        404,
    )


def test_deleted_users_key_is_refused(
    iam: Any, iam_server: Any, name: Callable[[str], str]
) -> None:
    user = name("gone")
    iam.create_user(UserName=user)
    key = iam.create_access_key(UserName=user)["AccessKey"]
    sts = iam_server.client(
        "sts", aws_access_key_id=key["AccessKeyId"], aws_secret_access_key=key["SecretAccessKey"]
    )
    sts.get_caller_identity()
    iam.delete_access_key(UserName=user, AccessKeyId=key["AccessKeyId"])
    iam.delete_user(UserName=user)
    assert error_of(sts.get_caller_identity)[0] == "InvalidClientTokenId"


def test_two_keys_per_user(iam: Any, name: Callable[[str], str]) -> None:
    user = name("two")
    iam.create_user(UserName=user)
    first = iam.create_access_key(UserName=user)["AccessKey"]["AccessKeyId"]
    second = iam.create_access_key(UserName=user)["AccessKey"]["AccessKeyId"]
    assert error_of(iam.create_access_key, UserName=user) == (
        "LimitExceeded",
        "Cannot exceed quota for AccessKeysPerUser: 2",
        409,
    )
    listed = {k["AccessKeyId"] for k in iam.list_access_keys(UserName=user)["AccessKeyMetadata"]}
    assert listed == {first, second}


def test_role_lifecycle(iam: Any, name: Callable[[str], str]) -> None:
    role = name("r")
    made = iam.create_role(
        RoleName=role, Path="/svc/", AssumeRolePolicyDocument=LAMBDA_TRUST,
        Description="runs things", MaxSessionDuration=7200, Tags=[{"Key": "a", "Value": "b"}],
    )["Role"]  # fmt: skip
    assert made["Arn"] == f"arn:aws:iam::{ACCOUNT}:role/svc/{role}"
    assert made["RoleId"].startswith("AROA")
    assert made["AssumeRolePolicyDocument"]["Statement"][0]["Principal"] == {
        "Service": "lambda.amazonaws.com"
    }
    got = iam.get_role(RoleName=role)["Role"]
    assert (got["Description"], got["MaxSessionDuration"]) == ("runs things", 7200)
    assert got["Tags"] == [{"Key": "a", "Value": "b"}]
    assert error_of(iam.create_role, RoleName=role, AssumeRolePolicyDocument=LAMBDA_TRUST) == (
        "EntityAlreadyExists",
        f"Role with name {role} already exists.",
        409,
    )
    iam.update_role(RoleName=role, MaxSessionDuration=43200)
    described = iam.update_role_description(RoleName=role, Description="new")["Role"]
    assert (described["Description"], described["MaxSessionDuration"]) == ("new", 43200)
    assert error_of(iam.update_role, RoleName=role, MaxSessionDuration=50000)[0] == (
        "ValidationError"
    )
    new_trust = trust({"Service": "ec2.amazonaws.com"})
    iam.update_assume_role_policy(RoleName=role, PolicyDocument=new_trust)
    got = iam.get_role(RoleName=role)["Role"]
    assert got["AssumeRolePolicyDocument"]["Statement"][0]["Principal"] == {
        "Service": "ec2.amazonaws.com"
    }
    iam.tag_role(RoleName=role, Tags=[{"Key": "c", "Value": "d"}])
    iam.untag_role(RoleName=role, TagKeys=["a"])
    assert iam.list_role_tags(RoleName=role)["Tags"] == [{"Key": "c", "Value": "d"}]
    iam.delete_role(RoleName=role)
    assert error_of(iam.get_role, RoleName=role) == (
        "NoSuchEntity",
        f"The role with name {role} cannot be found.",
        404,
    )


def test_trust_policy_checks_change_nothing(iam: Any, name: Callable[[str], str]) -> None:
    role = name("tr")
    iam.create_role(RoleName=role, AssumeRolePolicyDocument=LAMBDA_TRUST)
    ghost = f"arn:aws:iam::{ACCOUNT}:user/{name('ghost')}"
    assert error_of(
        iam.update_assume_role_policy, RoleName=role, PolicyDocument=trust({"AWS": ghost})
    ) == ("MalformedPolicyDocument", f'Invalid principal in policy: "AWS":"{ghost}"', 400)
    huge = trust({"Service": "lambda.amazonaws.com"}).replace(
        '"sts:AssumeRole"', '"sts:AssumeRole", "Sid": "' + "x" * 2100 + '"'
    )
    assert error_of(iam.update_assume_role_policy, RoleName=role, PolicyDocument=huge) == (
        "LimitExceeded",
        "Cannot exceed quota for ACLSizePerRole: 2048",
        409,
    )
    got = iam.get_role(RoleName=role)["Role"]["AssumeRolePolicyDocument"]
    assert got["Statement"][0]["Principal"] == {"Service": "lambda.amazonaws.com"}


def test_permissions_boundaries(iam: Any, name: Callable[[str], str]) -> None:
    user, role = name("bu"), name("br")
    arn = iam.create_policy(
        PolicyName=name("bp"), PolicyDocument=document({"Effect": "Allow", "Action": "s3:*",
                                                        "Resource": "*"})
    )["Policy"]["Arn"]  # fmt: skip
    iam.create_user(UserName=user, PermissionsBoundary=arn)
    assert iam.get_user(UserName=user)["User"]["PermissionsBoundary"] == {
        "PermissionsBoundaryType": "Policy",
        "PermissionsBoundaryArn": arn,
    }
    iam.create_role(RoleName=role, AssumeRolePolicyDocument=LAMBDA_TRUST)
    iam.put_role_permissions_boundary(RoleName=role, PermissionsBoundary=arn)
    assert iam.get_policy(PolicyArn=arn)["Policy"]["PermissionsBoundaryUsageCount"] == 2
    assert error_of(iam.delete_policy, PolicyArn=arn)[0] == "DeleteConflict"
    iam.delete_user_permissions_boundary(UserName=user)
    iam.delete_role_permissions_boundary(RoleName=role)
    assert "PermissionsBoundary" not in iam.get_user(UserName=user)["User"]
    missing = f"arn:aws:iam::{ACCOUNT}:policy/{name('none')}"
    assert error_of(
        iam.put_user_permissions_boundary, UserName=user, PermissionsBoundary=missing
    ) == ("NoSuchEntity", f"Scope ARN: {missing} does not exist or is not attachable.", 404)
    iam.delete_policy(PolicyArn=arn)


def test_instance_profiles(iam: Any, name: Callable[[str], str]) -> None:
    profile, role, other = name("ip"), name("ipr"), name("ipo")
    made = iam.create_instance_profile(InstanceProfileName=profile, Path="/p/")["InstanceProfile"]
    assert made["Arn"] == f"arn:aws:iam::{ACCOUNT}:instance-profile/p/{profile}"
    assert made["InstanceProfileId"].startswith("AIPA") and made["Roles"] == []
    iam.create_role(RoleName=role, AssumeRolePolicyDocument=LAMBDA_TRUST)
    iam.create_role(RoleName=other, AssumeRolePolicyDocument=LAMBDA_TRUST)
    iam.add_role_to_instance_profile(InstanceProfileName=profile, RoleName=role)
    assert error_of(
        iam.add_role_to_instance_profile, InstanceProfileName=profile, RoleName=other
    ) == ("LimitExceeded", "Cannot exceed quota for InstanceSessionsPerInstanceProfile: 1", 409)
    got = iam.get_instance_profile(InstanceProfileName=profile)["InstanceProfile"]
    assert [r["RoleName"] for r in got["Roles"]] == [role]
    for_role = iam.list_instance_profiles_for_role(RoleName=role)["InstanceProfiles"]
    assert [p["InstanceProfileName"] for p in for_role] == [profile]
    assert error_of(iam.delete_role, RoleName=role) == (
        "DeleteConflict",
        "Cannot delete entity, must remove roles from instance profile first.",
        409,
    )
    assert error_of(iam.delete_instance_profile, InstanceProfileName=profile)[0] == "DeleteConflict"
    iam.tag_instance_profile(InstanceProfileName=profile, Tags=[{"Key": "x", "Value": "y"}])
    assert iam.list_instance_profile_tags(InstanceProfileName=profile)["Tags"] == [
        {"Key": "x", "Value": "y"}
    ]
    iam.remove_role_from_instance_profile(InstanceProfileName=profile, RoleName=role)
    iam.delete_instance_profile(InstanceProfileName=profile)
    iam.delete_role(RoleName=role)
    assert error_of(iam.get_instance_profile, InstanceProfileName=profile) == (
        "NoSuchEntity",
        f"Instance Profile {profile} cannot be found.",
        404,
    )


def test_users_policies_reach_the_gateway(
    iam: Any, iam_server: Any, name: Callable[[str], str]
) -> None:
    """The directory compiles a user's policies and recompiles them after an IAM change."""
    user = name("gw")
    iam.create_user(UserName=user)
    key = iam.create_access_key(UserName=user)["AccessKey"]
    sqs = iam_server.client(
        "sqs", aws_access_key_id=key["AccessKeyId"], aws_secret_access_key=key["SecretAccessKey"]
    )
    assert error_of(sqs.list_queues)[0] == "AccessDenied"
    sqs_full = "arn:aws:iam::aws:policy/AmazonSQSFullAccess"
    iam.attach_user_policy(UserName=user, PolicyArn=sqs_full)
    assert sqs.list_queues()["ResponseMetadata"]["HTTPStatusCode"] == 200
    iam.put_user_policy(UserName=user, PolicyName="no", PolicyDocument=document(
        {"Effect": "Deny", "Action": "sqs:*", "Resource": "*"}))  # fmt: skip
    assert error_of(sqs.list_queues)[0] == "AccessDenied"
