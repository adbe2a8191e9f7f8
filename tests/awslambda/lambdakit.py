"""Helpers of the Lambda tests: deployment packages, an execution role, error triples."""

from __future__ import annotations

import io
import json
import uuid
import zipfile
from typing import Any

TRUST_LAMBDA = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Allow",
            "Principal": {"Service": "lambda.amazonaws.com"},
            "Action": "sts:AssumeRole",
        }
    ],
}
HANDLER_CODE = "def handler(event, context):\n    return event\n"


def unique(prefix: str = "fn") -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


def make_zip(files: dict[str, str | bytes] | None = None) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in (files or {"index.py": HANDLER_CODE}).items():
            archive.writestr(name, content)
    return buf.getvalue()


def lambda_role(iam: Any, name: str | None = None, trust: dict[str, Any] | None = None) -> str:
    """A role Lambda may assume (or with `trust`, one that trusts whatever it says)."""
    role = iam.create_role(
        RoleName=name or unique("role"),
        AssumeRolePolicyDocument=json.dumps(trust or TRUST_LAMBDA),
    )
    return str(role["Role"]["Arn"])


def error_of(exc: Any) -> tuple[str, str, int]:
    response = exc.value.response
    return (
        response["Error"]["Code"],
        response["Error"]["Message"],
        response["ResponseMetadata"]["HTTPStatusCode"],
    )


def create(lam: Any, role: str, name: str | None = None, **extra: Any) -> dict[str, Any]:
    """A python3.12 function (waited until Active)."""
    name = name or unique()
    params: dict[str, Any] = {
        "FunctionName": name,
        "Runtime": "python3.12",
        "Role": role,
        "Handler": "index.handler",
        "Code": {"ZipFile": make_zip()},
    }
    params.update(extra)
    out: dict[str, Any] = lam.create_function(**params)
    lam.get_waiter("function_active_v2").wait(FunctionName=name)
    return out


def user_client(server: Any, iam: Any, policy: dict[str, Any], service: str = "lambda") -> Any:
    """A client signed as a new IAM user whose only inline policy is `policy`."""
    name = unique("user")
    iam.create_user(UserName=name)
    iam.put_user_policy(UserName=name, PolicyName="p", PolicyDocument=json.dumps(policy))
    key = iam.create_access_key(UserName=name)["AccessKey"]
    return server.client(
        service,
        aws_access_key_id=key["AccessKeyId"],
        aws_secret_access_key=key["SecretAccessKey"],
    )


def allow(*actions: str) -> dict[str, Any]:
    return {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": list(actions), "Resource": "*"}],
    }
