"""The account's operations, GetAccountAuthorizationDetails, Simulate*, and the aws CLI."""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

from iamkit import LAMBDA_TRUST, allow, deny, document, error_of

ACCOUNT = "123456789012"


def test_account_aliases(iam: Any) -> None:
    iam.create_account_alias(AccountAlias="my-team")
    assert iam.list_account_aliases()["AccountAliases"] == ["my-team"]
    iam.create_account_alias(AccountAlias="my-other-team")  # one alias: it replaces
    assert iam.list_account_aliases()["AccountAliases"] == ["my-other-team"]
    assert error_of(iam.create_account_alias, AccountAlias="Bad_Alias")[0] == "ValidationError"
    iam.delete_account_alias(AccountAlias="my-other-team")
    assert iam.list_account_aliases()["AccountAliases"] == []
    assert error_of(iam.delete_account_alias, AccountAlias="my-other-team") == (
        "NoSuchEntity",
        "The account alias my-other-team cannot be found.",
        404,
    )


def test_account_summary_counts(iam: Any, name: Callable[[str], str]) -> None:
    before = iam.get_account_summary()["SummaryMap"]
    iam.create_user(UserName=name("s"))
    after = iam.get_account_summary()["SummaryMap"]
    assert after["Users"] == before["Users"] + 1
    assert (after["AccessKeysPerUserQuota"], after["VersionsPerPolicyQuota"]) == (2, 5)
    assert (after["UserPolicySizeQuota"], after["RolePolicySizeQuota"]) == (2048, 10240)


def test_authorization_details(iam: Any, name: Callable[[str], str]) -> None:
    user, group, role = name("du"), name("dg"), name("dr")
    iam.create_group(GroupName=group)
    iam.create_user(UserName=user)
    iam.add_user_to_group(GroupName=group, UserName=user)
    iam.put_user_policy(UserName=user, PolicyName="inl", PolicyDocument=document(allow("s3:*")))
    iam.create_role(RoleName=role, AssumeRolePolicyDocument=LAMBDA_TRUST)
    iam.attach_role_policy(RoleName=role, PolicyArn="arn:aws:iam::aws:policy/AmazonSQSFullAccess")
    details = iam.get_account_authorization_details(MaxItems=1000)
    mine = next(u for u in details["UserDetailList"] if u["UserName"] == user)
    assert mine["GroupList"] == [group]
    assert mine["UserPolicyList"] == [
        {"PolicyName": "inl", "PolicyDocument": json.loads(document(allow("s3:*")))}
    ]
    theirs = next(r for r in details["RoleDetailList"] if r["RoleName"] == role)
    assert theirs["AttachedManagedPolicies"] == [
        {"PolicyName": "AmazonSQSFullAccess",
         "PolicyArn": "arn:aws:iam::aws:policy/AmazonSQSFullAccess"}
    ]  # fmt: skip
    sqs = next(p for p in details["Policies"] if p["PolicyName"] == "AmazonSQSFullAccess")
    assert sqs["PolicyVersionList"][0]["Document"]["Statement"][0]["Action"] == ["sqs:*"]
    only_roles = iam.get_account_authorization_details(Filter=["Role"], MaxItems=1000)
    assert only_roles["UserDetailList"] == [] and only_roles["Policies"] == []
    first = iam.get_account_authorization_details(MaxItems=1)
    assert first["IsTruncated"] is True
    second = iam.get_account_authorization_details(MaxItems=1, Marker=first["Marker"])
    assert second != first


def test_simulate_custom_policy(iam: Any) -> None:
    policy = document(allow("s3:Get*"), deny("s3:GetObject", "arn:aws:s3:::secret/*"))
    results = iam.simulate_custom_policy(
        PolicyInputList=[policy],
        ActionNames=["s3:GetObject", "s3:PutObject"],
        ResourceArns=["arn:aws:s3:::open/a", "arn:aws:s3:::secret/b"],
    )["EvaluationResults"]
    decisions = [(r["EvalActionName"], r["EvalResourceName"], r["EvalDecision"]) for r in results]
    assert decisions == [
        ("s3:GetObject", "arn:aws:s3:::open/a", "allowed"),
        ("s3:GetObject", "arn:aws:s3:::secret/b", "explicitDeny"),
        ("s3:PutObject", "arn:aws:s3:::open/a", "implicitDeny"),
        ("s3:PutObject", "arn:aws:s3:::secret/b", "implicitDeny"),
    ]
    assert results[0]["MatchedStatements"] == [{"SourcePolicyId": "PolicyInputList.1"}]


