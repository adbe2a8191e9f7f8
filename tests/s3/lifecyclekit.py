"""Helpers of the S3 Lifecycle tests: a server whose lifecycle "day" is a second, waiting for a
condition, signed raw requests (documents boto3 cannot send), blob files on disk."""

from __future__ import annotations

import base64
import hashlib
import re
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from botocore.auth import S3SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from botocore.exceptions import ClientError

FAST_LIMITS = "limits:\n  s3: {lifecycle_interval_s: 1, lifecycle_day_s: 1}\n"
"""A lifecycle day of one second, a sweep every second (docs/s3-lifecycle.md)."""
_BLOB = re.compile(r"[0-9a-f]{32}")


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


def bucket(s3: Any, prefix: str = "lc") -> str:
    name = unique(prefix)
    s3.create_bucket(Bucket=name)
    return name


def wait_for(condition: Callable[[], bool], timeout: float = 20.0, what: str = "") -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"not within {timeout} s: {what}")
        time.sleep(0.2)


def keys(s3: Any, name: str, prefix: str = "") -> set[str]:
    out = s3.list_objects_v2(Bucket=name, Prefix=prefix)
    return {o["Key"] for o in out.get("Contents", [])}


def error_of(call: Callable[[], Any]) -> dict[str, Any]:
    """The error a boto3 call answers: Code, Message, status and the other fields."""
    with pytest.raises(ClientError) as info:
        call()
    err = dict(info.value.response["Error"])
    err["Status"] = info.value.response["ResponseMetadata"]["HTTPStatusCode"]
    return err


def signed(
    server: Any, method: str, path: str, body: bytes = b"", headers: dict[str, str] | None = None
) -> tuple[int, dict[str, str], bytes]:
    """A SigV4-signed request to the server (path-style), as raw bytes both ways."""
    all_headers = {"Content-MD5": base64.b64encode(hashlib.md5(body).digest()).decode()}
    all_headers.update(headers or {})
    request = AWSRequest(method=method, url=server.endpoint + path, data=body, headers=all_headers)
    creds = Credentials(server.access_key, server.secret_key)
    S3SigV4Auth(creds, "s3", server.region).add_auth(request)
    prepared = request.prepare()
    raw = urllib.request.Request(
        prepared.url, data=body or None, headers=dict(prepared.headers), method=method
    )
    try:
        with urllib.request.urlopen(raw, timeout=10) as resp:
            return resp.status, dict(resp.headers), resp.read()
    except urllib.error.HTTPError as err:
        return err.code, dict(err.headers), err.read()


def blob_files(data_dir: Path) -> set[str]:
    """The ids of the S3 blobs stored on disk (fs engine: <data>/blobs/ab/cd/<id>)."""
    root = data_dir / "blobs"
    return {p.name for p in root.glob("*/*/*") if _BLOB.fullmatch(p.name)}
