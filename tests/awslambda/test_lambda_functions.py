"""CreateFunction, GetFunction (with the code download), GetFunctionConfiguration,
ListFunctions, UpdateFunctionCode/Configuration, DeleteFunction: against a real server."""

from __future__ import annotations

import base64
import hashlib
import random
import re
import urllib.error
import urllib.request
from typing import Any

import pytest
from botocore.exceptions import ClientError
from lambdakit import create, error_of, make_zip, unique

ACCOUNT = "123456789012"
ARN = f"arn:aws:lambda:us-east-1:{ACCOUNT}:function:"
LAMBDA_TIME = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+0000")


def test_create_function_answers_as_aws(lam: Any, role: str) -> None:
    name = unique()
    package = make_zip()
    out = lam.create_function(
        FunctionName=name,
        Runtime="python3.12",
        Role=role,
        Handler="index.handler",
        Code={"ZipFile": package},
        Description="first",
        Timeout=30,
        MemorySize=256,
        Environment={"Variables": {"STAGE": "test"}},
        Tags={"team": "a"},
    )
    assert out["ResponseMetadata"]["HTTPStatusCode"] == 201
    assert LAMBDA_TIME.fullmatch(out.pop("LastModified"))
    assert out.pop("RevisionId")
    assert out.pop("RuntimeVersionConfig")["RuntimeVersionArn"].startswith(
        "arn:aws:lambda:us-east-1::runtime:"
    )
    out.pop("ResponseMetadata")
    assert out == {
        "FunctionName": name,
        "FunctionArn": ARN + name,
        "Runtime": "python3.12",
        "Role": role,
        "Handler": "index.handler",
        "CodeSize": len(package),
        "Description": "first",
        "Timeout": 30,
        "MemorySize": 256,
        "CodeSha256": base64.b64encode(hashlib.sha256(package).digest()).decode(),
        "Version": "$LATEST",
        "Environment": {"Variables": {"STAGE": "test"}},
        "TracingConfig": {"Mode": "PassThrough"},
        "State": "Pending",
        "StateReason": "The function is being created.",
        "StateReasonCode": "Creating",
        "PackageType": "Zip",
        "Architectures": ["x86_64"],
        "EphemeralStorage": {"Size": 512},
        "SnapStart": {"ApplyOn": "None", "OptimizationStatus": "Off"},
        "LoggingConfig": {"LogFormat": "Text", "LogGroup": f"/aws/lambda/{name}"},
    }
    lam.get_waiter("function_active_v2").wait(FunctionName=name)
    got = lam.get_function(FunctionName=name)
    config = got["Configuration"]
    assert (config["State"], config["LastUpdateStatus"]) == ("Active", "Successful")
    assert "StateReason" not in config
    assert got["Tags"] == {"team": "a"}
    assert got["Code"]["RepositoryType"] == "S3"
    with urllib.request.urlopen(got["Code"]["Location"]) as resp:
        assert resp.status == 200
        assert resp.headers["Content-Type"] == "application/zip"
        assert resp.read() == package


def test_code_location_is_signed(lam: Any, role: str) -> None:
    name = create(lam, role)["FunctionName"]
    location = lam.get_function(FunctionName=name)["Code"]["Location"]
    assert "/_ownstack/lambda/code/" in location
    forged = location[:-3] + ("AAA" if not location.endswith("AAA") else "BBB")
    with pytest.raises(urllib.error.HTTPError) as exc:
        urllib.request.urlopen(forged)
    assert exc.value.code == 403


