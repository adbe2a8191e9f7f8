"""Helpers for the bucket sub-resource and website tests: unique bucket names, a boto3 client
that sends what boto3 itself would refuse (to reach the server's own checks), and error
assertions that also show the bucket's document did not change."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

import pytest
from botocore.config import Config
from botocore.exceptions import ClientError


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:12]}"


def raw_client(server: Any) -> Any:
    """An S3 client without boto3's parameter validation (bad input reaches the server)."""
    return server.client("s3", config=Config(parameter_validation=False))


def refused(call: Callable[[], Any], code: str, status: int, message: str | None = None) -> Any:
    """Run `call`, expecting S3's error `code` with HTTP `status` (and `message`)."""
    with pytest.raises(ClientError) as info:
        call()
    response = info.value.response
    assert response["Error"]["Code"] == code, response
    assert response["ResponseMetadata"]["HTTPStatusCode"] == status, response
    if message is not None:
        assert response["Error"]["Message"] == message, response
    return response["Error"]


def without_metadata(response: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in response.items() if k != "ResponseMetadata"}


def put_public_policy(s3: Any, bucket: str, policy: str) -> None:
    """Put a policy that grants everyone something: new buckets block public policies (S3's
    default Block Public Access since April 2023), so lift the block first."""
    try:
        s3.delete_public_access_block(Bucket=bucket)
    except ClientError as exc:  # a server without Block Public Access has none to lift
        if exc.response["Error"]["Code"] != "NotImplemented":
            raise
    s3.put_bucket_policy(Bucket=bucket, Policy=policy)
