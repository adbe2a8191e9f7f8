"""PublishVersion, ListVersionsByFunction, DeleteFunction with a Qualifier, and aliases."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError
from lambdakit import create, error_of, make_zip

ARN = "arn:aws:lambda:us-east-1:123456789012:function:"


def _new_code(lam: Any, name: str, marker: str) -> None:
    lam.update_function_code(FunctionName=name, ZipFile=make_zip({"index.py": f"# {marker}\n"}))
    lam.get_waiter("function_updated_v2").wait(FunctionName=name)


def test_publish_and_list_versions(lam: Any, role: str) -> None:
    name = create(lam, role, Description="d0")["FunctionName"]
    first = lam.publish_version(FunctionName=name, Description="first")
    assert first["ResponseMetadata"]["HTTPStatusCode"] == 201
    assert (first["Version"], first["FunctionArn"]) == ("1", f"{ARN}{name}:1")
    assert first["Description"] == "first"
    assert first["State"] == "Pending"
    again = lam.publish_version(FunctionName=name)  # nothing changed: the same version
    assert again["Version"] == "1"
    _new_code(lam, name, "two")
    assert lam.publish_version(FunctionName=name)["Version"] == "2"
    lam.get_waiter("published_version_active").wait(FunctionName=name, Qualifier="2")
    versions = lam.list_versions_by_function(FunctionName=name)["Versions"]
    assert [(v["Version"], v["FunctionArn"]) for v in versions] == [
        ("$LATEST", f"{ARN}{name}:$LATEST"),
        ("1", f"{ARN}{name}:1"),
        ("2", f"{ARN}{name}:2"),
    ]
    paged = lam.list_versions_by_function(FunctionName=name, MaxItems=2)
    assert [v["Version"] for v in paged["Versions"]] == ["$LATEST", "1"]
    rest = lam.list_versions_by_function(FunctionName=name, Marker=paged["NextMarker"])
    assert [v["Version"] for v in rest["Versions"]] == ["2"]
    one = lam.get_function_configuration(FunctionName=f"{ARN}{name}:1")
    assert one["Version"] == "1" and one["State"] == "Active"
    assert "LastUpdateStatus" not in one


def test_version_numbers_are_never_reused(lam: Any, role: str) -> None:
    name = create(lam, role)["FunctionName"]
    lam.publish_version(FunctionName=name)
    lam.delete_function(FunctionName=name, Qualifier="1")
    _new_code(lam, name, "again")
    assert lam.publish_version(FunctionName=name)["Version"] == "2"
    out = lam.delete_function(FunctionName=name, Qualifier="99")  # AWS: 204 for a missing one
    assert out["ResponseMetadata"]["HTTPStatusCode"] == 204


def test_publish_checks(lam: Any, role: str) -> None:
    name = create(lam, role)["FunctionName"]
    with pytest.raises(ClientError) as exc:
        lam.publish_version(FunctionName=name, CodeSha256="abc=")
    sha = lam.get_function_configuration(FunctionName=name)["CodeSha256"]
    assert error_of(exc) == (
        "InvalidParameterValueException",
        f"CodeSHA256 (abc=) is different from current CodeSHA256 in $LATEST ({sha}). Please "
        "try again with the CodeSHA256 in $LATEST.",
        400,
    )
    with pytest.raises(ClientError) as exc:
        lam.publish_version(FunctionName=name, RevisionId="nope")
    assert error_of(exc)[0::2] == ("PreconditionFailedException", 412)
    revision = lam.get_function_configuration(FunctionName=name)["RevisionId"]
    published = lam.publish_version(FunctionName=name, RevisionId=revision, CodeSha256=sha)
    assert published["Version"] == "1"


def test_publish_on_create(lam: Any, role: str) -> None:
    out = create(lam, role, Publish=True)
    assert out["Version"] == "1"
    name = out["FunctionName"]
    assert lam.get_function(FunctionName=name, Qualifier="1")["Configuration"]["Version"] == "1"


def test_aliases(lam: Any, role: str) -> None:
    name = create(lam, role)["FunctionName"]
    lam.publish_version(FunctionName=name)
    _new_code(lam, name, "second")
    lam.publish_version(FunctionName=name)
    made = lam.create_alias(FunctionName=name, Name="live", FunctionVersion="1", Description="d")
    assert made["ResponseMetadata"]["HTTPStatusCode"] == 201
    revision = made.pop("RevisionId")
    made.pop("ResponseMetadata")
    assert made == {
        "AliasArn": f"{ARN}{name}:live",
        "Name": "live",
        "FunctionVersion": "1",
        "Description": "d",
    }
    with pytest.raises(ClientError) as exc:
        lam.create_alias(FunctionName=name, Name="live", FunctionVersion="1")
    assert error_of(exc) == (
        "ResourceConflictException",
        f"Alias already exists: {ARN}{name}:live",
        409,
    )
    via_alias = lam.get_function(FunctionName=name, Qualifier="live")["Configuration"]
    assert (via_alias["FunctionArn"], via_alias["Version"]) == (f"{ARN}{name}:live", "1")
    updated = lam.update_alias(
        FunctionName=name,
        Name="live",
        FunctionVersion="2",
        RoutingConfig={"AdditionalVersionWeights": {"1": 0.25}},
        RevisionId=revision,
    )
    assert updated["RoutingConfig"] == {"AdditionalVersionWeights": {"1": 0.25}}
    with pytest.raises(ClientError) as exc:
        lam.update_alias(FunctionName=name, Name="live", Description="x", RevisionId=revision)
    assert error_of(exc)[0::2] == ("PreconditionFailedException", 412)
    listed = lam.list_aliases(FunctionName=name)["Aliases"]
    assert [a["Name"] for a in listed] == ["live"]
    assert lam.list_aliases(FunctionName=name, FunctionVersion="1")["Aliases"] == []
    with pytest.raises(ClientError) as exc:
        lam.delete_function(FunctionName=name, Qualifier="1")
    assert error_of(exc) == (
        "ResourceConflictException",
        "Unable to delete version because the following aliases reference it: [live]",
        409,
    )
    lam.delete_alias(FunctionName=name, Name="live")
    with pytest.raises(ClientError) as exc:
        lam.get_alias(FunctionName=name, Name="live")
    assert error_of(exc) == (
        "ResourceNotFoundException",
        f"Cannot find alias arn: {ARN}{name}:live",
        404,
    )
    lam.delete_function(FunctionName=name, Qualifier="1")


def test_alias_validation(lam: Any, unchecked: Any, role: str) -> None:
    name = create(lam, role)["FunctionName"]
    lam.publish_version(FunctionName=name)
    with pytest.raises(ClientError) as exc:
        lam.create_alias(FunctionName=name, Name="a", FunctionVersion="7")
    assert error_of(exc) == ("ResourceNotFoundException", f"Function not found: {ARN}{name}:7", 404)
    with pytest.raises(ClientError) as exc:
        lam.create_alias(
            FunctionName=name,
            Name="a",
            FunctionVersion="1",
            RoutingConfig={"AdditionalVersionWeights": {"1": 0.5}},
        )
    assert error_of(exc) == (
        "InvalidParameterValueException",
        "Invalid function version 1. Function version 1 is already included in routing "
        "configuration.",
        400,
    )
    with pytest.raises(ClientError) as exc:
        lam.create_alias(
            FunctionName=name,
            Name="b",
            FunctionVersion="$LATEST",
            RoutingConfig={"AdditionalVersionWeights": {"1": 0.5}},
        )
    assert error_of(exc) == (
        "InvalidParameterValueException",
        "$LATEST is not supported for an alias pointing to more than 1 version",
        400,
    )
    with pytest.raises(ClientError) as exc:
        unchecked.create_alias(
            FunctionName=name,
            Name="c",
            FunctionVersion="1",
            RoutingConfig={"AdditionalVersionWeights": {"1": 1.5}},
        )
    code, message, _ = error_of(exc)
    assert code == "ValidationException"
    assert (
        "at 'routingConfig.additionalVersionWeights' failed to satisfy constraint: Map value"
        in message
    )
    with pytest.raises(ClientError) as exc:
        unchecked.create_alias(FunctionName=name, Name="123", FunctionVersion="1")
    assert error_of(exc) == (
        "ValidationException",
        "1 validation error detected: Value '123' at 'name' failed to satisfy constraint: Member "
        "must satisfy regular expression pattern: (?!^[0-9]+$)([a-zA-Z0-9-_]+)",
        400,
    )
