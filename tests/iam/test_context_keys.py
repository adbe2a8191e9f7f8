"""GetContextKeysFor*Policy and the context values Simulate* reports missing."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from iamkit import allow, document, error_of

ACCOUNT = "123456789012"
CONDITIONED = document(
    {
        "Effect": "Allow",
        "Action": "s3:GetObject",
        "Resource": "arn:aws:s3:::bucket/${aws:username}/*",
        "Condition": {
            "IpAddress": {"aws:SourceIp": "10.0.0.0/8"},
            "StringEquals": {"s3:prefix": "home", "AWS:SourceIP": "x"},
        },
    },
    {
        "Effect": "Deny",
        "Action": "s3:*",
        "Resource": "*",
        "Condition": {"Bool": {"aws:MultiFactorAuthPresent": "false"}},
    },
)


def test_context_keys_for_custom_policy(iam: Any) -> None:
    keys = iam.get_context_keys_for_custom_policy(PolicyInputList=[CONDITIONED])
    # as written, in order, once whatever the case (AWS:SourceIP repeats aws:SourceIp)
    assert keys["ContextKeyNames"] == [
        "aws:SourceIp",
        "s3:prefix",
        "aws:MultiFactorAuthPresent",
        "aws:username",
    ]
    plain = iam.get_context_keys_for_custom_policy(PolicyInputList=[document(allow("s3:*"))])
    assert plain["ContextKeyNames"] == []
    code, _, status = error_of(iam.get_context_keys_for_custom_policy, PolicyInputList=["{"])
    assert (code, status) == ("InvalidInput", 400)


def test_context_keys_for_principal_policy(iam: Any, name: Callable[[str], str]) -> None:
    user, group = name("cu"), name("cg")
    iam.create_user(UserName=user)
    iam.create_group(GroupName=group)
    iam.add_user_to_group(GroupName=group, UserName=user)
    iam.put_user_policy(UserName=user, PolicyName="own", PolicyDocument=CONDITIONED)
    iam.put_group_policy(GroupName=group, PolicyName="team", PolicyDocument=document({
        "Effect": "Allow", "Action": "sqs:*", "Resource": "*",
        "Condition": {"StringEquals": {"aws:PrincipalTag/team": "${aws:PrincipalTag/team}"}},
    }))  # fmt: skip
    extra = document({
        "Effect": "Allow", "Action": "sns:*", "Resource": "*",
        "Condition": {"StringLike": {"sns:Endpoint": "*"}},
    })  # fmt: skip
    arn = f"arn:aws:iam::{ACCOUNT}:user/{user}"
    keys = iam.get_context_keys_for_principal_policy(PolicySourceArn=arn, PolicyInputList=[extra])
    assert keys["ContextKeyNames"] == [
        "aws:SourceIp",
        "s3:prefix",
        "aws:MultiFactorAuthPresent",
        "aws:username",
        "aws:PrincipalTag/team",
        "sns:Endpoint",
    ]
    group_keys = iam.get_context_keys_for_principal_policy(
        PolicySourceArn=f"arn:aws:iam::{ACCOUNT}:group/{group}"
    )
    assert group_keys["ContextKeyNames"] == ["aws:PrincipalTag/team"]
    missing = f"arn:aws:iam::{ACCOUNT}:user/{name('nobody')}"
    assert error_of(iam.get_context_keys_for_principal_policy, PolicySourceArn=missing)[0] == (
        "NoSuchEntity"
    )


def test_simulate_reports_missing_context_values(iam: Any) -> None:
    def simulate(**kw: Any) -> dict[str, Any]:
        result: dict[str, Any] = iam.simulate_custom_policy(
            PolicyInputList=[CONDITIONED], ActionNames=["s3:GetObject"], **kw
        )["EvaluationResults"][0]
        return result

    ip = [{"ContextKeyName": "aws:sourceip", "ContextKeyValues": ["10.1.1.1"],
           "ContextKeyType": "ip"}]  # fmt: skip
    wildcard = simulate(ContextEntries=ip)
    assert wildcard["MissingContextValues"] == [
        "s3:prefix",
        "aws:MultiFactorAuthPresent",
        "aws:username",
    ]
    named = simulate(ResourceArns=["arn:aws:s3:::bucket/x/y"])
    # for named resources AWS lists them per resource instead
    assert named["MissingContextValues"] == []
    assert named["ResourceSpecificResults"][0]["MissingContextValues"] == [
        "aws:SourceIp",
        "s3:prefix",
        "aws:MultiFactorAuthPresent",
        "aws:username",
    ]


def test_simulate_applies_every_permissions_boundary(iam: Any) -> None:
    def decide(*boundaries: str) -> str:
        return str(iam.simulate_custom_policy(
            PolicyInputList=[document(allow(["s3:*", "sqs:*"]))], ActionNames=["s3:GetObject"],
            PermissionsBoundaryPolicyInputList=list(boundaries),
        )["EvaluationResults"][0]["EvalDecision"])  # fmt: skip

    s3, sqs, everything = (document(allow(a)) for a in ("s3:*", "sqs:*", "*"))
    assert decide(s3) == "allowed"
    assert decide(s3, everything) == "allowed"
    assert decide(s3, sqs) == "implicitDeny"  # the second boundary does not allow it
    denied = document({"Effect": "Deny", "Action": "s3:GetObject", "Resource": "*"})
    assert decide(everything, denied) == "explicitDeny"
