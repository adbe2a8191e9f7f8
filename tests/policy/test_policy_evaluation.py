# ruff: noqa: E501  (the tables keep one case per line)
"""evaluate(): AWS's evaluation logic.

Sources (IAM User Guide): "Policy evaluation logic", "Policy evaluation for requests within a
single account", "Cross-account policy evaluation logic", "Permissions boundaries for IAM
entities" (Evaluating effective permissions with boundaries), "Session policies", "AWS JSON
policy elements: Principal", "NotAction", "NotResource", "Resource"; and "Troubleshoot access
denied error messages" for the words of Decision.reason.
"""

from __future__ import annotations

from typing import Any

import pytest
from policykit import (
    ACCOUNT,
    OTHER,
    allow,
    anonymous,
    check,
    deny,
    federated,
    policy,
    role_session,
    root,
    service,
    user,
)

from ownstack.core.context import Principal
from ownstack.policy import MatchedStatement

BUCKET = "arn:aws:s3:::bucket/key"
NO_IDENTITY = "because no identity-based policy allows the s3:GetObject action"
NO_RESOURCE = "because no resource-based policy allows the s3:GetObject action"
NO_BOUNDARY = "because no permissions boundary allows the s3:GetObject action"
NO_SESSION = "because no session policy allows the s3:GetObject action"
DENY_IDENTITY = "with an explicit deny in an identity-based policy"
DENY_RESOURCE = "with an explicit deny in a resource-based policy"
DENY_BOUNDARY = "with an explicit deny in a permissions boundary"
DENY_SESSION = "with an explicit deny in a session policy"

USER_ARN = f"arn:aws:iam::{ACCOUNT}:user/bob"
ROLE_ARN = f"arn:aws:iam::{ACCOUNT}:role/R"
SESSION_ARN = f"arn:aws:sts::{ACCOUNT}:assumed-role/R/s"
FED_ARN = f"arn:aws:sts::{ACCOUNT}:federated-user/fed"


def ident(*statements: Any) -> Any:
    return policy("identity", *statements)


def bucket(principal: Any, effect: str = "Allow") -> Any:
    statement = {"Effect": effect, "Principal": principal, "Action": "s3:*", "Resource": "*"}
    return policy("resource", statement)


ALLOW_GET = ident(allow("s3:GetObject"))
BOUNDARY_OTHER = policy("boundary", allow("sqs:*"))
BOUNDARY_GET = policy("boundary", allow("s3:Get*"))
SESSION_GET = policy("session", allow("s3:GetObject"))

