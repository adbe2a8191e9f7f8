"""A function's resource policy: AddPermission, RemovePermission, GetPolicy, and the gateway
enforcing it for other accounts (the service's resource_facts hook)."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from botocore.exceptions import ClientError
from lambdakit import create, error_of, lambda_role

from accountskit import ALT_ACCESS_KEY, ALT_ACCOUNT, ALT_SECRET_KEY, server_with_accounts

ARN = "arn:aws:lambda:us-east-1:123456789012:function:"


def test_add_get_remove(lam: Any, role: str) -> None:
    name = create(lam, role)["FunctionName"]
    out = lam.add_permission(
        FunctionName=name,
        StatementId="s3-invoke",
        Action="lambda:InvokeFunction",
        Principal="s3.amazonaws.com",
        SourceArn="arn:aws:s3:::my-bucket",
        SourceAccount="123456789012",
    )
    assert out["ResponseMetadata"]["HTTPStatusCode"] == 201
    statement = {
        "Sid": "s3-invoke",
        "Effect": "Allow",
        "Principal": {"Service": "s3.amazonaws.com"},
        "Action": "lambda:InvokeFunction",
        "Resource": ARN + name,
        "Condition": {
            "StringEquals": {"AWS:SourceAccount": "123456789012"},
            "ArnLike": {"AWS:SourceArn": "arn:aws:s3:::my-bucket"},
        },
    }
    assert json.loads(out["Statement"]) == statement
    lam.add_permission(
        FunctionName=name,
        StatementId="url",
        Action="lambda:InvokeFunctionUrl",
        Principal="*",
        FunctionUrlAuthType="NONE",
    )
    got = lam.get_policy(FunctionName=name)
    policy = json.loads(got["Policy"])
    assert (policy["Version"], policy["Id"]) == ("2012-10-17", "default")
    assert policy["Statement"][0] == statement
    assert policy["Statement"][1]["Condition"] == {
        "StringEquals": {"lambda:FunctionUrlAuthType": "NONE"}
    }
    assert got["RevisionId"] == lam.get_function_configuration(FunctionName=name)["RevisionId"]
    with pytest.raises(ClientError) as exc:
        lam.add_permission(
            FunctionName=name, StatementId="url", Action="lambda:*", Principal="222222222222"
        )
    assert error_of(exc) == (
        "ResourceConflictException",
        "The statement id (url) provided already exists. Please provide a new statement id, or "
        "remove the existing statement.",
        409,
    )
    lam.remove_permission(FunctionName=name, StatementId="s3-invoke")
    lam.remove_permission(FunctionName=name, StatementId="url")
    with pytest.raises(ClientError) as exc:
        lam.get_policy(FunctionName=name)
    assert error_of(exc) == (
        "ResourceNotFoundException",
        "The resource you requested does not exist.",
        404,
    )
    with pytest.raises(ClientError) as exc:
        lam.remove_permission(FunctionName=name, StatementId="gone")
    assert error_of(exc) == (
        "ResourceNotFoundException",
        "No policy is associated with the given resource.",
        404,
    )


def test_qualified_policies(lam: Any, role: str) -> None:
    name = create(lam, role)["FunctionName"]
    lam.publish_version(FunctionName=name)
    lam.create_alias(FunctionName=name, Name="prod", FunctionVersion="1")
    lam.add_permission(
        FunctionName=name,
        Qualifier="prod",
        StatementId="a",
        Action="lambda:InvokeFunction",
        Principal="222222222222",
    )
    policy = json.loads(lam.get_policy(FunctionName=f"{ARN}{name}:prod")["Policy"])
    assert policy["Statement"][0]["Resource"] == f"{ARN}{name}:prod"
    assert policy["Statement"][0]["Principal"] == {"AWS": "arn:aws:iam::222222222222:root"}
    with pytest.raises(ClientError) as exc:
        lam.get_policy(FunctionName=name)
    assert error_of(exc)[0] == "ResourceNotFoundException"
    with pytest.raises(ClientError) as exc:
        lam.add_permission(
            FunctionName=name,
            Qualifier="$LATEST",
            StatementId="b",
            Action="lambda:InvokeFunction",
            Principal="*",
        )
    assert error_of(exc) == (
        "InvalidParameterValueException",
        "We currently do not support adding policies for $LATEST.",
        400,
    )
    with pytest.raises(ClientError) as exc:
        lam.add_permission(
            FunctionName=name, StatementId="c", Action="lambda:InvokeFunction", Principal="bob"
        )
    assert error_of(exc) == (
        "InvalidParameterValueException",
        "The provided principal was invalid. Please check the principal and try again.",
        400,
    )


@pytest.fixture(scope="module")
def accounts_server(
    tmp_path_factory: pytest.TempPathFactory, launch_server: Callable[..., Any]
) -> Iterator[Any]:
    yield from server_with_accounts(tmp_path_factory, launch_server, "lambda-accounts")


def test_resource_policy_lets_another_account_in(accounts_server: Any) -> None:
    owner = accounts_server.client("lambda")
    role = lambda_role(accounts_server.client("iam"))
    name = create(owner, role)["FunctionName"]
    arn = f"arn:aws:lambda:us-east-1:{accounts_server.account_id}:function:{name}"
    alt = accounts_server.client(
        "lambda", aws_access_key_id=ALT_ACCESS_KEY, aws_secret_access_key=ALT_SECRET_KEY
    )
    with pytest.raises(ClientError) as exc:
        alt.get_function_configuration(FunctionName=arn)
    assert error_of(exc) == (
        "AccessDeniedException",
        f"User: arn:aws:iam::{ALT_ACCOUNT}:root is not authorized to perform: "
        f"lambda:GetFunctionConfiguration on resource: {arn} because no resource-based policy "
        "allows the lambda:GetFunctionConfiguration action",
        403,
    )
    owner.add_permission(
        FunctionName=name,
        StatementId="alt-reads",
        Action="lambda:GetFunctionConfiguration",
        Principal=ALT_ACCOUNT,
    )
    assert alt.get_function_configuration(FunctionName=arn)["FunctionName"] == name
    with pytest.raises(ClientError) as exc:  # granted one action, not the others
        alt.get_function(FunctionName=arn)
    assert error_of(exc)[0::2] == ("AccessDeniedException", 403)
    with pytest.raises(ClientError) as exc:  # and never what a resource policy cannot grant
        alt.update_function_configuration(FunctionName=arn, Timeout=9)
    assert error_of(exc)[0::2] == ("AccessDeniedException", 403)
