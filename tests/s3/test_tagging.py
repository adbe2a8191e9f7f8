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


def test_tag_errors_name_the_tag(server: Any) -> None:
    s3 = server.client("s3")
    bucket = f"tag-{uuid.uuid4().hex[:16]}"
    s3.create_bucket(Bucket=bucket)
    s3.put_object(Bucket=bucket, Key="k", Body=b"x")
    cases = [
        ([("Key1", "a"), ("Key1", "b")], "Cannot provide multiple Tags with the same key"),
        ([("a,b", "v")], "The TagKey you have provided is invalid"),
        ([("k", "v,w")], "The TagValue you have provided is invalid"),
    ]
    for pairs, message in cases:
        tagging = {"TagSet": [{"Key": k, "Value": v} for k, v in pairs]}
        for call in (
            lambda t: s3.put_bucket_tagging(Bucket=bucket, Tagging=t),
            lambda t: s3.put_object_tagging(Bucket=bucket, Key="k", Tagging=t),
        ):
            with pytest.raises(ClientError) as exc:
                call(tagging)
            err = exc.value.response["Error"]
            assert (err["Code"], err["Message"], err["TagKey"]) == (
                "InvalidTag",
                message,
                pairs[-1][0],
            )
    with pytest.raises(ClientError) as exc:
        s3.put_object_tagging(
            Bucket=bucket, Key="k", Tagging={"TagSet": [{"Key": "k", "Value": "v,w"}]}
        )
    assert exc.value.response["Error"]["TagValue"] == "v,w"
    # The same reserved prefix is refused in different words for a bucket and an object.
    aws_tag = {"TagSet": [{"Key": "aws:x", "Value": "v"}]}
    with pytest.raises(ClientError) as exc:
        s3.put_bucket_tagging(Bucket=bucket, Tagging=aws_tag)
    err = exc.value.response["Error"]
    assert err["Message"] == "System tags cannot be added/updated by requester"
    with pytest.raises(ClientError) as exc:
        s3.put_object_tagging(Bucket=bucket, Key="k", Tagging=aws_tag)
    assert exc.value.response["Error"]["Message"] == "Your TagKey cannot be prefixed with aws:"


def test_tagging_header_with_a_forbidden_character(server: Any) -> None:
    s3 = server.client("s3")
    bucket = f"tag-{uuid.uuid4().hex[:16]}"
    s3.create_bucket(Bucket=bucket)
    with pytest.raises(ClientError) as exc:
        s3.put_object(Bucket=bucket, Key="k", Body=b"", Tagging="k1=v1,k2=v2")
    err = exc.value.response["Error"]
    assert (err["Code"], err["ArgumentName"], err["ArgumentValue"]) == (
        "InvalidArgument",
        "x-amz-tagging",
        "k1=v1,k2=v2",
    )


def test_get_object_tagging_of_a_missing_key_names_bucket_and_key(server: Any) -> None:
    s3 = server.client("s3")
    bucket = f"tag-{uuid.uuid4().hex[:16]}"
    s3.create_bucket(Bucket=bucket)
    with pytest.raises(ClientError) as exc:
        s3.get_object_tagging(Bucket=bucket, Key="gone")
    assert exc.value.response["Error"]["Key"] == f"{bucket}/gone"
    with pytest.raises(ClientError) as exc:
        s3.delete_object_tagging(Bucket=bucket, Key="gone")
    assert exc.value.response["Error"]["Key"] == "gone"
