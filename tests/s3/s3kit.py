"""Helpers the S3 tests share: a request context for direct service calls, running a
coroutine, capturing the ServiceError it raises, and reading an error's code from boto3."""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from typing import Any

import pytest
from botocore.exceptions import ClientError

from ownstack.core.context import Principal, RequestContext
from ownstack.core.errors import ServiceError

ACCOUNT = "123456789012"


def ctx(account: str = ACCOUNT, key: str = "AKIAX") -> RequestContext:
    """A root caller of `account` (key "" makes it anonymous)."""
    arn = f"arn:aws:iam::{account}:root"
    return RequestContext("t", account, "us-east-1", Principal(account, arn, account, key))


def run(coro: Coroutine[Any, Any, Any]) -> Any:
    return asyncio.run(coro)


def error(coro: Coroutine[Any, Any, Any]) -> ServiceError:
    with pytest.raises(ServiceError) as info:
        asyncio.run(coro)
    return info.value


def code_of(exc: pytest.ExceptionInfo[ClientError]) -> tuple[str, int]:
    err = exc.value.response
    return err["Error"]["Code"], err["ResponseMetadata"]["HTTPStatusCode"]
