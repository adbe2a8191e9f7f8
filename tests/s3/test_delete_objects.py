"""DeleteObjects end to end: a real server driven by boto3."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from botocore.exceptions import ClientError


@pytest.fixture
def bucket(s3: Any) -> str:
    name = f"del-{uuid.uuid4().hex[:12]}"
    s3.create_bucket(Bucket=name)
    return name


def listed(s3: Any, bucket: str) -> list[str]:
    return [c["Key"] for c in s3.list_objects_v2(Bucket=bucket).get("Contents", [])]


def test_delete_objects_verbose(s3: Any, bucket: str) -> None:
    for key in ("a", "b/c", "big"):
        s3.put_object(Bucket=bucket, Key=key, Body=b"x" * (200_000 if key == "big" else 3))
    result = s3.delete_objects(
        Bucket=bucket,
        Delete={"Objects": [{"Key": "a"}, {"Key": "b/c"}, {"Key": "missing"}, {"Key": "big"}]},
    )
    assert [d["Key"] for d in result["Deleted"]] == ["a", "b/c", "missing", "big"]
    assert "Errors" not in result
    assert listed(s3, bucket) == []
    with pytest.raises(ClientError) as info:
        s3.get_object(Bucket=bucket, Key="big")
    assert info.value.response["Error"]["Code"] == "NoSuchKey"


def test_delete_objects_quiet(s3: Any, bucket: str) -> None:
    s3.put_object(Bucket=bucket, Key="a", Body=b"1")
    s3.put_object(Bucket=bucket, Key="keep", Body=b"1")
    result = s3.delete_objects(
        Bucket=bucket, Delete={"Objects": [{"Key": "a"}, {"Key": "zz"}], "Quiet": True}
    )
    assert "Deleted" not in result and "Errors" not in result
    assert listed(s3, bucket) == ["keep"]


def test_delete_objects_null_version(s3: Any, bucket: str) -> None:
    s3.put_object(Bucket=bucket, Key="a", Body=b"1")
    result = s3.delete_objects(
        Bucket=bucket, Delete={"Objects": [{"Key": "a", "VersionId": "null"}]}
    )
    assert result["Deleted"] == [{"Key": "a", "VersionId": "null"}]


def test_delete_objects_limit(s3: Any, bucket: str) -> None:
    objects = [{"Key": f"k{i:04d}"} for i in range(1001)]
    with pytest.raises(ClientError) as info:
        s3.delete_objects(Bucket=bucket, Delete={"Objects": objects})
    err = info.value.response
    assert err["Error"]["Code"] == "MalformedXML"
    assert err["ResponseMetadata"]["HTTPStatusCode"] == 400
    result = s3.delete_objects(Bucket=bucket, Delete={"Objects": objects[:1000], "Quiet": True})
    assert "Errors" not in result


def test_delete_objects_missing_bucket(s3: Any) -> None:
    with pytest.raises(ClientError) as info:
        s3.delete_objects(Bucket=f"nope-{uuid.uuid4().hex[:8]}", Delete={"Objects": [{"Key": "a"}]})
    assert info.value.response["Error"]["Code"] == "NoSuchBucket"
    assert info.value.response["ResponseMetadata"]["HTTPStatusCode"] == 404