# principal, policies, resource account -> (allowed, reason)
SINGLE_ACCOUNT: list[tuple[str, Principal, dict[str, Any], tuple[bool, str]]] = [
    ("identity allows", user(), {"identity": [ALLOW_GET]}, (True, "")),
    ("nothing allows", user(), {}, (False, NO_IDENTITY)),
    ("identity deny wins", user(), {"identity": [ALLOW_GET, ident(deny("s3:*"))]}, (False, DENY_IDENTITY)),
    ("resource deny wins", user(), {"identity": [ALLOW_GET], "resource_policy": bucket("*", "Deny")}, (False, DENY_RESOURCE)),
    ("bucket names the user", user(), {"resource_policy": bucket({"AWS": USER_ARN})}, (True, "")),
    ("bucket names everyone", user(), {"resource_policy": bucket("*")}, (True, "")),
    ("bucket names only the account", user(), {"resource_policy": bucket({"AWS": ACCOUNT})}, (False, NO_IDENTITY)),
    ("bucket names the root ARN", user(), {"resource_policy": bucket({"AWS": f"arn:aws:iam::{ACCOUNT}:root"})}, (False, NO_IDENTITY)),
    ("account naming plus identity", user(), {"identity": [ALLOW_GET], "resource_policy": bucket({"AWS": ACCOUNT})}, (True, "")),
    ("boundary lacks the action", user(), {"identity": [ALLOW_GET], "boundary": BOUNDARY_OTHER}, (False, NO_BOUNDARY)),
    ("boundary allows", user(), {"identity": [ALLOW_GET], "boundary": BOUNDARY_GET}, (True, "")),
    ("boundary denies", user(), {"identity": [ALLOW_GET], "boundary": policy("boundary", allow("*"), deny("s3:GetObject"))}, (False, DENY_BOUNDARY)),
    ("boundary alone grants nothing", user(), {"boundary": BOUNDARY_GET}, (False, NO_IDENTITY)),
    ("user-named grant ignores the boundary", user(), {"boundary": BOUNDARY_OTHER, "resource_policy": bucket({"AWS": USER_ARN})}, (True, "")),
    ("explicit boundary deny still applies", user(), {"boundary": policy("boundary", deny("s3:*")), "resource_policy": bucket({"AWS": USER_ARN})}, (False, DENY_BOUNDARY)),
    ("role-named grant, boundary lacks it", role_session(), {"boundary": BOUNDARY_OTHER, "resource_policy": bucket({"AWS": ROLE_ARN})}, (False, NO_BOUNDARY)),
    ("role-named grant, boundary allows", role_session(), {"boundary": BOUNDARY_GET, "resource_policy": bucket({"AWS": ROLE_ARN})}, (True, "")),
    ("role-named grant, empty session policy", role_session(), {"session": (), "resource_policy": bucket({"AWS": ROLE_ARN})}, (False, NO_SESSION)),
    ("role-named grant, session allows", role_session(), {"session": [SESSION_GET], "resource_policy": bucket({"AWS": ROLE_ARN})}, (True, "")),
    ("session-named grant ignores session policy", role_session(), {"session": (), "resource_policy": bucket({"AWS": SESSION_ARN})}, (True, "")),
    ("session-named grant ignores boundary", role_session(), {"boundary": BOUNDARY_OTHER, "resource_policy": bucket({"AWS": SESSION_ARN})}, (True, "")),
    ("other session of the role", role_session(session="t"), {"resource_policy": bucket({"AWS": SESSION_ARN})}, (False, NO_IDENTITY)),
    ("session policy narrows identity", role_session(), {"identity": [ident(allow("s3:*"))], "session": [policy("session", allow("s3:PutObject"))]}, (False, NO_SESSION)),
    ("session policy and identity agree", role_session(), {"identity": [ident(allow("s3:*"))], "session": [SESSION_GET]}, (True, "")),
    ("session policy denies", role_session(), {"identity": [ident(allow("s3:*"))], "session": [policy("session", allow("*"), deny("s3:Get*"))]}, (False, DENY_SESSION)),
    ("session policy alone grants nothing", role_session(), {"session": [SESSION_GET]}, (False, NO_IDENTITY)),
    ("federated user is not its user", federated(), {"session": [SESSION_GET], "resource_policy": bucket({"AWS": USER_ARN})}, (False, NO_IDENTITY)),
    ("federated user named", federated(), {"session": (), "resource_policy": bucket({"AWS": FED_ARN})}, (True, "")),
    ("root of the account", root(), {}, (True, "")),
    ("root and a resource deny", root(), {"resource_policy": bucket("*", "Deny")}, (False, DENY_RESOURCE)),
    ("anonymous, public bucket", anonymous(), {"resource_policy": bucket("*")}, (True, "")),
    ("anonymous, AWS * bucket", anonymous(), {"resource_policy": bucket({"AWS": "*"})}, (True, "")),
    ("anonymous, no bucket policy", anonymous(), {}, (False, NO_RESOURCE)),
    ("anonymous, account-only bucket", anonymous(), {"resource_policy": bucket({"AWS": ACCOUNT})}, (False, NO_RESOURCE)),
    ("service named", service(), {"resource_policy": bucket({"Service": "sqs.amazonaws.com"})}, (True, "")),
    ("other service", service("sns.amazonaws.com"), {"resource_policy": bucket({"Service": "sqs.amazonaws.com"})}, (False, NO_RESOURCE)),
    ("service ignores identity", service(), {"identity": [ALLOW_GET]}, (False, NO_RESOURCE)),
    ("federated provider names nobody", user(), {"resource_policy": bucket({"Federated": "cognito-identity.amazonaws.com"})}, (False, NO_IDENTITY)),
    ("NotPrincipal deny spares the named", user(), {"identity": [ALLOW_GET], "resource_policy": policy("resource", {"Effect": "Deny", "NotPrincipal": {"AWS": USER_ARN}, "Action": "s3:*", "Resource": "*"})}, (True, "")),
    ("NotPrincipal deny hits the rest", user("alice"), {"identity": [ALLOW_GET], "resource_policy": policy("resource", {"Effect": "Deny", "NotPrincipal": {"AWS": USER_ARN}, "Action": "s3:*", "Resource": "*"})}, (False, DENY_RESOURCE)),
]  # fmt: skip


@pytest.mark.parametrize(
    ("principal", "policies", "expected"),
    [case[1:] for case in SINGLE_ACCOUNT],
    ids=[case[0] for case in SINGLE_ACCOUNT],
)
def test_single_account(principal: Principal, policies: dict[str, Any], expected: Any) -> None:
    decision = check(principal, resource_account=ACCOUNT, **policies)
    assert (decision.allowed, decision.reason) == expected


