"""Helpers the S3 versioning tests share: a module's own server, buckets in a versioning
state, errors as (code, status, message), and correctly signed raw requests."""

from __future__ import annotations

import base64
import hashlib
import itertools
import urllib.error
import urllib.request
from typing import Any

import pytest
from botocore.auth import S3SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from botocore.exceptions import ClientError

_names = itertools.count()


def new_bucket(s3: Any, status: str | None = "Enabled", stem: str = "ver") -> str:
    """A fresh bucket, its versioning set to `status` (None: never versioned)."""
    name = f"{stem}-{next(_names)}"
    s3.create_bucket(Bucket=name)
    if status is not None:
        s3.put_bucket_versioning(Bucket=name, VersioningConfiguration={"Status": status})
    return name


def error_of(exc: pytest.ExceptionInfo[ClientError]) -> tuple[str, int, str]:
    err = exc.value.response
    return (
        err["Error"]["Code"],
        err["ResponseMetadata"]["HTTPStatusCode"],
        err["Error"].get("Message", ""),
    )


def headers_of(exc: pytest.ExceptionInfo[ClientError]) -> dict[str, str]:
    return dict(exc.value.response["ResponseMetadata"]["HTTPHeaders"])


def signed_raw(
    server: Any, method: str, path: str, body: bytes = b"", headers: dict[str, str] | None = None
) -> tuple[int, bytes, dict[str, str]]:
    """A correctly signed request with an arbitrary body (and its Content-MD5), via urllib."""
    url = f"{server.endpoint}{path}"
    sent = dict(headers or {})
    sent["Content-MD5"] = base64.b64encode(hashlib.md5(body).digest()).decode()
    req = AWSRequest(method=method, url=url, data=body, headers=sent)
    req.headers["x-amz-content-sha256"] = hashlib.sha256(body).hexdigest()
    credentials = Credentials(server.access_key, server.secret_key)
    S3SigV4Auth(credentials, "s3", server.region).add_auth(req)
    prepared = req.prepare()
    raw = urllib.request.Request(url, data=body, method=method, headers=dict(prepared.headers))
    try:
        with urllib.request.urlopen(raw, timeout=10) as resp:
            return resp.status, resp.read(), dict(resp.headers)
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read(), dict(exc.headers)


def versions_of(s3: Any, bucket: str, **kw: Any) -> list[tuple[str, str, bool, bool]]:
    """Every (key, version id, is latest, is delete marker), all pages: each page's versions
    in listed order, then its delete markers (boto3 keeps the two lists apart)."""
    out: list[tuple[str, str, bool, bool]] = []
    for page in s3.get_paginator("list_object_versions").paginate(Bucket=bucket, **kw):
        for v in page.get("Versions", []):
            out.append((v["Key"], v["VersionId"], v["IsLatest"], False))
        for m in page.get("DeleteMarkers", []):
            out.append((m["Key"], m["VersionId"], m["IsLatest"], True))
    return out
