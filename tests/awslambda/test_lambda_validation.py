"""CreateFunction's checks, each answered with AWS's code, status and message."""

from __future__ import annotations

import io
import platform
import zipfile
from typing import Any

import pytest
from botocore.exceptions import ClientError
from lambdakit import error_of, lambda_role, make_zip, unique


def _create(lam: Any, role: str, **changes: Any) -> Any:
    params: dict[str, Any] = {
        "FunctionName": unique(),
        "Runtime": "python3.12",
        "Role": role,
        "Handler": "index.handler",
        "Code": {"ZipFile": make_zip()},
    }
    params.update(changes)
    return lam.create_function(**{k: v for k, v in params.items() if v is not None})


def _refused(lam: Any, role: str, **changes: Any) -> tuple[str, str, int]:
    with pytest.raises(ClientError) as exc:
        _create(lam, role, **changes)
    return error_of(exc)


def test_runtimes(lam: Any, role: str) -> None:
    assert _refused(lam, role, Runtime="python3.8") == (
        "InvalidParameterValueException",
        "The runtime parameter of python3.8 is no longer supported for creating or updating AWS "
        "Lambda functions. We recommend you use the new runtime (python3.13) while creating or "
        "updating functions.",
        400,
    )
    code, message, status = _refused(lam, role, Runtime="java21")
    assert (code, status) == ("InvalidParameterValueException", 400)
    assert message.startswith("The runtime parameter of java21 is not supported by ownstack")
    code, message, status = _refused(lam, role, Runtime="cobol9")
    assert (code, status) == ("ValidationException", 400)
    assert message.startswith(
        "1 validation error detected: Value 'cobol9' at 'runtime' failed to satisfy constraint: "
        "Member must satisfy enum value set: [nodejs, "
    )
    assert _refused(lam, role, Runtime=None) == (
        "InvalidParameterValueException",
        "Runtime and Handler are mandatory parameters for functions created with deployment "
        "packages.",
        400,
    )


def test_roles(lam: Any, iam: Any, role: str) -> None:
    cannot = (
        "InvalidParameterValueException",
        "The role defined for the function cannot be assumed by Lambda.",
        400,
    )
    assert _refused(lam, role, Role="arn:aws:iam::123456789012:role/missing") == cannot
    other = lambda_role(
        iam,
        trust={
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Principal": {"Service": "ec2.amazonaws.com"},
                    "Action": "sts:AssumeRole",
                }
            ],
        },
    )
    assert _refused(lam, role, Role=other) == cannot
    elsewhere = "arn:aws:iam::222222222222:role/elsewhere"
    assert _refused(lam, role, Role=elsewhere) == (  # no account can pass another's role
        "AccessDeniedException",
        "User: arn:aws:iam::123456789012:root is not authorized to perform: iam:PassRole on "
        f"resource: {elsewhere} because no resource-based policy allows the iam:PassRole action",
        403,
    )
    assert _refused(lam, role, Role="not-a-role") == (
        "ValidationException",
        "1 validation error detected: Value 'not-a-role' at 'role' failed to satisfy constraint: "
        "Member must satisfy regular expression pattern: "
        "arn:(aws[a-zA-Z-]*)?:iam::\\d{12}:role/?[a-zA-Z_0-9+=,.@\\-_/]+",
        400,
    )


def test_environment(lam: Any, role: str) -> None:
    reserved = {"AWS_REGION": "x", "AWS_ACCESS_KEY_ID": "y", "MINE": "z"}
    assert _refused(lam, role, Environment={"Variables": reserved}) == (
        "InvalidParameterValueException",
        "Lambda was unable to configure your environment variables because the environment "
        "variables you have provided contains reserved keys that are currently not supported "
        "for modification. Reserved keys used in this request: AWS_REGION, AWS_ACCESS_KEY_ID",
        400,
    )
    big = {"BIG": "x" * 4090}
    code, message, status = _refused(lam, role, Environment={"Variables": big})
    assert (code, status) == ("InvalidParameterValueException", 400)
    assert message == (
        "Lambda was unable to configure your environment variables because the environment "
        'variables you have provided exceeded the 4KB limit. String measured: {"BIG":"'
        + "x" * 4090
        + '"}'
    )
    assert _refused(lam, role, Environment={"Variables": {"1x": "secret"}}) == (
        "ValidationException",
        "1 validation error detected: Value at 'environment.variables' failed to satisfy "
        "constraint: Map keys must satisfy constraint: [Member must satisfy regular expression "
        "pattern: [a-zA-Z]([a-zA-Z0-9_])+]",
        400,
    )