FOREIGN_USER = user("eve", OTHER)
FOREIGN_ROLE = role_session("X", "s", OTHER)

CROSS_ACCOUNT: list[tuple[str, Principal, dict[str, Any], tuple[bool, str]]] = [
    ("both sides allow", FOREIGN_USER, {"identity": [ALLOW_GET], "resource_policy": bucket({"AWS": OTHER})}, (True, "")),
    ("resource names the user", FOREIGN_USER, {"identity": [ALLOW_GET], "resource_policy": bucket({"AWS": f"arn:aws:iam::{OTHER}:user/eve"})}, (True, "")),
    ("no resource policy", FOREIGN_USER, {"identity": [ALLOW_GET]}, (False, NO_RESOURCE)),
    ("resource names someone else", FOREIGN_USER, {"identity": [ALLOW_GET], "resource_policy": bucket({"AWS": ACCOUNT})}, (False, NO_RESOURCE)),
    ("identity side missing", FOREIGN_USER, {"resource_policy": bucket({"AWS": f"arn:aws:iam::{OTHER}:user/eve"})}, (False, NO_IDENTITY)),
    ("boundary missing", FOREIGN_USER, {"identity": [ALLOW_GET], "boundary": BOUNDARY_OTHER, "resource_policy": bucket("*")}, (False, NO_BOUNDARY)),
    ("session missing", FOREIGN_ROLE, {"identity": [ALLOW_GET], "session": (), "resource_policy": bucket({"AWS": f"arn:aws:sts::{OTHER}:assumed-role/X/s"})}, (False, NO_SESSION)),
    ("role session by role ARN", FOREIGN_ROLE, {"identity": [ALLOW_GET], "resource_policy": bucket({"AWS": f"arn:aws:iam::{OTHER}:role/X"})}, (True, "")),
    ("foreign root named by account", root(OTHER), {"resource_policy": bucket({"AWS": OTHER})}, (True, "")),
    ("foreign root not named", root(OTHER), {}, (False, NO_RESOURCE)),
    ("resource deny", FOREIGN_USER, {"identity": [ALLOW_GET], "resource_policy": policy("resource", {"Effect": "Allow", "Principal": "*", "Action": "s3:*", "Resource": "*"}, {"Effect": "Deny", "Principal": {"AWS": OTHER}, "Action": "s3:GetObject", "Resource": "*"})}, (False, DENY_RESOURCE)),
]  # fmt: skip


@pytest.mark.parametrize(
    ("principal", "policies", "expected"),
    [case[1:] for case in CROSS_ACCOUNT],
    ids=[case[0] for case in CROSS_ACCOUNT],
)
def test_cross_account(principal: Principal, policies: dict[str, Any], expected: Any) -> None:
    decision = check(principal, resource_account=ACCOUNT, **policies)
    assert (decision.allowed, decision.reason) == expected


def trust(principal: Any) -> Any:
    statement = {"Effect": "Allow", "Principal": principal, "Action": "sts:AssumeRole"}
    return policy("trust", statement)


@pytest.mark.parametrize(
    ("principal", "trust_principal", "identity", "expected"),
    [
        (user(), {"AWS": USER_ARN}, [], (True, "")),
        (user(), {"AWS": ACCOUNT}, [], (False, "because no identity-based policy allows the sts:AssumeRole action")),
        (user(), {"AWS": ACCOUNT}, [ident(allow("sts:AssumeRole"))], (True, "")),
        (FOREIGN_USER, {"AWS": OTHER}, [ident(allow("sts:AssumeRole"))], (True, "")),
        (FOREIGN_USER, {"AWS": OTHER}, [], (False, "because no identity-based policy allows the sts:AssumeRole action")),
        (FOREIGN_USER, {"AWS": ACCOUNT}, [ident(allow("sts:*"))], (False, "because no resource-based policy allows the sts:AssumeRole action")),
        (service("lambda.amazonaws.com"), {"Service": "lambda.amazonaws.com"}, [], (True, "")),
    ],
)  # fmt: skip
def test_trust_policy_evaluation(
    principal: Principal, trust_principal: Any, identity: list[Any], expected: Any
) -> None:
    decision = check(
        principal,
        "sts:AssumeRole",
        ROLE_ARN,
        identity=identity,
        resource_policy=trust(trust_principal),
        resource_account=ACCOUNT,
    )
    assert (decision.allowed, decision.reason) == expected


