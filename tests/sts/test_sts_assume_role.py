"""AssumeRole through a real server: the trust policy decides who may assume a role (and
with which ExternalId), durations are bounded by the role and by role chaining, and the
issued session acts as the assumed role on the following calls."""

from __future__ import annotations

import json
import time
from typing import Any

import pytest
from botocore.exceptions import ClientError
from stskit import (
    ALT_ACCESS_KEY,
    ALT_ACCOUNT,
    ALT_SECRET_KEY,
    client,
    error_of,
    keys,
    trust_policy,
    unique,
    unvalidated,
)

ALLOW_ASSUME = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": "*"}],
    }
)


def make_role(server: Any, trust: str, **kw: Any) -> dict[str, Any]:
    role: dict[str, Any] = server.client("iam").create_role(
        RoleName=unique("role"), AssumeRolePolicyDocument=trust, **kw
    )["Role"]
    return role


def root_arn(account: str) -> str:
    return f"arn:aws:iam::{account}:root"


def denied(caller: str, resource: str, action: str = "sts:AssumeRole") -> tuple[str, str]:
    return (
        "AccessDenied",
        f"User: {caller} is not authorized to perform: {action} on resource: {resource}",
    )


def test_assume_role_then_act_as_the_role(sts_server: Any, sts: Any) -> None:
    account = sts_server.account_id
    role = make_role(sts_server, trust_policy(root_arn(account)))
    answer = sts.assume_role(RoleArn=role["Arn"], RoleSessionName="build-7")
    session_arn = f"arn:aws:sts::{account}:assumed-role/{role['RoleName']}/build-7"
    assert answer["AssumedRoleUser"] == {
        "AssumedRoleId": f"{role['RoleId']}:build-7",
        "Arn": session_arn,
    }
    assert "PackedPolicySize" not in answer and "SourceIdentity" not in answer
    creds = answer["Credentials"]
    assert creds["AccessKeyId"].startswith("ASIA")
    assert 3590 < creds["Expiration"].timestamp() - time.time() <= 3601
    found = client(sts_server, "sts", creds).get_caller_identity()
    assert found == {
        "UserId": f"{role['RoleId']}:build-7",
        "Account": account,
        "Arn": session_arn,
        "ResponseMetadata": found["ResponseMetadata"],
    }


def test_a_role_path_is_not_in_the_session_arn(sts_server: Any, sts: Any) -> None:
    account = sts_server.account_id
    role = make_role(sts_server, trust_policy(root_arn(account)), Path="/team/ci/")
    answer = sts.assume_role(RoleArn=role["Arn"], RoleSessionName="s1")
    assert answer["AssumedRoleUser"]["Arn"] == (
        f"arn:aws:sts::{account}:assumed-role/{role['RoleName']}/s1"
    )


def test_trust_policy_not_naming_the_caller_is_access_denied(sts_server: Any, sts: Any) -> None:
    role = make_role(sts_server, trust_policy(root_arn("999999999999")))
    with pytest.raises(ClientError) as info:
        sts.assume_role(RoleArn=role["Arn"], RoleSessionName="nope")
    assert error_of(info) == denied(root_arn(sts_server.account_id), role["Arn"])
    assert info.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403


def test_a_missing_role_is_access_denied(sts_server: Any, sts: Any) -> None:
    arn = f"arn:aws:iam::{sts_server.account_id}:role/no-such-role"
    with pytest.raises(ClientError) as info:
        sts.assume_role(RoleArn=arn, RoleSessionName="nope")
    assert error_of(info) == denied(root_arn(sts_server.account_id), arn)


def test_a_malformed_role_arn(sts: Any) -> None:
    with pytest.raises(ClientError) as info:
        sts.assume_role(RoleArn="arn:aws:iam::12345:role/x-y-z", RoleSessionName="nope")
    assert error_of(info) == ("ValidationError", "Request ARN is invalid")


def test_external_id_condition(sts_server: Any, sts: Any) -> None:
    condition = {"StringEquals": {"sts:ExternalId": "secret-42"}}
    role = make_role(sts_server, trust_policy(root_arn(sts_server.account_id), condition=condition))
    expected = denied(root_arn(sts_server.account_id), role["Arn"])
    for external in (None, "secret-43"):
        extra = {} if external is None else {"ExternalId": external}
        with pytest.raises(ClientError) as info:
            sts.assume_role(RoleArn=role["Arn"], RoleSessionName="ext", **extra)
        assert error_of(info) == expected
    answer = sts.assume_role(RoleArn=role["Arn"], RoleSessionName="ext", ExternalId="secret-42")
    assert answer["AssumedRoleUser"]["Arn"].endswith(f"/{role['RoleName']}/ext")


def test_duration_bounds(sts_server: Any) -> None:
    sts = unvalidated(sts_server, "sts")
    role = make_role(sts_server, trust_policy(root_arn(sts_server.account_id)))
    with pytest.raises(ClientError) as info:
        sts.assume_role(RoleArn=role["Arn"], RoleSessionName="dd", DurationSeconds=3601)
    assert error_of(info) == (
        "ValidationError",
        "The requested DurationSeconds exceeds the MaxSessionDuration set for this role.",
    )
    with pytest.raises(ClientError) as info:
        sts.assume_role(RoleArn=role["Arn"], RoleSessionName="dd", DurationSeconds=899)
    assert error_of(info) == (
        "ValidationError",
        "1 validation error detected: Value '899' at 'durationSeconds' failed to satisfy"
        " constraint: Member must have value greater than or equal to 900",
    )
    long_role = make_role(
        sts_server, trust_policy(root_arn(sts_server.account_id)), MaxSessionDuration=43200
    )
    creds = sts.assume_role(RoleArn=long_role["Arn"], RoleSessionName="dd", DurationSeconds=43200)
    assert 43190 < creds["Credentials"]["Expiration"].timestamp() - time.time() <= 43201


