"""Managed policies (customer and AWS), versions, inline policies, attachments, quotas and
malformed documents, through a real server."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from iamkit import allow, document, error_of

from ownstack.policy import PolicyError, parse_policy

ACCOUNT = "123456789012"
S3_READ = "arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess"


def test_customer_policy_versions(iam: Any, name: Callable[[str], str]) -> None:
    policy = name("pol")
    made = iam.create_policy(
        PolicyName=policy, Path="/app/", PolicyDocument=document(allow("s3:GetObject")),
        Description="reads",
    )["Policy"]  # fmt: skip
    arn = made["Arn"]
    assert arn == f"arn:aws:iam::{ACCOUNT}:policy/app/{policy}"
    assert (made["DefaultVersionId"], made["AttachmentCount"]) == ("v1", 0)
    assert made["PolicyId"].startswith("ANPA")
    for n in range(2, 6):
        version = iam.create_policy_version(
            PolicyArn=arn, PolicyDocument=document(allow(f"s3:Get{n}")), SetAsDefault=n == 3
        )["PolicyVersion"]
        assert version["VersionId"] == f"v{n}"
    assert error_of(
        iam.create_policy_version, PolicyArn=arn, PolicyDocument=document(allow("s3:X"))
    ) == (
        "LimitExceeded",
        "A managed policy can have up to 5 versions. Before you create a new version, you must"
        " delete an existing version.",
        409,
    )
    assert iam.get_policy(PolicyArn=arn)["Policy"]["DefaultVersionId"] == "v3"
    got = iam.get_policy_version(PolicyArn=arn, VersionId="v3")["PolicyVersion"]
    assert got["Document"]["Statement"][0]["Action"] == "s3:Get3"
    assert got["IsDefaultVersion"] is True
    listed = iam.list_policy_versions(PolicyArn=arn)["Versions"]
    assert [v["VersionId"] for v in listed] == ["v5", "v4", "v3", "v2", "v1"]
    assert error_of(iam.delete_policy_version, PolicyArn=arn, VersionId="v3") == (
        "DeleteConflict",
        "Cannot delete the default version of a policy.",
        409,
    )
    assert error_of(iam.delete_policy, PolicyArn=arn)[0] == "DeleteConflict"
    for v in ("v1", "v2", "v4", "v5"):
        iam.delete_policy_version(PolicyArn=arn, VersionId=v)
    iam.set_default_policy_version(PolicyArn=arn, VersionId="v3")
    iam.delete_policy(PolicyArn=arn)
    assert error_of(iam.get_policy, PolicyArn=arn) == (
        "NoSuchEntity",
        f"Policy {arn} was not found.",
        404,
    )


def test_duplicate_policy_name(iam: Any, name: Callable[[str], str]) -> None:
    policy = name("dp")
    iam.create_policy(PolicyName=policy, PolicyDocument=document(allow("s3:*")))
    assert error_of(
        iam.create_policy, PolicyName=policy, Path="/x/", PolicyDocument=document(allow("s3:*"))
    ) == (
        "EntityAlreadyExists",
        f"A policy called {policy} already exists. Duplicate names are not allowed.",
        409,
    )


def test_attach_counts_and_delete_conflict(iam: Any, name: Callable[[str], str]) -> None:
    user, role, group = name("au"), name("ar"), name("ag")
    arn = iam.create_policy(PolicyName=name("ap"), PolicyDocument=document(allow("sqs:*")))[
        "Policy"
    ]["Arn"]
    iam.create_user(UserName=user)
    iam.create_group(GroupName=group)
    iam.create_role(RoleName=role, AssumeRolePolicyDocument=document(
        {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"},
         "Action": "sts:AssumeRole"}))  # fmt: skip
    iam.attach_user_policy(UserName=user, PolicyArn=arn)
    iam.attach_user_policy(UserName=user, PolicyArn=arn)  # attaching twice is no change
    iam.attach_group_policy(GroupName=group, PolicyArn=arn)
    iam.attach_role_policy(RoleName=role, PolicyArn=arn)
    assert iam.get_policy(PolicyArn=arn)["Policy"]["AttachmentCount"] == 3
    entities = iam.list_entities_for_policy(PolicyArn=arn)
    assert [u["UserName"] for u in entities["PolicyUsers"]] == [user]
    assert [g["GroupName"] for g in entities["PolicyGroups"]] == [group]
    assert [r["RoleName"] for r in entities["PolicyRoles"]] == [role]
    only_roles = iam.list_entities_for_policy(PolicyArn=arn, EntityFilter="Role")
    assert (only_roles["PolicyUsers"], len(only_roles["PolicyRoles"])) == ([], 1)
    assert error_of(iam.delete_policy, PolicyArn=arn) == (
        "DeleteConflict",
        "Cannot delete a policy attached to entities.",
        409,
    )
    assert iam.list_attached_role_policies(RoleName=role)["AttachedPolicies"] == [
        {"PolicyName": arn.rsplit("/", 1)[-1], "PolicyArn": arn}
    ]
    iam.detach_user_policy(UserName=user, PolicyArn=arn)
    iam.detach_group_policy(GroupName=group, PolicyArn=arn)
    iam.detach_role_policy(RoleName=role, PolicyArn=arn)
    assert error_of(iam.detach_role_policy, RoleName=role, PolicyArn=arn) == (
        "NoSuchEntity",
        f"Policy {arn} was not found.",
        404,
    )
    iam.delete_policy(PolicyArn=arn)


def test_aws_managed_policy_by_arn(iam: Any, name: Callable[[str], str]) -> None:
    user = name("mu")
    iam.create_user(UserName=user)
    iam.attach_user_policy(UserName=user, PolicyArn=S3_READ)
    lambda_basic = "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"
    iam.attach_user_policy(UserName=user, PolicyArn=lambda_basic)
    attached = iam.list_attached_user_policies(UserName=user)["AttachedPolicies"]
    assert [a["PolicyArn"] for a in attached] == [S3_READ, lambda_basic]
    missing = "arn:aws:iam::aws:policy/NoSuchPolicy"
    assert error_of(iam.attach_user_policy, UserName=user, PolicyArn=missing) == (
        "NoSuchEntity",
        f"Policy {missing} does not exist or is not attachable.",
        404,
    )
    bogus = "arn:aws:iam::aws:bogus/not-a-policy"
    assert error_of(iam.attach_user_policy, UserName=user, PolicyArn=bogus) == (
        "InvalidInput",
        f"ARN {bogus} is not valid.",
        400,
    )
    listed = iam.list_policies(Scope="AWS", MaxItems=1000)["Policies"]
    names = {p["PolicyName"] for p in listed}
    for wanted in (
        "AdministratorAccess", "ReadOnlyAccess", "PowerUserAccess", "AmazonS3FullAccess",
        "AmazonS3ReadOnlyAccess", "AmazonSQSFullAccess", "AmazonSNSFullAccess",
        "AmazonDynamoDBFullAccess", "AWSLambda_FullAccess", "AWSLambdaBasicExecutionRole",
        "IAMFullAccess", "IAMReadOnlyAccess",
    ):  # fmt: skip
        assert wanted in names
    s3_read = next(p for p in listed if p["Arn"] == S3_READ)
    assert s3_read["AttachmentCount"] >= 1
    local = iam.list_policies(Scope="Local", MaxItems=1000)["Policies"]
    assert all(p["Arn"].startswith(f"arn:aws:iam::{ACCOUNT}:") for p in local)
    iam.detach_user_policy(UserName=user, PolicyArn=S3_READ)
    iam.detach_user_policy(UserName=user, PolicyArn=lambda_basic)


def test_inline_policies(iam: Any, name: Callable[[str], str]) -> None:
    role = name("ir")
    iam.create_role(RoleName=role, AssumeRolePolicyDocument=document(
        {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"},
         "Action": "sts:AssumeRole"}))  # fmt: skip
    iam.put_role_policy(RoleName=role, PolicyName="b", PolicyDocument=document(allow("s3:*")))
    iam.put_role_policy(RoleName=role, PolicyName="a", PolicyDocument=document(allow("sqs:*")))
    got = iam.get_role_policy(RoleName=role, PolicyName="a")
    assert (got["RoleName"], got["PolicyName"]) == (role, "a")
    assert got["PolicyDocument"] == json.loads(document(allow("sqs:*")))
    assert iam.list_role_policies(RoleName=role)["PolicyNames"] == ["a", "b"]
    page = iam.list_role_policies(RoleName=role, MaxItems=1)
    assert (page["PolicyNames"], page["IsTruncated"]) == (["a"], True)
    assert error_of(iam.delete_role, RoleName=role) == (
        "DeleteConflict",
        "Cannot delete entity, must delete policies first.",
        409,
    )
    iam.delete_role_policy(RoleName=role, PolicyName="a")
    assert error_of(iam.get_role_policy, RoleName=role, PolicyName="a") == (
        "NoSuchEntity",
        "The role policy with name a cannot be found.",
        404,
    )
    group = name("ig")
    iam.create_group(GroupName=group)
    iam.put_group_policy(GroupName=group, PolicyName="g", PolicyDocument=document(allow("s3:*")))
    assert iam.list_group_policies(GroupName=group)["PolicyNames"] == ["g"]


def parser_message(text: str) -> str:
    """The policy package's wording for a document it refuses (IAM answers with it)."""
    try:
        parse_policy(text, "identity")
    except PolicyError as exc:
        return exc.message
    raise AssertionError("the document parses")