def test_not_action_allows_everything_else() -> None:
    # "NotAction": allow everything but IAM (IAM User Guide, NotAction with Allow).
    identity = [ident({"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"})]
    assert check(user(), "s3:GetObject", identity=identity).allowed
    decision = check(user(), "iam:CreateUser", "*", identity=identity)
    assert decision.reason == "because no identity-based policy allows the iam:CreateUser action"


def test_not_resource_deny_spares_the_listed() -> None:
    # "NotResource": deny s3 outside HRBucket/Payroll (IAM User Guide, NotResource with Deny).
    identity = [
        ident(allow("s3:*")),
        ident(
            {
                "Effect": "Deny",
                "Action": "s3:*",
                "NotResource": ["arn:aws:s3:::HRBucket/Payroll", "arn:aws:s3:::HRBucket/Payroll/*"],
            }
        ),
    ]
    assert check(user(), resource="arn:aws:s3:::HRBucket/Payroll/a", identity=identity).allowed
    other = check(user(), resource="arn:aws:s3:::HRBucket/Other", identity=identity)
    assert (other.allowed, other.reason) == (False, DENY_IDENTITY)


@pytest.mark.parametrize(
    ("pattern", "resource", "expected"),
    [
        ("arn:aws:s3:::bucket/*", "arn:aws:s3:::bucket/a/b:c", True),
        ("arn:aws:s3:::Bucket/*", "arn:aws:s3:::bucket/a", False),
        ("arn:aws:s3:::bucket/a?c", "arn:aws:s3:::bucket/abc", True),
        ("arn:aws:s3:::bucket/a?c", "arn:aws:s3:::bucket/abbc", False),
        ("arn:aws:sqs:*:111122223333:queue1", "arn:aws:sqs:us-east-2:111122223333:queue1", True),
        ("arn:aws:sqs:us-*-2:111122223333:q*", "arn:aws:sqs:us-east-2:111122223333:queue1", True),
        ("arn:aws:iam::111122223333:user/accounting/*", "arn:aws:iam::111122223333:user/accounting/x/bob", True),
        ("arn:aws:iam::111122223333:user/accounting/*", "arn:aws:iam::111122223333:user/bob", False),
        ("arn:aws:s3:::bucket/home/${aws:username}/*", "arn:aws:s3:::bucket/home/bob/f", True),
        ("arn:aws:s3:::bucket/home/${aws:username}/*", "arn:aws:s3:::bucket/home/alice/f", False),
        ("arn:aws:s3:::bucket/${aws:PrincipalTag/team, 'shared'}/*", "arn:aws:s3:::bucket/shared/f", True),
        ("arn:aws:s3:::bucket/${aws:PrincipalTag/team}/*", "arn:aws:s3:::bucket//f", False),
    ],
)  # fmt: skip
def test_resource_matching(pattern: str, resource: str, expected: bool) -> None:
    identity = [
        ident(allow("s3:GetObject", pattern), allow("sqs:*", pattern), allow("iam:*", pattern))
    ]
    action = resource.split(":")[2] + ":GetObject"
    assert check(user(), action, resource, identity=identity).allowed is expected


def test_variable_without_a_value_does_not_match() -> None:
    # A role session has no aws:username: the element matches nothing.
    identity = [ident(allow("s3:GetObject", "arn:aws:s3:::bucket/${aws:username}/*"))]
    assert not check(role_session(), resource="arn:aws:s3:::bucket//x", identity=identity).allowed


def test_actions_match_case_insensitively_with_wildcards() -> None:
    identity = [ident(allow(["S3:getobj?ct", "sqs:Send*"]))]
    assert check(user(), "s3:GetObject", identity=identity).allowed
    assert check(user(), "SQS:SendMessageBatch", identity=identity).allowed
    assert not check(user(), "s3:GetObjectAcl", identity=identity).allowed


def test_matched_statements_name_the_deciding_statements() -> None:
    first = policy("identity", allow("s3:*", Sid="All"))
    second = policy("identity", allow("s3:Get*", Sid="Reads"), allow("sqs:*", Sid="Queues"))
    decision = check(user(), identity=[first, second])
    assert decision.matched == (
        MatchedStatement("identity-policy", "identity", "Allow", "All"),
        MatchedStatement("identity-policy", "identity", "Allow", "Reads"),
    )
    denied = check(user(), identity=[first, policy("identity", deny("s3:Get*", Sid="No"))])
    assert denied.matched == (MatchedStatement("identity-policy", "identity", "Deny", "No"),)
    assert check(user(), "sns:Publish", identity=[first]).matched == ()