def test_role_session_name_is_validated(sts_server: Any) -> None:
    sts = unvalidated(sts_server, "sts")
    arn = f"arn:aws:iam::{sts_server.account_id}:role/whatever"
    with pytest.raises(ClientError) as info:
        sts.assume_role(RoleArn=arn, RoleSessionName="bad name!")
    assert error_of(info) == (
        "ValidationError",
        "1 validation error detected: Value 'bad name!' at 'roleSessionName' failed to satisfy"
        " constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]*",
    )


def test_role_chaining_is_limited_to_one_hour(sts_server: Any, sts: Any) -> None:
    account = sts_server.account_id
    first = make_role(sts_server, trust_policy(root_arn(account)), MaxSessionDuration=43200)
    sts_server.client("iam").put_role_policy(
        RoleName=first["RoleName"], PolicyName="assume", PolicyDocument=ALLOW_ASSUME
    )
    second = make_role(sts_server, trust_policy(first["Arn"]), MaxSessionDuration=43200)
    creds = sts.assume_role(RoleArn=first["Arn"], RoleSessionName="hop1")["Credentials"]
    chained = client(sts_server, "sts", creds)
    with pytest.raises(ClientError) as info:
        chained.assume_role(RoleArn=second["Arn"], RoleSessionName="hop2", DurationSeconds=3601)
    assert error_of(info) == (
        "ValidationError",
        "The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by"
        " role chaining.",
    )
    answer = chained.assume_role(RoleArn=second["Arn"], RoleSessionName="hop2")
    found = client(sts_server, "sts", answer["Credentials"]).get_caller_identity()
    assert found["Arn"] == f"arn:aws:sts::{account}:assumed-role/{second['RoleName']}/hop2"


def test_another_accounts_root_assumes_a_role_that_trusts_its_account(sts_server: Any) -> None:
    account = sts_server.account_id
    role = make_role(sts_server, trust_policy(root_arn(ALT_ACCOUNT)))
    alt = client(sts_server, "sts", keys(ALT_ACCESS_KEY, ALT_SECRET_KEY))
    answer = alt.assume_role(RoleArn=role["Arn"], RoleSessionName="cross")
    found = client(sts_server, "sts", answer["Credentials"]).get_caller_identity()
    assert (found["Account"], found["Arn"]) == (
        account,
        f"arn:aws:sts::{account}:assumed-role/{role['RoleName']}/cross",
    )
    with pytest.raises(ClientError) as info:  # and the main root is not trusted by it
        sts_server.client("sts").assume_role(RoleArn=role["Arn"], RoleSessionName="x1")
    assert error_of(info) == denied(root_arn(account), role["Arn"])


def test_tags_source_identity_and_transitive_keys(sts_server: Any, sts: Any) -> None:
    account = sts_server.account_id
    role = make_role(sts_server, trust_policy(root_arn(account)))
    sts_server.client("iam").put_role_policy(
        RoleName=role["RoleName"], PolicyName="assume", PolicyDocument=ALLOW_ASSUME
    )
    answer = sts.assume_role(
        RoleArn=role["Arn"],
        RoleSessionName="tagged",
        Tags=[{"Key": "team", "Value": "blue"}, {"Key": "cost", "Value": "42"}],
        TransitiveTagKeys=["team"],
        SourceIdentity="alice",
    )
    assert answer["SourceIdentity"] == "alice"
    assert 1 <= answer["PackedPolicySize"] <= 100
    again = make_role(sts_server, trust_policy(role["Arn"]))
    chained = client(sts_server, "sts", answer["Credentials"])
    with pytest.raises(ClientError) as info:
        chained.assume_role(RoleArn=again["Arn"], RoleSessionName="c2", SourceIdentity="bob")
    assert error_of(info)[0] == "AccessDenied"
    kept = chained.assume_role(RoleArn=again["Arn"], RoleSessionName="c2")
    assert kept["SourceIdentity"] == "alice"


def test_session_policy_inputs(sts_server: Any, sts: Any) -> None:
    role = make_role(sts_server, trust_policy(root_arn(sts_server.account_id)))
    with pytest.raises(ClientError) as info:
        sts.assume_role(RoleArn=role["Arn"], RoleSessionName="pp", Policy='{"Version": 1')
    assert error_of(info)[0] == "MalformedPolicyDocument"
    missing = f"arn:aws:iam::{sts_server.account_id}:policy/not-there"
    with pytest.raises(ClientError) as info:
        sts.assume_role(RoleArn=role["Arn"], RoleSessionName="pp", PolicyArns=[{"arn": missing}])
    assert error_of(info) == (
        "ValidationError",
        f"Policy {missing} does not exist or is not attachable.",
    )
    policy = json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Action": "s3:ListAllMyBuckets", "Resource": "*"}],
        }
    )
    answer = sts.assume_role(
        RoleArn=role["Arn"],
        RoleSessionName="pp",
        Policy=policy,
        PolicyArns=[{"arn": "arn:aws:iam::aws:policy/ReadOnlyAccess"}],
    )
    assert 1 <= answer["PackedPolicySize"] <= 100
