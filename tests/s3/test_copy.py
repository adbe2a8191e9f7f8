"""CopyObject end to end: a real server driven by boto3."""

from __future__ import annotations

import hashlib
import uuid
from typing import Any

import pytest
from botocore.exceptions import ClientError
from s3kit import code_of


@pytest.fixture
def bucket(s3: Any) -> str:
    name = f"cp-{uuid.uuid4().hex[:16]}"
    s3.create_bucket(Bucket=name)
    return name


@pytest.mark.parametrize("size", [10, 300_000])
def test_copy(s3: Any, bucket: str, size: int) -> None:
    data = b"z" * size
    s3.put_object(Bucket=bucket, Key="src key", Body=data, Metadata={"m": "1"})
    out = s3.copy_object(Bucket=bucket, Key="dst", CopySource={"Bucket": bucket, "Key": "src key"})
    assert out["CopyObjectResult"]["ETag"] == f'"{hashlib.md5(data).hexdigest()}"'
    got = s3.get_object(Bucket=bucket, Key="dst")
    assert got["Body"].read() == data
    assert got["Metadata"] == {"m": "1"}


def test_copy_replace_and_self_copy(s3: Any, bucket: str) -> None:
    s3.put_object(Bucket=bucket, Key="a", Body=b"x", Metadata={"m": "1"})
    with pytest.raises(ClientError) as exc:
        s3.copy_object(Bucket=bucket, Key="a", CopySource=f"{bucket}/a")
    assert code_of(exc) == ("InvalidRequest", 400)
    s3.copy_object(
        Bucket=bucket,
        Key="a",
        CopySource=f"{bucket}/a",
        MetadataDirective="REPLACE",
        Metadata={"n": "2"},
        ContentType="text/plain",
    )
    head = s3.head_object(Bucket=bucket, Key="a")
    assert (head["Metadata"], head["ContentType"]) == ({"n": "2"}, "text/plain")


def test_copy_errors(s3: Any, bucket: str) -> None:
    with pytest.raises(ClientError) as exc:
        s3.copy_object(Bucket=bucket, Key="b", CopySource=f"{bucket}/missing")
    assert code_of(exc) == ("NoSuchKey", 404)
    etag = s3.put_object(Bucket=bucket, Key="a", Body=b"x")["ETag"]
    with pytest.raises(ClientError) as exc:
        s3.copy_object(Bucket=bucket, Key="b", CopySource=f"{bucket}/a", CopySourceIfNoneMatch=etag)
    assert code_of(exc) == ("PreconditionFailed", 412)


def test_copy_refuses_write_conditions_s3_does_not_take(s3: Any, bucket: str) -> None:
    s3.put_object(Bucket=bucket, Key="src", Body=b"source")
    for kwargs, header in (
        ({"IfMatch": "*"}, "If-Match"),
        ({"IfMatch": '"abc"', "IfNoneMatch": "*"}, "If-Match,If-None-Match"),
    ):
        with pytest.raises(ClientError) as exc:
            s3.copy_object(Bucket=bucket, Key="dst", CopySource=f"{bucket}/src", **kwargs)
        assert code_of(exc) == ("NotImplemented", 501)
        assert exc.value.response["Error"]["Header"] == header
    assert [o["Key"] for o in s3.list_objects_v2(Bucket=bucket)["Contents"]] == ["src"]