def test_malformed_documents_change_nothing(iam: Any, name: Callable[[str], str]) -> None:
    user = name("mal")
    iam.create_user(UserName=user)
    iam.put_user_policy(UserName=user, PolicyName="p", PolicyDocument=document(allow("s3:*")))
    assert error_of(
        iam.put_user_policy, UserName=user, PolicyName="p", PolicyDocument="{not json"
    ) == ("MalformedPolicyDocument", parser_message("{not json"), 400)
    bad_effect = json.dumps(
        {"Version": "2012-10-17", "Statement": [{"Effect": "Maybe", "Action": "s3:*",
                                                 "Resource": "*"}]}
    )  # fmt: skip
    assert error_of(
        iam.put_user_policy, UserName=user, PolicyName="p", PolicyDocument=bad_effect
    ) == ("MalformedPolicyDocument", parser_message(bad_effect), 400)
    assert iam.get_user_policy(UserName=user, PolicyName="p")["PolicyDocument"] == json.loads(
        document(allow("s3:*"))
    )
    policy = name("malp")
    assert error_of(iam.create_policy, PolicyName=policy, PolicyDocument="[]")[0] == (
        "MalformedPolicyDocument"
    )
    old = json.dumps({"Version": "2008-10-17", "Statement": [allow("s3:*")]})
    assert error_of(iam.create_policy, PolicyName=policy, PolicyDocument=old) == (
        "MalformedPolicyDocument",
        "Policy document must be version 2012-10-17 or greater.",
        400,
    )
    assert error_of(iam.get_policy, PolicyArn=f"arn:aws:iam::{ACCOUNT}:policy/{policy}")[0] == (
        "NoSuchEntity"
    )


