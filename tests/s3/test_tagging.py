"""Object tagging end to end: a real server driven by boto3."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from botocore.exceptions import ClientError


def test_object_tagging(server: Any) -> None:
    s3 = server.client("s3")
    bucket = f"tag-{uuid.uuid4().hex[:16]}"
    s3.create_bucket(Bucket=bucket)
    s3.put_object(Bucket=bucket, Key="k", Body=b"x")
    assert s3.get_object_tagging(Bucket=bucket, Key="k")["TagSet"] == []
    tags = [{"Key": "b", "Value": "2"}, {"Key": "a", "Value": ""}]
    s3.put_object_tagging(Bucket=bucket, Key="k", Tagging={"TagSet": tags})
    assert s3.get_object_tagging(Bucket=bucket, Key="k")["TagSet"] == sorted(
        tags, key=lambda t: t["Key"]
    )  # in key order, whatever order they were sent in
    assert s3.get_object(Bucket=bucket, Key="k")["TagCount"] == 2
    resp = s3.delete_object_tagging(Bucket=bucket, Key="k")
    assert resp["ResponseMetadata"]["HTTPStatusCode"] == 204
    assert s3.get_object_tagging(Bucket=bucket, Key="k")["TagSet"] == []


def test_object_tag_errors(server: Any) -> None:
    s3 = server.client("s3")
    bucket = f"tag-{uuid.uuid4().hex[:16]}"
    s3.create_bucket(Bucket=bucket)
    s3.put_object(Bucket=bucket, Key="k", Body=b"x")
    eleven = [{"Key": f"k{i}", "Value": "v"} for i in range(11)]
    with pytest.raises(ClientError) as exc:
        s3.put_object_tagging(Bucket=bucket, Key="k", Tagging={"TagSet": eleven})
    err = exc.value.response["Error"]
    assert (err["Code"], err["Message"]) == ("BadRequest", "Object tags cannot be greater than 10")
    dup = [{"Key": "k", "Value": "1"}, {"Key": "k", "Value": "2"}]
    with pytest.raises(ClientError) as exc:
        s3.put_object_tagging(Bucket=bucket, Key="k", Tagging={"TagSet": dup})
    assert exc.value.response["Error"]["Code"] == "InvalidTag"
    with pytest.raises(ClientError) as exc:
        s3.get_object_tagging(Bucket=bucket, Key="missing")
    assert exc.value.response["Error"]["Code"] == "NoSuchKey"


def test_tagging_header_forms(server: Any) -> None:
    s3 = server.client("s3")
    bucket = f"tag-{uuid.uuid4().hex[:16]}"
    s3.create_bucket(Bucket=bucket)
    # A name with no "=" is a tag whose value is empty.
    s3.put_object(Bucket=bucket, Key="k", Body=b"x", Tagging="color=red&flag")
    tags = s3.get_object_tagging(Bucket=bucket, Key="k")["TagSet"]
    assert tags == [{"Key": "color", "Value": "red"}, {"Key": "flag", "Value": ""}]
    # A repeated name, or escapes that are not UTF-8, make the header itself invalid.
    for header in ("a=1&a=2", "a=%ff"):
        with pytest.raises(ClientError) as exc:
            s3.put_object(Bucket=bucket, Key="bad", Body=b"x", Tagging=header)
        err = exc.value.response["Error"]
        assert err["Code"] == "InvalidArgument", header
        assert err["Message"].startswith("The header 'x-amz-tagging' shall be encoded as UTF-8")
