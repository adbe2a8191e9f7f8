"""Helpers of the IAM suite: AWS's error of a failing call, policy documents."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from botocore.exceptions import ClientError


def error_of(call: Callable[..., Any], **kw: Any) -> tuple[str, str, int]:
    """(code, message, HTTP status) of a call that must fail."""
    try:
        call(**kw)
    except ClientError as exc:
        err = exc.response["Error"]
        return err["Code"], err["Message"], exc.response["ResponseMetadata"]["HTTPStatusCode"]
    raise AssertionError("the call succeeded")


def document(*statements: dict[str, Any]) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


def allow(action: str | list[str], resource: str = "*") -> dict[str, Any]:
    return {"Effect": "Allow", "Action": action, "Resource": resource}


def deny(action: str | list[str], resource: str = "*") -> dict[str, Any]:
    return {"Effect": "Deny", "Action": action, "Resource": resource}


def trust(principal: dict[str, str]) -> str:
    return document({"Effect": "Allow", "Principal": principal, "Action": "sts:AssumeRole"})


LAMBDA_TRUST = trust({"Service": "lambda.amazonaws.com"})
