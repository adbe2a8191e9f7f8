"""Helpers of the S3 Object Lock tests: lock buckets, dates, errors as (code, status, message),
IAM users with a policy, clients that send no checksum, signed raw requests."""

from __future__ import annotations

import base64
import hashlib
import itertools
import json
import urllib.error
import urllib.request
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from botocore.auth import S3SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.config import Config
from botocore.credentials import Credentials
from botocore.exceptions import ClientError

PROTECTED = "Access Denied because object protected by object lock."
_names = itertools.count()


def name(stem: str = "lock") -> str:
    return f"{stem}-{next(_names)}-{datetime.now(UTC).strftime('%H%M%S%f')}"


def lock_bucket(s3: Any, default: dict[str, Any] | None = None) -> str:
    """A new bucket created with Object Lock enabled, with `default` retention if given."""
    bucket = name()
    s3.create_bucket(Bucket=bucket, ObjectLockEnabledForBucket=True)
    if default is not None:
        s3.put_object_lock_configuration(
            Bucket=bucket,
            ObjectLockConfiguration={
                "ObjectLockEnabled": "Enabled",
                "Rule": {"DefaultRetention": default},
            },
        )
    return bucket


def plain_bucket(s3: Any, versioning: str | None = None) -> str:
    bucket = name("plain")
    s3.create_bucket(Bucket=bucket)
    if versioning:
        s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": versioning})
    return bucket


def later(**delta: float) -> datetime:
    """A retain-until date `delta` from now, whole seconds (as headers carry it)."""
    return (datetime.now(UTC) + timedelta(**delta)).replace(microsecond=0)


def error_of(call: Callable[[], Any]) -> tuple[str, int, str]:
    with pytest.raises(ClientError) as info:
        call()
    err = info.value.response
    return (
        err["Error"]["Code"],
        err["ResponseMetadata"]["HTTPStatusCode"],
        err["Error"].get("Message", ""),
    )


def error_fields(call: Callable[[], Any]) -> dict[str, Any]:
    with pytest.raises(ClientError) as info:
        call()
    fields = dict(info.value.response["Error"])
    fields["Status"] = info.value.response["ResponseMetadata"]["HTTPStatusCode"]
    return fields


def versions(s3: Any, bucket: str, key: str | None = None) -> list[tuple[str, str]]:
    """(key, version id) of every version and delete marker, as listed."""
    out = s3.list_object_versions(Bucket=bucket, **({"Prefix": key} if key else {}))
    found = [(v["Key"], v["VersionId"]) for v in out.get("Versions", [])]
    found += [(m["Key"], m["VersionId"]) for m in out.get("DeleteMarkers", [])]
    return sorted(f for f in found if key is None or f[0] == key)


def no_checksum_client(server: Any, **kw: Any) -> Any:
    """A client that sends a body's checksum only where the operation requires one (so a
    PutObject or UploadPart carries neither Content-MD5 nor x-amz-checksum-*)."""
    config = Config(request_checksum_calculation="when_required")
    return server.client("s3", config=config, **kw)


def iam_user(server: Any, policy: dict[str, Any]) -> Any:
    """A new IAM user of the server's account with `policy` inline; its S3 client."""
    iam = server.client("iam")
    user = name("user")
    iam.create_user(UserName=user)
    iam.put_user_policy(UserName=user, PolicyName="p", PolicyDocument=json.dumps(policy))
    key = iam.create_access_key(UserName=user)["AccessKey"]
    return server.client(
        "s3", aws_access_key_id=key["AccessKeyId"], aws_secret_access_key=key["SecretAccessKey"]
    )


def allow(*actions: str) -> dict[str, Any]:
    return {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": list(actions), "Resource": "*"}],
    }


def signed_raw(
    server: Any, method: str, path: str, body: bytes, headers: dict[str, str] | None = None
) -> tuple[int, bytes]:
    """A correctly signed request (root keys) with an arbitrary body and its Content-MD5."""
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
            return resp.status, resp.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()
