"""Bucket operations called directly on the service (memory backends, manual clock)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from s3kit import ACCOUNT, error, run

from ownstack.backends.memory import MemoryBlobs, MemoryMeta
from ownstack.core.clock import ManualClock
from ownstack.core.context import Principal, RequestContext
from ownstack.core.http import BytesBody
from ownstack.ports.meta import Put
from ownstack.services.s3.base import canonical_user_id
from ownstack.services.s3.buckets import BucketOps
from ownstack.services.s3.names import is_valid_bucket_name
from ownstack.services.s3.objects import ObjectOps
from ownstack.services.s3.records import UploadRecord, upload_key, uploads_ns

OTHER = "210987654321"


class Svc(BucketOps, ObjectOps):
    pass


def ctx(account: str = ACCOUNT, region: str = "us-east-1") -> RequestContext:
    arn = f"arn:aws:iam::{account}:root"
    return RequestContext("t", account, region, Principal(account, arn, account, "AKIAEXAMPLE"))


@pytest.fixture
def svc() -> Svc:
    return Svc(MemoryMeta(), MemoryBlobs(), ManualClock(1_700_000_000.5))


@pytest.mark.parametrize(
    "name",
    ["abc", "a" * 63, "my.bucket-1", "1bucket", "xn-a", "bucket-s3alias1", "a-b.c-d", "a--b.1"],
)
def test_valid_bucket_names(name: str) -> None:
    assert is_valid_bucket_name(name)


@pytest.mark.parametrize(
    "name",
    [
        "ab",
        "a" * 64,
        "Abc",
        "a_b",
        "-abc",
        "abc-",
        "a..b",
        "my.-bucket",  # a label may not start or end with a hyphen
        "my-.bucket",
        "192.168.5.4",
        "xn--abc",
        "sthree-abc",
        "amzn-s3-demo-bucket",
        "abc-s3alias",
        "abc--ol-s3",
        "abc.mrap",
        "abc--x-s3",
        "abc--table-s3",
    ],
)
def test_invalid_bucket_name_rejected(svc: Svc, name: str) -> None:
    err = error(svc.create_bucket(ctx(), {"Bucket": name}))
    assert (err.code, err.status, err.message) == (
        "InvalidBucketName",
        400,
        "The specified bucket is not valid.",
    )
    assert err.fields == {"BucketName": name}


def test_create_head_location_list(svc: Svc) -> None:
    assert run(svc.create_bucket(ctx(), {"Bucket": "zeta"})) == {"Location": "/zeta"}
    assert run(svc.create_bucket(ctx(), {"Bucket": "alpha"})) == {"Location": "/alpha"}
    assert run(svc.head_bucket(ctx(), {"Bucket": "alpha"})) == {
        "BucketRegion": "us-east-1",
        "AccessPointAlias": False,
    }
    assert run(svc.get_bucket_location(ctx(), {"Bucket": "alpha"})) == {"LocationConstraint": None}
    listing = run(svc.list_buckets(ctx(), {}))
    created = datetime(2023, 11, 14, 22, 13, 20, tzinfo=UTC)  # S3 shows whole seconds
    assert listing == {
        "Buckets": [
            {"Name": "alpha", "CreationDate": created, "BucketRegion": "us-east-1"},
            {"Name": "zeta", "CreationDate": created, "BucketRegion": "us-east-1"},
        ],
        "Owner": {"ID": canonical_user_id(ACCOUNT)},
    }


def test_list_buckets_pages_and_filters(svc: Svc) -> None:
    for name in ("b1", "b2", "b3", "c1"):
        name = name + "xx"
        run(svc.create_bucket(ctx(), {"Bucket": name}))
    run(svc.create_bucket(ctx(OTHER), {"Bucket": "b0xx"}))
    page = run(svc.list_buckets(ctx(), {"MaxBuckets": 2, "Prefix": "b"}))
    assert [b["Name"] for b in page["Buckets"]] == ["b1xx", "b2xx"]
    assert page["Prefix"] == "b"
    token = page["ContinuationToken"]
    page2 = run(
        svc.list_buckets(ctx(), {"MaxBuckets": 2, "Prefix": "b", "ContinuationToken": token})
    )
    assert [b["Name"] for b in page2["Buckets"]] == ["b3xx"]
    assert "ContinuationToken" not in page2
    other = run(svc.list_buckets(ctx(OTHER), {}))
    assert [b["Name"] for b in other["Buckets"]] == ["b0xx"]
    err = error(svc.list_buckets(ctx(), {"MaxBuckets": 0}))
    assert err.code == "InvalidArgument"


def test_recreate_own_bucket_us_east_1_is_ok_elsewhere_409(svc: Svc) -> None:
    run(svc.create_bucket(ctx(), {"Bucket": "mine"}))
    assert run(svc.create_bucket(ctx(), {"Bucket": "mine"})) == {"Location": "/mine"}
    eu = ctx(region="eu-west-1")
    cfg = {"LocationConstraint": "eu-west-1"}
    run(svc.create_bucket(eu, {"Bucket": "mine-eu", "CreateBucketConfiguration": cfg}))
    err = error(svc.create_bucket(eu, {"Bucket": "mine-eu", "CreateBucketConfiguration": cfg}))
    assert (err.code, err.status) == ("BucketAlreadyOwnedByYou", 409)
    assert err.fields == {"BucketName": "mine-eu"}
    assert run(svc.get_bucket_location(eu, {"Bucket": "mine-eu"})) == {
        "LocationConstraint": "eu-west-1"
    }


def test_bucket_of_other_account(svc: Svc) -> None:
    run(svc.create_bucket(ctx(), {"Bucket": "taken"}))
    err = error(svc.create_bucket(ctx(OTHER), {"Bucket": "taken"}))
    assert (err.code, err.status) == ("BucketAlreadyExists", 409)
    assert err.message.startswith("The requested bucket name is not available.")
    for call in (svc.head_bucket, svc.delete_bucket, svc.get_bucket_location):
        err = error(call(ctx(OTHER), {"Bucket": "taken"}))
        assert (err.code, err.status, err.message) == ("AccessDenied", 403, "Access Denied")
    err = error(svc.head_bucket(ctx(), {"Bucket": "taken", "ExpectedBucketOwner": OTHER}))
    assert err.code == "AccessDenied"


def test_location_constraints(svc: Svc) -> None:
    err = error(
        svc.create_bucket(
            ctx(),
            {"Bucket": "b-east", "CreateBucketConfiguration": {"LocationConstraint": "us-east-1"}},
        )
    )
    assert (err.code, err.message) == (
        "InvalidLocationConstraint",
        "The specified location-constraint is not valid",
    )
    err = error(svc.create_bucket(ctx(region="eu-west-1"), {"Bucket": "b-none"}))
    assert (err.code, err.status, err.message) == (
        "IllegalLocationConstraintException",
        400,
        "The unspecified location constraint is incompatible for the region specific endpoint"
        " this request was sent to.",
    )
    err = error(
        svc.create_bucket(
            ctx(region="eu-west-1"),
            {"Bucket": "b-x", "CreateBucketConfiguration": {"LocationConstraint": "us-west-2"}},
        )
    )
    assert err.message.startswith("The us-west-2 location constraint is incompatible")
    err = error(
        svc.create_bucket(
            ctx(), {"Bucket": "b-bad", "CreateBucketConfiguration": {"LocationConstraint": "mars"}}
        )
    )
    assert err.code == "InvalidLocationConstraint"


def test_delete_bucket(svc: Svc) -> None:
    run(svc.create_bucket(ctx(), {"Bucket": "full"}))
    run(svc.put_object(ctx(), {"Bucket": "full", "Key": "k", "Body": BytesBody(b"x")}))
    err = error(svc.delete_bucket(ctx(), {"Bucket": "full"}))
    assert (err.code, err.status, err.message) == (
        "BucketNotEmpty",
        409,
        "The bucket you tried to delete is not empty",
    )
    run(svc.delete_object(ctx(), {"Bucket": "full", "Key": "k"}))
    assert run(svc.delete_bucket(ctx(), {"Bucket": "full"})) == {}
    err = error(svc.head_bucket(ctx(), {"Bucket": "full"}))
    assert (err.code, err.status, err.fields) == ("NoSuchBucket", 404, {"BucketName": "full"})
    err = error(svc.delete_bucket(ctx(), {"Bucket": "full"}))
    assert err.code == "NoSuchBucket"
    # A re-created bucket starts empty.
    run(svc.create_bucket(ctx(), {"Bucket": "full"}))
    err = error(svc.get_object(ctx(), {"Bucket": "full", "Key": "k"}))
    assert err.code == "NoSuchKey"


def test_in_progress_upload_goes_with_the_bucket(svc: Svc) -> None:
    # S3 deletes a bucket with no objects; its in-progress uploads go with it (issue 16).
    run(svc.create_bucket(ctx(), {"Bucket": "mpu"}))
    bucket = run(svc.bucket(ctx(), "mpu"))
    key = upload_key("k", "u1")
    upload = UploadRecord(key="k", upload_id="u1", initiated=0.0)
    run(svc.meta.commit([Put(uploads_ns(bucket.id), key, upload.encode())]))
    assert run(svc.delete_bucket(ctx(), {"Bucket": "mpu"})) == {}
    assert run(svc.meta.scan(uploads_ns(bucket.id))) == []
