"""Reserved concurrency, account settings, event invoke configs, function URLs and tags."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from botocore.exceptions import ClientError
from lambdakit import create, error_of, lambda_role, make_zip

from ownserver import ServerHandle, start_server

ARN = "arn:aws:lambda:us-east-1:123456789012:function:"


@pytest.fixture(scope="module")
def own(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerHandle]:
    """A server of this module alone: account settings count everything in the account."""
    handle = start_server(tmp_path_factory.mktemp("lambda-settings") / "data")
    try:
        yield handle
    finally:
        handle.stop()


def test_concurrency_and_account_settings(own: ServerHandle) -> None:
    lam = own.client("lambda")
    role = lambda_role(own.client("iam"))
    empty = lam.get_account_settings()
    assert empty["AccountLimit"] == {
        "TotalCodeSize": 80530636800,
        "CodeSizeUnzipped": 262144000,
        "CodeSizeZipped": 52428800,
        "ConcurrentExecutions": 1000,
        "UnreservedConcurrentExecutions": 1000,
    }
    assert empty["AccountUsage"] == {"TotalCodeSize": 0, "FunctionCount": 0}
    names = [create(lam, role)["FunctionName"] for _ in range(2)]
    unset = lam.get_function_concurrency(FunctionName=names[0])
    assert "ReservedConcurrentExecutions" not in unset
    out = lam.put_function_concurrency(FunctionName=names[0], ReservedConcurrentExecutions=500)
    assert out["ReservedConcurrentExecutions"] == 500
    assert lam.get_function(FunctionName=names[0])["Concurrency"] == {
        "ReservedConcurrentExecutions": 500
    }
    with pytest.raises(ClientError) as exc:
        lam.put_function_concurrency(FunctionName=names[1], ReservedConcurrentExecutions=401)
    assert error_of(exc) == (
        "InvalidParameterValueException",
        "Specified ReservedConcurrentExecutions for function decreases account's "
        "UnreservedConcurrentExecution below its minimum value of [100].",
        400,
    )
    lam.put_function_concurrency(FunctionName=names[0], ReservedConcurrentExecutions=900)
    settings = lam.get_account_settings()
    assert settings["AccountLimit"]["UnreservedConcurrentExecutions"] == 100
    assert settings["AccountUsage"]["FunctionCount"] == 2
    assert settings["AccountUsage"]["TotalCodeSize"] == 2 * len(make_zip())
    with pytest.raises(ClientError) as exc:
        lam.put_function_concurrency(FunctionName=f"{names[0]}:1", ReservedConcurrentExecutions=1)
    assert error_of(exc)[1].startswith("This operation is permitted on Lambda functions only.")
    lam.delete_function_concurrency(FunctionName=names[0])
    assert lam.get_account_settings()["AccountLimit"]["UnreservedConcurrentExecutions"] == 1000


def test_event_invoke_config(lam: Any, unchecked: Any, role: str) -> None:
    name = create(lam, role)["FunctionName"]
    queue = "arn:aws:sqs:us-east-1:123456789012:failures"
    out = lam.put_function_event_invoke_config(
        FunctionName=name,
        MaximumRetryAttempts=1,
        DestinationConfig={"OnFailure": {"Destination": queue}},
    )
    assert out["FunctionArn"] == f"{ARN}{name}:$LATEST"
    assert out["MaximumRetryAttempts"] == 1
    assert "MaximumEventAgeInSeconds" not in out
    assert out["DestinationConfig"] == {"OnSuccess": {}, "OnFailure": {"Destination": queue}}
    merged = lam.update_function_event_invoke_config(
        FunctionName=name, MaximumEventAgeInSeconds=120
    )
    assert (merged["MaximumRetryAttempts"], merged["MaximumEventAgeInSeconds"]) == (1, 120)
    replaced = lam.put_function_event_invoke_config(FunctionName=name, MaximumEventAgeInSeconds=60)
    assert "MaximumRetryAttempts" not in replaced
    listed = lam.list_function_event_invoke_configs(FunctionName=name)
    assert [c["FunctionArn"] for c in listed["FunctionEventInvokeConfigs"]] == [
        f"{ARN}{name}:$LATEST"
    ]
    with pytest.raises(ClientError) as exc:
        lam.put_function_event_invoke_config(FunctionName=name)
    assert error_of(exc) == (
        "InvalidParameterValueException",
        "You must specify at least one of error handling or destination setting.",
        400,
    )
    with pytest.raises(ClientError) as exc:
        unchecked.put_function_event_invoke_config(FunctionName=name, MaximumRetryAttempts=3)
    assert error_of(exc) == (
        "ValidationException",
        "1 validation error detected: Value '3' at 'maximumRetryAttempts' failed to satisfy "
        "constraint: Member must have value less than or equal to 2",
        400,
    )
    bad = "arn:aws:s3:::bucket"
    with pytest.raises(ClientError) as exc:
        lam.put_function_event_invoke_config(
            FunctionName=name, DestinationConfig={"OnSuccess": {"Destination": bad}}
        )
    assert error_of(exc) == (
        "InvalidParameterValueException",
        f"The provided destination config DestinationConfig(onSuccess=OnSuccess(destination={bad}),"
        " onFailure=null) is invalid.",
        400,
    )
    with pytest.raises(ClientError) as exc:
        lam.put_function_event_invoke_config(
            FunctionName=name, DestinationConfig={"OnSuccess": {"Destination": ARN + name}}
        )
    assert error_of(exc)[1] == "You can't specify the function as a destination for itself."
    with pytest.raises(ClientError) as exc:
        lam.put_function_event_invoke_config(
            FunctionName=name, Qualifier="5", MaximumRetryAttempts=0
        )
    assert error_of(exc) == ("ResourceNotFoundException", "The function doesn't exist.", 404)
    lam.delete_function_event_invoke_config(FunctionName=name)
    with pytest.raises(ClientError) as exc:
        lam.get_function_event_invoke_config(FunctionName=name)
    assert error_of(exc) == (
        "ResourceNotFoundException",
        f"The function {ARN}{name}:$LATEST doesn't have an EventInvokeConfig",
        404,
    )


def test_function_urls(lam: Any, role: str, server: Any) -> None:
    name = create(lam, role)["FunctionName"]
    cors = {"AllowOrigins": ["https://example.com"], "AllowMethods": ["GET"], "MaxAge": 60}
    made = lam.create_function_url_config(FunctionName=name, AuthType="NONE", Cors=cors)
    assert made["ResponseMetadata"]["HTTPStatusCode"] == 201
    url = made["FunctionUrl"]
    found = re.fullmatch(r"http://([a-z0-9]{32})\.lambda-url\.us-east-1\.localhost:(\d+)/", url)
    assert found is not None and int(found[2]) == server.port
    assert (made["FunctionArn"], made["AuthType"], made["InvokeMode"]) == (
        ARN + name,
        "NONE",
        "BUFFERED",
    )
    assert made["Cors"] == cors
    with pytest.raises(ClientError) as exc:
        lam.create_function_url_config(FunctionName=name, AuthType="NONE")
    assert error_of(exc) == (
        "ResourceConflictException",
        f"Failed to create function url config for [functionArn = {ARN}{name}]. Error message:  "
        "FunctionUrlConfig exists for this Lambda function",
        409,
    )
    updated = lam.update_function_url_config(FunctionName=name, AuthType="AWS_IAM")
    assert (updated["AuthType"], updated["FunctionUrl"]) == ("AWS_IAM", url)
    got = lam.get_function_url_config(FunctionName=name)
    assert got["AuthType"] == "AWS_IAM" and "LastModifiedTime" in got
    lam.publish_version(FunctionName=name)
    lam.create_alias(FunctionName=name, Name="live", FunctionVersion="1")
    aliased = lam.create_function_url_config(FunctionName=name, Qualifier="live", AuthType="NONE")
    assert aliased["FunctionArn"] == f"{ARN}{name}:live"
    listed = lam.list_function_url_configs(FunctionName=name)["FunctionUrlConfigs"]
    assert sorted(c["FunctionArn"] for c in listed) == [ARN + name, f"{ARN}{name}:live"]
    lam.delete_function_url_config(FunctionName=name)
    with pytest.raises(ClientError) as exc:
        lam.get_function_url_config(FunctionName=name)
    assert error_of(exc) == (
        "ResourceNotFoundException",
        "The resource you requested does not exist.",
        404,
    )


def test_tags(lam: Any, role: str) -> None:
    name = create(lam, role, Tags={"a": "1"})["FunctionName"]
    arn = ARN + name
    lam.tag_resource(Resource=arn, Tags={"b": "2"})
    assert lam.list_tags(Resource=arn)["Tags"] == {"a": "1", "b": "2"}
    lam.untag_resource(Resource=arn, TagKeys=["a"])
    assert lam.list_tags(Resource=arn)["Tags"] == {"b": "2"}
    with pytest.raises(ClientError) as exc:
        lam.tag_resource(Resource=f"{arn}:1", Tags={"c": "3"})
    assert error_of(exc) == (
        "InvalidParameterValueException",
        "Tags on function aliases and versions are not supported. Please specify a function ARN.",
        400,
    )
    with pytest.raises(ClientError) as exc:
        lam.tag_resource(Resource=arn, Tags={f"k{i}": "v" for i in range(50)})
    assert error_of(exc) == (
        "InvalidParameterValueException",
        "Number of tags exceeds resource tag limit.",
        400,
    )
    with pytest.raises(ClientError) as exc:
        lam.list_tags(Resource=f"{ARN}no-such-function")
    assert error_of(exc)[0::2] == ("ResourceNotFoundException", 404)