def _sized(size: int) -> str:
    """A valid document of `size` characters once white space is taken out."""
    base = document(allow("s3:GetObject", "arn:aws:s3:::b/"))
    filler = size - len(base.replace(" ", ""))
    return document(allow("s3:GetObject", "arn:aws:s3:::b/" + "x" * filler))


def test_policy_size_quotas(iam: Any, name: Callable[[str], str]) -> None:
    user = name("sz")
    iam.create_user(UserName=user)
    iam.put_user_policy(UserName=user, PolicyName="one", PolicyDocument=_sized(1500))
    assert error_of(
        iam.put_user_policy, UserName=user, PolicyName="two", PolicyDocument=_sized(600)
    ) == ("LimitExceeded", f"Maximum policy size of 2048 bytes exceeded for user {user}", 409)
    iam.put_user_policy(UserName=user, PolicyName="one", PolicyDocument=_sized(2048))
    assert iam.list_user_policies(UserName=user)["PolicyNames"] == ["one"]
    assert error_of(iam.create_policy, PolicyName=name("big"), PolicyDocument=_sized(6145)) == (
        "LimitExceeded",
        "Cannot exceed quota for PolicySize: 6144",
        409,
    )
    iam.create_policy(PolicyName=name("fits"), PolicyDocument=_sized(6144))


def test_attached_policy_quota(iam: Any, name: Callable[[str], str]) -> None:
    user = name("q")
    iam.create_user(UserName=user)
    arns = [
        iam.create_policy(PolicyName=name("qp"), PolicyDocument=document(allow("s3:*")))["Policy"][
            "Arn"
        ]
        for _ in range(11)
    ]
    for arn in arns[:10]:
        iam.attach_user_policy(UserName=user, PolicyArn=arn)
    assert error_of(iam.attach_user_policy, UserName=user, PolicyArn=arns[10]) == (
        "LimitExceeded",
        "Cannot exceed quota for PoliciesPerUser: 10",
        409,
    )
    assert iam.get_policy(PolicyArn=arns[10])["Policy"]["AttachmentCount"] == 0


def test_policy_tags(iam: Any, name: Callable[[str], str]) -> None:
    arn = iam.create_policy(
        PolicyName=name("tp"), PolicyDocument=document(allow("s3:*")),
        Tags=[{"Key": "k", "Value": "v"}],
    )["Policy"]["Arn"]  # fmt: skip
    iam.tag_policy(PolicyArn=arn, Tags=[{"Key": "k2", "Value": "v2"}])
    iam.untag_policy(PolicyArn=arn, TagKeys=["k"])
    assert iam.list_policy_tags(PolicyArn=arn)["Tags"] == [{"Key": "k2", "Value": "v2"}]