def test_get_function_configuration_and_qualifiers(lam: Any, role: str) -> None:
    name = create(lam, role)["FunctionName"]
    plain = lam.get_function_configuration(FunctionName=name)
    assert plain["FunctionArn"] == ARN + name
    latest = lam.get_function_configuration(FunctionName=name, Qualifier="$LATEST")
    assert latest["FunctionArn"] == f"{ARN}{name}:$LATEST"
    by_arn = lam.get_function_configuration(FunctionName=f"{ARN}{name}:$LATEST")
    assert by_arn["FunctionArn"] == f"{ARN}{name}:$LATEST"
    partial = lam.get_function_configuration(FunctionName=f"{ACCOUNT}:function:{name}")
    assert partial["FunctionName"] == name
    with pytest.raises(ClientError) as exc:
        lam.get_function(FunctionName=name, Qualifier="99")
    assert error_of(exc) == (
        "ResourceNotFoundException",
        f"Function not found: {ARN}{name}:99",
        404,
    )
    assert exc.value.response["Type"] == "User"
    with pytest.raises(ClientError) as exc:
        lam.get_function(FunctionName=f"{ARN}{name}:1", Qualifier="2")
    assert error_of(exc) == (
        "InvalidParameterValueException",
        "The derived qualifier from the function name does not match the specified qualifier.",
        400,
    )
    with pytest.raises(ClientError) as exc:
        lam.get_function(FunctionName=f"arn:aws:lambda:eu-west-1:{ACCOUNT}:function:{name}")
    assert error_of(exc) == (
        "ResourceNotFoundException",
        "Functions from 'eu-west-1' are not reachable in this region ('us-east-1')",
        404,
    )


def test_missing_function(lam: Any) -> None:
    with pytest.raises(ClientError) as exc:
        lam.get_function(FunctionName="no-such-function")
    assert error_of(exc) == (
        "ResourceNotFoundException",
        f"Function not found: {ARN}no-such-function",
        404,
    )
    assert exc.value.response["Message"] == f"Function not found: {ARN}no-such-function"
    with pytest.raises(ClientError) as exc:
        lam.delete_function(FunctionName="no-such-function")
    assert error_of(exc)[0:3:2] == ("ResourceNotFoundException", 404)


def test_create_twice_conflicts(lam: Any, role: str) -> None:
    name = create(lam, role)["FunctionName"]
    with pytest.raises(ClientError) as exc:
        create(lam, role, name)
    assert error_of(exc) == ("ResourceConflictException", f"Function already exist: {name}", 409)


def test_list_functions_pages_and_all_versions(lam: Any, role: str) -> None:
    prefix = unique("list")
    names = [f"{prefix}-{i}" for i in range(3)]
    for name in names:
        create(lam, role, name)
    lam.publish_version(FunctionName=names[0])
    seen: list[str] = []
    marker = None
    while True:
        kwargs = {"MaxItems": 2, **({"Marker": marker} if marker else {})}
        page = lam.list_functions(**kwargs)
        assert len(page["Functions"]) <= 2
        seen += [f["FunctionName"] for f in page["Functions"]]
        marker = page.get("NextMarker")
        if not marker:
            break
    assert [n for n in seen if n.startswith(prefix)] == names
    listed = next(f for f in lam.list_functions()["Functions"] if f["FunctionName"] == names[0])
    assert "State" not in listed and "LastUpdateStatus" not in listed
    every = lam.list_functions(FunctionVersion="ALL", MaxItems=50)
    ours = [f["FunctionArn"] for f in every["Functions"] if f["FunctionName"] == names[0]]
    assert ours == [f"{ARN}{names[0]}:$LATEST", f"{ARN}{names[0]}:1"]
    with pytest.raises(ClientError) as exc:
        lam.list_functions(FunctionVersion="SOME")
    assert error_of(exc) == (
        "ValidationException",
        "1 validation error detected: Value 'SOME' at 'functionVersion' failed to satisfy "
        "constraint: Member must satisfy enum value set: [ALL]",
        400,
    )


