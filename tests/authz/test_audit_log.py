"""The audit log through a real server: one CloudTrail-shaped record per denial and per call
that changes something; reads that succeed are not recorded; secrets never appear."""

from __future__ import annotations

import json
from typing import Any

import pytest
from authzkit import allow, doc, make_user, unique
from botocore.exceptions import ClientError


def test_denials_and_mutations_are_audited_reads_are_not(fresh_server: Any) -> None:
    server = fresh_server()
    iam, s3 = server.client("iam"), server.client("s3")
    bucket = unique("audit")
    s3.create_bucket(Bucket=bucket)
    s3.put_object(Bucket=bucket, Key="k", Body=b"secret body")
    s3.get_object(Bucket=bucket, Key="k")  # a successful read: not audited
    user = make_user(iam, inline=doc(allow("s3:GetObject", f"arn:aws:s3:::{bucket}/*")))
    with pytest.raises(ClientError):
        user.client(server, "s3").delete_object(Bucket=bucket, Key="k")
    server.stop()  # closing flushes and syncs what is queued

    records = [json.loads(line) for line in (server.data_dir / "audit" / "audit.log").open()]
    names = [r["eventName"] for r in records]
    assert "GetObject" not in names
    assert names[:2] == ["CreateBucket", "PutObject"]
    put = records[1]
    assert put["eventSource"] == "s3.amazonaws.com"
    assert put["userIdentity"]["type"] == "Root"
    assert put["requestParameters"]["Key"] == "k"
    assert "Body" not in put["requestParameters"]
    assert put["readOnly"] is False
    keys = next(r for r in records if r["eventName"] == "CreateAccessKey")
    assert keys["userIdentity"]["type"] == "Root" and "errorCode" not in keys
    assert user.secret_key not in json.dumps(records)
    denied = records[-1]
    assert denied["eventName"] == "DeleteObject"
    assert denied["errorCode"] == "AccessDenied"
    assert denied["userIdentity"]["type"] == "IAMUser"
    assert denied["userIdentity"]["arn"] == user.arn
    assert denied["userIdentity"]["accessKeyId"] == user.access_key
    assert denied["errorMessage"].startswith(f"User: {user.arn} is not authorized")
    assert denied["sourceIPAddress"] == "127.0.0.1"
    assert len({r["eventID"] for r in records}) == len(records)
