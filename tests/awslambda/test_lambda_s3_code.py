"""Packages read from ownstack's own S3 (Code.S3Bucket/S3Key), with the caller's permissions,
as AWS reads them; and iam:PassRole on the execution role."""

from __future__ import annotations

import base64
import hashlib
import urllib.request
from typing import Any

import pytest
from botocore.exceptions import ClientError
from lambdakit import allow, error_of, make_zip, unique, user_client


@pytest.fixture(scope="module")
def s3(server: Any) -> Any:
    return server.client("s3")


@pytest.fixture(scope="module")
def bucket(s3: Any) -> str:
    name = unique("code")
    s3.create_bucket(Bucket=name)
    return name


def _params(role: str, **code: Any) -> dict[str, Any]:
    return {
        "FunctionName": unique(),
        "Runtime": "python3.12",
        "Role": role,
        "Handler": "index.handler",
        "Code": code,
    }


def test_create_and_update_from_s3(lam: Any, s3: Any, bucket: str, role: str) -> None:
    package = make_zip({"index.py": "def handler(e, c):\n    return 's3'\n"})
    s3.put_object(Bucket=bucket, Key="pkg/v1.zip", Body=package)
    params = _params(role, S3Bucket=bucket, S3Key="pkg/v1.zip")
    out = lam.create_function(**params)
    assert out["CodeSha256"] == base64.b64encode(hashlib.sha256(package).digest()).decode()
    assert out["CodeSize"] == len(package)
    name = params["FunctionName"]
    lam.get_waiter("function_active_v2").wait(FunctionName=name)
    second = make_zip({"index.py": "def handler(e, c):\n    return 'v2'\n"})
    s3.put_object(Bucket=bucket, Key="pkg/v2.zip", Body=second)
    updated = lam.update_function_code(
        FunctionName=name, S3Bucket=bucket, S3Key="pkg/v2.zip", Publish=True
    )
    assert updated["Version"] == "1"
    assert updated["FunctionArn"].endswith(f":{name}:1")
    lam.get_waiter("function_updated_v2").wait(FunctionName=name)
    location = lam.get_function(FunctionName=name, Qualifier="1")["Code"]["Location"]
    with urllib.request.urlopen(location) as resp:
        assert resp.read() == second


def test_s3_errors(lam: Any, s3: Any, bucket: str, role: str) -> None:
    with pytest.raises(ClientError) as exc:
        lam.create_function(**_params(role, S3Bucket=bucket, S3Key="missing.zip"))
    assert error_of(exc) == (
        "InvalidParameterValueException",
        "Error occurred while GetObject. S3 Error Code: NoSuchKey. S3 Error Message: The "
        "specified key does not exist.",
        400,
    )
    with pytest.raises(ClientError) as exc:
        lam.create_function(**_params(role, S3Bucket=unique("nobucket"), S3Key="x.zip"))
    assert error_of(exc) == (
        "InvalidParameterValueException",
        "Error occurred while GetObject. S3 Error Code: NoSuchBucket. S3 Error Message: The "
        "specified bucket does not exist",
        400,
    )
    s3.put_object(Bucket=bucket, Key="text.zip", Body=b"plain text")
    with pytest.raises(ClientError) as exc:
        lam.create_function(**_params(role, S3Bucket=bucket, S3Key="text.zip"))
    assert error_of(exc)[1] == (
        "Could not unzip uploaded file. Please check your file, then try to upload again."
    )


def test_callers_permissions_apply(server: Any, iam: Any, s3: Any, bucket: str, role: str) -> None:
    s3.put_object(Bucket=bucket, Key="user.zip", Body=make_zip())
    no_s3 = user_client(server, iam, allow("lambda:*", "iam:PassRole"))
    with pytest.raises(ClientError) as exc:
        no_s3.create_function(**_params(role, S3Bucket=bucket, S3Key="user.zip"))
    assert error_of(exc) == (
        "InvalidParameterValueException",
        "Your access has been denied by S3, please make sure your request credentials have "
        f"permission to GetObject for {bucket}/user.zip. S3 Error Code: AccessDenied. S3 Error "
        "Message: Access Denied",
        400,
    )
    no_pass = user_client(server, iam, allow("lambda:*", "s3:GetObject"))
    with pytest.raises(ClientError) as exc:
        no_pass.create_function(**_params(role, S3Bucket=bucket, S3Key="user.zip"))
    code, message, status = error_of(exc)
    assert (code, status) == ("AccessDeniedException", 403)
    assert message.endswith(
        f"is not authorized to perform: iam:PassRole on resource: {role} because no "
        "identity-based policy allows the iam:PassRole action"
    )
    allowed = user_client(server, iam, allow("lambda:*", "s3:GetObject", "iam:PassRole"))
    out = allowed.create_function(**_params(role, S3Bucket=bucket, S3Key="user.zip"))
    assert out["State"] == "Pending"