def test_simulate_with_context(iam: Any) -> None:
    policy = document({
        "Effect": "Allow", "Action": "sqs:SendMessage", "Resource": "*",
        "Condition": {"IpAddress": {"aws:SourceIp": "10.0.0.0/8"}},
    })  # fmt: skip

    def decide(ip: str) -> str:
        return str(iam.simulate_custom_policy(
            PolicyInputList=[policy], ActionNames=["sqs:SendMessage"],
            ContextEntries=[{"ContextKeyName": "aws:SourceIp", "ContextKeyValues": [ip],
                             "ContextKeyType": "ip"}],
        )["EvaluationResults"][0]["EvalDecision"])  # fmt: skip

    assert (decide("10.1.2.3"), decide("192.168.0.1")) == ("allowed", "implicitDeny")


def test_simulate_principal_policy(iam: Any, name: Callable[[str], str]) -> None:
    user, group = name("su"), name("sg")
    iam.create_user(UserName=user)
    iam.create_group(GroupName=group)
    iam.add_user_to_group(GroupName=group, UserName=user)
    iam.attach_user_policy(
        UserName=user, PolicyArn="arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess"
    )
    iam.put_group_policy(GroupName=group, PolicyName="no-list", PolicyDocument=document(
        deny("s3:ListAllMyBuckets")))  # fmt: skip
    arn = f"arn:aws:iam::{ACCOUNT}:user/{user}"
    results = iam.simulate_principal_policy(
        PolicySourceArn=arn, ActionNames=["s3:GetObject", "s3:ListAllMyBuckets", "s3:PutObject"]
    )["EvaluationResults"]
    assert [r["EvalDecision"] for r in results] == ["allowed", "explicitDeny", "implicitDeny"]
    assert results[0]["MatchedStatements"] == [
        {"SourcePolicyId": "AmazonS3ReadOnlyAccess", "SourcePolicyType": "aws-managed"}
    ]
    assert results[1]["MatchedStatements"] == [
        {"SourcePolicyId": "no-list", "SourcePolicyType": "group"}
    ]
    bounded = iam.simulate_principal_policy(
        PolicySourceArn=arn, ActionNames=["s3:GetObject"],
        PermissionsBoundaryPolicyInputList=[document(allow("sqs:*"))],
    )["EvaluationResults"]  # fmt: skip
    assert bounded[0]["EvalDecision"] == "implicitDeny"
    missing = f"arn:aws:iam::{ACCOUNT}:user/{name('nobody')}"
    assert (
        error_of(
            iam.simulate_principal_policy, PolicySourceArn=missing, ActionNames=["s3:GetObject"]
        )[0]
        == "NoSuchEntity"
    )


def _aws_cli(server: Any, home: Path, *args: str) -> Any:
    exe = Path(os.environ.get("VIRTUAL_ENV", ".venv")) / "bin" / "aws"
    if not exe.exists():
        exe = Path(".venv/bin/aws")
    home.mkdir(parents=True, exist_ok=True)
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(
        AWS_ACCESS_KEY_ID=server.access_key,
        AWS_SECRET_ACCESS_KEY=server.secret_key,
        AWS_DEFAULT_REGION=server.region,
        AWS_ENDPOINT_URL=server.endpoint,
        AWS_CONFIG_FILE=str(home / "config"),
        AWS_SHARED_CREDENTIALS_FILE=str(home / "credentials"),
        AWS_EC2_METADATA_DISABLED="true",
        AWS_PAGER="",
    )
    argv = [str(exe), "--endpoint-url", server.endpoint, *args, "--output", "json"]
    done = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=60, check=True)
    return json.loads(done.stdout) if done.stdout.strip() else None


def test_aws_cli(iam_server: Any, tmp_path: Path, name: Callable[[str], str]) -> None:
    user = name("cli")
    made = _aws_cli(iam_server, tmp_path, "iam", "create-user", "--user-name", user)["User"]
    assert made["Arn"] == f"arn:aws:iam::{ACCOUNT}:user/{user}"
    _aws_cli(iam_server, tmp_path, "iam", "put-user-policy", "--user-name", user,
             "--policy-name", "p", "--policy-document", document(allow("s3:*")))  # fmt: skip
    got = _aws_cli(iam_server, tmp_path, "iam", "get-user-policy", "--user-name", user,
                   "--policy-name", "p")  # fmt: skip
    assert got["PolicyDocument"] == json.loads(document(allow("s3:*")))
    key = _aws_cli(iam_server, tmp_path, "iam", "create-access-key", "--user-name", user)
    assert key["AccessKey"]["Status"] == "Active"
    listed = _aws_cli(iam_server, tmp_path, "iam", "list-users")["Users"]
    assert user in {u["UserName"] for u in listed}
