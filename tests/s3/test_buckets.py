"""Bucket operations end to end: a real server driven by boto3."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from botocore.exceptions import ClientError
from s3kit import code_of


def unique(prefix: str = "b") -> str:
    return f"{prefix}-{uuid.uuid4().hex[:16]}"


def test_create_head_list_delete(s3: Any) -> None:
    name = unique()
    assert s3.create_bucket(Bucket=name)["Location"] == f"/{name}"
    head = s3.head_bucket(Bucket=name)
    assert head["ResponseMetadata"]["HTTPHeaders"]["x-amz-bucket-region"] == "us-east-1"
    assert head["BucketRegion"] == "us-east-1"
    assert s3.get_bucket_location(Bucket=name)["LocationConstraint"] is None
    listed = s3.list_buckets()
    names = [b["Name"] for b in listed["Buckets"]]
    assert name in names and names == sorted(names)
    entry = next(b for b in listed["Buckets"] if b["Name"] == name)
    assert entry["BucketRegion"] == "us-east-1"
    assert len(listed["Owner"]["ID"]) == 64
    assert s3.delete_bucket(Bucket=name)["ResponseMetadata"]["HTTPStatusCode"] == 204
    with pytest.raises(ClientError) as exc:
        s3.head_bucket(Bucket=name)
    assert code_of(exc) == ("404", 404)


def test_invalid_name(s3: Any) -> None:
    with pytest.raises(ClientError) as exc:
        s3.create_bucket(Bucket="bad..name")
    assert code_of(exc) == ("InvalidBucketName", 400)
    assert exc.value.response["Error"]["Message"] == "The specified bucket is not valid."
    assert exc.value.response["Error"]["BucketName"] == "bad..name"


def test_recreate_in_us_east_1_is_idempotent(s3: Any) -> None:
    name = unique()
    s3.create_bucket(Bucket=name)
    assert s3.create_bucket(Bucket=name)["Location"] == f"/{name}"


def test_location_constraint_us_east_1_rejected(s3: Any) -> None:
    with pytest.raises(ClientError) as exc:
        s3.create_bucket(
            Bucket=unique(), CreateBucketConfiguration={"LocationConstraint": "us-east-1"}
        )
    assert code_of(exc) == ("InvalidLocationConstraint", 400)


def test_delete_non_empty_and_missing(s3: Any) -> None:
    name = unique()
    s3.create_bucket(Bucket=name)
    s3.put_object(Bucket=name, Key="k", Body=b"x")
    with pytest.raises(ClientError) as exc:
        s3.delete_bucket(Bucket=name)
    assert code_of(exc) == ("BucketNotEmpty", 409)
    assert exc.value.response["Error"]["Message"] == "The bucket you tried to delete is not empty"
    s3.delete_object(Bucket=name, Key="k")
    s3.delete_bucket(Bucket=name)
    with pytest.raises(ClientError) as exc:
        s3.delete_bucket(Bucket=name)
    assert code_of(exc) == ("NoSuchBucket", 404)
    assert exc.value.response["Error"]["BucketName"] == name


def test_list_buckets_paging(s3: Any) -> None:
    prefix = f"pg-{uuid.uuid4().hex[:8]}"
    names = [f"{prefix}-{i}" for i in range(3)]
    for name in names:
        s3.create_bucket(Bucket=name)
    page = s3.list_buckets(Prefix=prefix, MaxBuckets=2)
    assert [b["Name"] for b in page["Buckets"]] == names[:2]
    rest = s3.list_buckets(Prefix=prefix, MaxBuckets=2, ContinuationToken=page["ContinuationToken"])
    assert [b["Name"] for b in rest["Buckets"]] == names[2:]
    assert "ContinuationToken" not in rest


def test_bucket_tagging(s3: Any) -> None:
    name = unique()
    s3.create_bucket(Bucket=name)
    with pytest.raises(ClientError) as exc:
        s3.get_bucket_tagging(Bucket=name)
    assert code_of(exc) == ("NoSuchTagSet", 404)
    assert exc.value.response["Error"]["Message"] == "The TagSet does not exist"
    tags = [{"Key": "env", "Value": "dev"}, {"Key": "team", "Value": "a b"}]
    put = s3.put_bucket_tagging(Bucket=name, Tagging={"TagSet": tags})
    assert put["ResponseMetadata"]["HTTPStatusCode"] == 204  # as S3: No Content
    assert s3.get_bucket_tagging(Bucket=name)["TagSet"] == tags
    resp = s3.delete_bucket_tagging(Bucket=name)
    assert resp["ResponseMetadata"]["HTTPStatusCode"] == 204
    with pytest.raises(ClientError):
        s3.get_bucket_tagging(Bucket=name)


def test_create_bucket_with_tags(s3: Any) -> None:
    name = unique()
    tags = [{"Key": "env", "Value": "dev"}]
    s3.create_bucket(Bucket=name, CreateBucketConfiguration={"Tags": tags})
    assert s3.get_bucket_tagging(Bucket=name)["TagSet"] == tags
    with pytest.raises(ClientError) as exc:
        s3.create_bucket(
            Bucket=unique(), CreateBucketConfiguration={"Tags": [{"Key": "a,b", "Value": "v"}]}
        )
    assert code_of(exc) == ("InvalidTag", 400)