def test_limits(unchecked: Any, role: str) -> None:
    lam = unchecked
    assert _refused(lam, role, Timeout=901) == (
        "ValidationException",
        "1 validation error detected: Value '901' at 'timeout' failed to satisfy constraint: "
        "Member must have value less than or equal to 900",
        400,
    )
    assert _refused(lam, role, Timeout=0, MemorySize=64) == (
        "ValidationException",
        "2 validation errors detected: Value '0' at 'timeout' failed to satisfy constraint: "
        "Member must have value greater than or equal to 1; Value '64' at 'memorySize' failed "
        "to satisfy constraint: Member must have value greater than or equal to 128",
        400,
    )
    assert _refused(lam, role, MemorySize=10241)[1].endswith(
        "Member must have value less than or equal to 10240"
    )
    assert _refused(lam, role, EphemeralStorage={"Size": 511}) == (
        "ValidationException",
        "1 validation error detected: Value '511' at 'ephemeralStorage.size' failed to satisfy "
        "constraint: Member must have value greater than or equal to 512",
        400,
    )
    code, message, _ = _refused(lam, role, FunctionName="x" * 65)
    assert code == "InvalidParameterValueException"
    assert message.endswith("Member must have length less than or equal to 64")


def test_unsupported_settings_are_refused_by_name(lam: Any, role: str) -> None:
    vpc = {"SubnetIds": ["subnet-1"], "SecurityGroupIds": ["sg-1"]}
    code, message, status = _refused(lam, role, VpcConfig=vpc)
    assert (code, status) == ("InvalidParameterValueException", 400)
    assert message.startswith("The VpcConfig setting is not supported by ownstack.")
    key = "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"
    assert _refused(lam, role, KMSKeyArn=key)[1].startswith("The KMSKeyArn setting")
    image = {"ImageUri": "123456789012.dkr.ecr.us-east-1.amazonaws.com/x:latest"}
    assert _refused(lam, role, PackageType="Image", Code=image)[1].startswith(
        "The PackageType Image setting is not supported by ownstack."
    )
    assert _refused(lam, role, SnapStart={"ApplyOn": "PublishedVersions"}) == (
        "InvalidParameterValueException",
        "python3.12 is not supported for SnapStart enabled functions.",
        400,
    )
    fs = [
        {
            "Arn": "arn:aws:elasticfilesystem:us-east-1:123456789012:access-point/"
            "fsap-0123456789abcdef0",
            "LocalMountPath": "/mnt/efs",
        }
    ]
    assert _refused(lam, role, FileSystemConfigs=fs)[1].startswith("The FileSystemConfigs setting")
    other = "arm64" if platform.machine() in ("x86_64", "AMD64") else "x86_64"
    code, message, _ = _refused(lam, role, Architectures=[other])
    assert code == "InvalidParameterValueException"
    assert message.startswith(f"The architecture {other} is not supported by ownstack")
    # An empty VpcConfig is how AWS's clients say "no VPC": accepted, nothing to ignore.
    assert _create(lam, role, VpcConfig={"SubnetIds": [], "SecurityGroupIds": []})["Version"]


def test_packages(unchecked: Any, role: str) -> None:
    lam = unchecked
    bad = (
        "InvalidParameterValueException",
        "Could not unzip uploaded file. Please check your file, then try to upload again.",
        400,
    )
    assert _refused(lam, role, Code={"ZipFile": b"not a zip"}) == bad
    escaping = io.BytesIO()
    with zipfile.ZipFile(escaping, "w") as archive:
        archive.writestr("../outside.py", "x = 1\n")
    assert _refused(lam, role, Code={"ZipFile": escaping.getvalue()}) == bad
    assert _refused(lam, role, Code={}) == (
        "InvalidParameterValueException",
        "Please provide a source for function code.",
        400,
    )
    huge = io.BytesIO()
    with zipfile.ZipFile(huge, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("zeros.bin", bytes(262_144_001))
    assert _refused(lam, role, Code={"ZipFile": huge.getvalue()}) == (
        "InvalidParameterValueException",
        "Unzipped size must be smaller than 262144000 bytes",
        400,
    )


def test_inline_zip_over_50_mb(lam: Any, role: str) -> None:
    assert _refused(lam, role, Code={"ZipFile": bytes(52_428_801)}) == (
        "RequestEntityTooLargeException",
        "Request must be smaller than 69905067 bytes for the CreateFunction operation",
        413,
    )
