"""Layers: publishing, reading, listing, deleting, permissions; functions that use them."""

from __future__ import annotations

import urllib.request
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError
from lambdakit import create, error_of, make_zip, unique

LAYER = "arn:aws:lambda:us-east-1:123456789012:layer:"


def _publish(lam: Any, name: str, content: str = "v", **extra: Any) -> dict[str, Any]:
    package = make_zip({"python/lib_marker.py": f"MARK = {content!r}\n"})
    out: dict[str, Any] = lam.publish_layer_version(
        LayerName=name, Content={"ZipFile": package}, **extra
    )
    return out


def test_publish_get_and_download(lam: Any) -> None:
    name = unique("layer")
    out = _publish(
        lam,
        name,
        Description="deps",
        CompatibleRuntimes=["python3.12"],
        CompatibleArchitectures=["x86_64"],
        LicenseInfo="MIT",
    )
    assert out["ResponseMetadata"]["HTTPStatusCode"] == 201
    assert (out["LayerArn"], out["LayerVersionArn"], out["Version"]) == (
        f"{LAYER}{name}",
        f"{LAYER}{name}:1",
        1,
    )
    assert (out["Description"], out["LicenseInfo"]) == ("deps", "MIT")
    assert out["CompatibleRuntimes"] == ["python3.12"]
    with urllib.request.urlopen(out["Content"]["Location"]) as resp:
        assert len(resp.read()) == out["Content"]["CodeSize"]
    got = lam.get_layer_version(LayerName=name, VersionNumber=1)
    assert got["Content"]["CodeSha256"] == out["Content"]["CodeSha256"]
    by_arn = lam.get_layer_version_by_arn(Arn=f"{LAYER}{name}:1")
    assert by_arn["LayerVersionArn"] == f"{LAYER}{name}:1"
    with pytest.raises(ClientError) as exc:
        lam.get_layer_version(LayerName=name, VersionNumber=9)
    assert error_of(exc) == (
        "ResourceNotFoundException",
        "The resource you requested does not exist.",
        404,
    )


def test_versions_are_never_reused_and_listing(lam: Any) -> None:
    name = unique("layer")
    _publish(lam, name, "1", CompatibleRuntimes=["python3.12"])
    _publish(lam, name, "2", CompatibleRuntimes=["nodejs20.x"])
    lam.delete_layer_version(LayerName=name, VersionNumber=2)
    assert _publish(lam, name, "3", CompatibleRuntimes=["python3.12"])["Version"] == 3
    versions = lam.list_layer_versions(LayerName=name)["LayerVersions"]
    assert [v["Version"] for v in versions] == [3, 1]
    assert "Content" not in versions[0]
    node = lam.list_layer_versions(LayerName=name, CompatibleRuntime="nodejs20.x")
    assert node["LayerVersions"] == []
    layers = [layer for layer in lam.list_layers()["Layers"] if layer["LayerName"] == name]
    assert layers[0]["LayerArn"] == f"{LAYER}{name}"
    assert layers[0]["LatestMatchingVersion"]["Version"] == 3
    out = lam.delete_layer_version(LayerName=name, VersionNumber=42)
    assert out["ResponseMetadata"]["HTTPStatusCode"] == 204


def test_function_with_layers(lam: Any, role: str, server: Any) -> None:
    first, second = unique("layer"), unique("layer")
    one = _publish(lam, first, "first")["LayerVersionArn"]
    two = _publish(lam, second, "second")["LayerVersionArn"]
    name = create(lam, role, Layers=[one, two])["FunctionName"]
    layers = lam.get_function_configuration(FunctionName=name)["Layers"]
    assert [layer["Arn"] for layer in layers] == [one, two]
    unpacked = list((Path(server.data_dir) / "lambda" / "code").glob("*/python/lib_marker.py"))
    assert "MARK = 'first'\n" in [p.read_text() for p in unpacked]
    lam.update_function_configuration(FunctionName=name, Layers=[two])
    lam.get_waiter("function_updated_v2").wait(FunctionName=name)
    assert [x["Arn"] for x in lam.get_function_configuration(FunctionName=name)["Layers"]] == [two]


def test_layer_reference_errors(lam: Any, role: str) -> None:
    name = unique("layer")
    arn = _publish(lam, name)["LayerVersionArn"]
    second = _publish(lam, name, "again")["LayerVersionArn"]
    with pytest.raises(ClientError) as exc:
        create(lam, role, Layers=[arn, second])
    assert error_of(exc) == (
        "InvalidParameterValueException",
        "Two different versions of the same layer are not allowed to be referenced in the same "
        f"function. {arn} and {second} are versions of the same layer.",
        400,
    )
    missing = f"{LAYER}{name}:77"
    with pytest.raises(ClientError) as exc:
        create(lam, role, Layers=[missing])
    assert error_of(exc) == (
        "InvalidParameterValueException",
        f"Layer version {missing} does not exist.",
        400,
    )
    others = [_publish(lam, unique("layer"))["LayerVersionArn"] for _ in range(6)]
    with pytest.raises(ClientError) as exc:
        create(lam, role, Layers=others)
    assert error_of(exc) == (
        "InvalidParameterValueException",
        "Cannot reference more than 5 layers.",
        400,
    )


def test_layer_permissions(lam: Any) -> None:
    name = unique("layer")
    _publish(lam, name)
    added = lam.add_layer_version_permission(
        LayerName=name,
        VersionNumber=1,
        StatementId="share",
        Action="lambda:GetLayerVersion",
        Principal="222222222222",
    )
    assert added["Statement"] == (
        '{"Sid": "share", "Effect": "Allow", "Principal": {"AWS": '
        '"arn:aws:iam::222222222222:root"}, "Action": "lambda:GetLayerVersion", "Resource": '
        f'"{LAYER}{name}:1"}}'
    )
    policy = lam.get_layer_version_policy(LayerName=name, VersionNumber=1)
    assert policy["RevisionId"] == added["RevisionId"]
    with pytest.raises(ClientError) as exc:
        lam.add_layer_version_permission(
            LayerName=name,
            VersionNumber=1,
            StatementId="share",
            Action="lambda:GetLayerVersion",
            Principal="*",
        )
    assert error_of(exc) == (
        "ResourceConflictException",
        "The statement id (share) provided already exists. Please provide a new statement id, "
        "or remove the existing statement.",
        409,
    )
    lam.remove_layer_version_permission(LayerName=name, VersionNumber=1, StatementId="share")
    with pytest.raises(ClientError) as exc:
        lam.get_layer_version_policy(LayerName=name, VersionNumber=1)
    assert error_of(exc) == (
        "ResourceNotFoundException",
        "No policy is associated with the given resource.",
        404,
    )