def test_update_configuration_and_code(lam: Any, role: str) -> None:
    name = create(lam, role)["FunctionName"]
    before = lam.get_function_configuration(FunctionName=name)
    out = lam.update_function_configuration(
        FunctionName=name,
        Description="changed",
        Timeout=10,
        MemorySize=512,
        Environment={"Variables": {"AB": "1"}},
        TracingConfig={"Mode": "Active"},
        EphemeralStorage={"Size": 1024},
        LoggingConfig={"LogFormat": "JSON"},
    )
    assert out["LastUpdateStatus"] == "InProgress"
    assert out["LastUpdateStatusReason"] == "The function is being created."
    assert out["LastUpdateStatusReasonCode"] == "Creating"
    assert out["RevisionId"] != before["RevisionId"]
    lam.get_waiter("function_updated_v2").wait(FunctionName=name)
    config = lam.get_function_configuration(FunctionName=name)
    assert config["LastUpdateStatus"] == "Successful"
    assert (config["Description"], config["Timeout"], config["MemorySize"]) == ("changed", 10, 512)
    assert config["Environment"] == {"Variables": {"AB": "1"}}
    assert config["TracingConfig"] == {"Mode": "Active"}
    assert config["EphemeralStorage"] == {"Size": 1024}
    assert config["LoggingConfig"] == {
        "LogFormat": "JSON",
        "ApplicationLogLevel": "INFO",
        "SystemLogLevel": "INFO",
        "LogGroup": f"/aws/lambda/{name}",
    }
    package = make_zip({"index.py": "def handler(e, c):\n    return 2\n"})
    updated = lam.update_function_code(FunctionName=name, ZipFile=package)
    assert updated["CodeSha256"] == base64.b64encode(hashlib.sha256(package).digest()).decode()
    assert updated["LastUpdateStatus"] == "InProgress"
    lam.get_waiter("function_updated_v2").wait(FunctionName=name)
    location = lam.get_function(FunctionName=name)["Code"]["Location"]
    with urllib.request.urlopen(location) as resp:
        assert resp.read() == package


def test_revision_id_is_checked(lam: Any, role: str) -> None:
    name = create(lam, role)["FunctionName"]
    with pytest.raises(ClientError) as exc:
        lam.update_function_configuration(FunctionName=name, Timeout=5, RevisionId="stale")
    assert error_of(exc) == (
        "PreconditionFailedException",
        "The Revision Id provided does not match the latest Revision Id. Call the "
        "GetFunction/GetAlias API to retrieve the latest Revision Id",
        412,
    )
    revision = lam.get_function_configuration(FunctionName=name)["RevisionId"]
    lam.update_function_configuration(FunctionName=name, Timeout=5, RevisionId=revision)


def test_delete_function(lam: Any, role: str) -> None:
    name = create(lam, role)["FunctionName"]
    out = lam.delete_function(FunctionName=name)
    assert out["ResponseMetadata"]["HTTPStatusCode"] == 204
    with pytest.raises(ClientError) as exc:
        lam.get_function(FunctionName=name)
    assert error_of(exc)[0] == "ResourceNotFoundException"
    with pytest.raises(ClientError) as exc:
        lam.delete_function(FunctionName=name, Qualifier="$LATEST")
    assert error_of(exc) == (
        "InvalidParameterValueException",
        "$LATEST version cannot be deleted without deleting the function.",
        400,
    )


def test_large_inline_package(lam: Any, role: str) -> None:
    """A 30 MB zip inline (40 MB of base64 JSON: more than SigV4's whole-body hash once took)."""
    package = make_zip({"index.py": "x = 1\n", "blob.bin": random.randbytes(30 << 20)})
    name = unique()
    out = lam.create_function(
        FunctionName=name,
        Runtime="python3.12",
        Role=role,
        Handler="index.handler",
        Code={"ZipFile": package},
    )
    assert out["CodeSize"] == len(package)
    lam.get_waiter("function_active_v2").wait(FunctionName=name)
    with urllib.request.urlopen(lam.get_function(FunctionName=name)["Code"]["Location"]) as resp:
        assert hashlib.sha256(resp.read()).digest() == hashlib.sha256(package).digest()
