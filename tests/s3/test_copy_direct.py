"""CopyObject called directly on the service (memory backends, manual clock)."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from typing import Any

import pytest
from s3kit import ctx, error, run

from ownstack.backends.memory import MemoryBlobs, MemoryMeta
from ownstack.core.clock import ManualClock
from ownstack.core.errors import ServiceError
from ownstack.core.http import BytesBody
from ownstack.services.s3.base import S3Limits
from ownstack.services.s3.buckets import BucketOps
from ownstack.services.s3.copy import CopyOps
from ownstack.services.s3.copy_source import CopySource, parse_copy_range, parse_copy_source
from ownstack.services.s3.objects import ObjectOps

OTHER = "210987654321"
T0 = 1_700_000_000.0


class Svc(BucketOps, ObjectOps, CopyOps):
    pass


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(T0)


@pytest.fixture
def svc(clock: ManualClock) -> Svc:
    s = Svc(MemoryMeta(), MemoryBlobs(), clock, S3Limits(inline_max=8))
    run(s.create_bucket(ctx(), {"Bucket": "src"}))
    run(s.create_bucket(ctx(), {"Bucket": "dst"}))
    return s


def put(svc: Svc, key: str, data: bytes, **extra: Any) -> dict[str, Any]:
    params = {"Bucket": "src", "Key": key, "Body": BytesBody(data), **extra}
    return run(svc.put_object(ctx(), params))  # type: ignore[no-any-return]


def copy(svc: Svc, source: str, key: str, **extra: Any) -> dict[str, Any]:
    params = {"Bucket": "dst", "Key": key, "CopySource": source, **extra}
    return run(svc.copy_object(ctx(), params))  # type: ignore[no-any-return]


def content(svc: Svc, bucket: str, key: str) -> bytes:
    out = run(svc.get_object(ctx(), {"Bucket": bucket, "Key": key}))
    body = out["Body"]
    return body if isinstance(body, bytes) else b"".join(body)


def test_parse_copy_source() -> None:
    assert parse_copy_source("/b/a%20key%3F/x") == CopySource("b", "a key?/x", None)
    assert parse_copy_source("b/k?versionId=null") == CopySource("b", "k", "null")
    for bad, message in (
        ("b", "Invalid copy source object key"),
        ("b/", "Invalid copy source object key"),
        ("/", "Invalid copy source bucket name"),
    ):
        with pytest.raises(ServiceError) as info:
            parse_copy_source(bad)
        assert (info.value.code, info.value.message) == ("InvalidArgument", message)


def test_parse_copy_range() -> None:
    assert parse_copy_range("bytes=0-9", 10) == (0, 10)
    assert parse_copy_range("bytes=3-3", 10) == (3, 4)
    for bad in ("bytes=0-", "bytes=-5", "bytes=5-2", "0-4"):
        with pytest.raises(ServiceError) as info:
            parse_copy_range(bad, 10)
        assert info.value.code == "InvalidArgument"
    with pytest.raises(ServiceError) as info:
        parse_copy_range("bytes=0-10", 10)
    assert info.value.message == "Range specified is not valid for source object of size: 10"


@pytest.mark.parametrize("data", [b"tiny", b"larger than inline limit"])
def test_copy_keeps_metadata(svc: Svc, clock: ManualClock, data: bytes) -> None:
    put(svc, "a", data, ContentType="text/x", Metadata={"k": "v"}, Tagging="t=1")
    clock.advance(10)
    out = copy(svc, "src/a", "b")
    etag = f'"{hashlib.md5(data).hexdigest()}"'
    result = out["CopyObjectResult"]
    assert (result["ETag"], result["LastModified"]) == (
        etag,
        datetime(2023, 11, 14, 22, 13, 30, tzinfo=UTC),
    )
    # The checksum value, but no ChecksumType: S3's CopyObjectResult carries none.
    assert set(result) == {"ETag", "LastModified", "ChecksumCRC64NVME"}
    head = run(svc.head_object(ctx(), {"Bucket": "dst", "Key": "b"}))
    assert (head["ContentType"], head["Metadata"], head["TagCount"]) == ("text/x", {"k": "v"}, 1)
    assert content(svc, "dst", "b") == data


def test_copy_replace_metadata_and_tags(svc: Svc) -> None:
    put(svc, "a", b"x", ContentType="text/x", Metadata={"k": "v"}, Tagging="t=1")
    copy(
        svc,
        "/src/a",
        "b",
        MetadataDirective="REPLACE",
        Metadata={"n": "w"},
        TaggingDirective="REPLACE",
        Tagging="u=2&v=3",
    )
    head = run(svc.head_object(ctx(), {"Bucket": "dst", "Key": "b"}))
    assert (head["ContentType"], head["Metadata"], head["TagCount"]) == (
        "binary/octet-stream",
        {"n": "w"},
        2,
    )


def test_copy_errors(svc: Svc) -> None:
    put(svc, "a", b"x")
    err = error(svc.copy_object(ctx(), {"Bucket": "dst", "Key": "b", "CopySource": "src/none"}))
    assert (err.code, err.status) == ("NoSuchKey", 404)
    err = error(svc.copy_object(ctx(), {"Bucket": "dst", "Key": "b", "CopySource": "nob/a"}))
    assert (err.code, err.status) == ("NoSuchBucket", 404)
    err = error(
        svc.copy_object(
            ctx(), {"Bucket": "dst", "Key": "b", "CopySource": "src/a", "MetadataDirective": "X"}
        )
    )
    assert (err.code, err.message) == ("InvalidArgument", "Unknown metadata directive.")
    err = error(svc.copy_object(ctx(), {"Bucket": "src", "Key": "a", "CopySource": "src/a"}))
    assert err.code == "InvalidRequest"
    assert err.message.startswith("This copy request is illegal because it is trying to copy")
    params = {"Bucket": "src", "Key": "a", "CopySource": "src/a", "MetadataDirective": "REPLACE"}
    assert "CopyObjectResult" in run(svc.copy_object(ctx(), params))


def test_copy_source_conditions(svc: Svc, clock: ManualClock) -> None:
    etag = put(svc, "a", b"x")["ETag"]
    clock.advance(3600)
    err = error(
        svc.copy_object(
            ctx(),
            {"Bucket": "dst", "Key": "b", "CopySource": "src/a", "CopySourceIfMatch": '"zz"'},
        )
    )
    assert (err.code, err.status, err.fields) == (
        "PreconditionFailed",
        412,
        {"Condition": "x-amz-copy-source-If-Match"},
    )
    err = error(
        svc.copy_object(
            ctx(),
            {"Bucket": "dst", "Key": "b", "CopySource": "src/a", "CopySourceIfNoneMatch": etag},
        )
    )
    assert (err.code, err.status) == ("PreconditionFailed", 412)
    since = datetime.fromtimestamp(T0 + 60, tz=UTC)  # after the write, before the clock
    err = error(
        svc.copy_object(
            ctx(),
            {
                "Bucket": "dst",
                "Key": "b",
                "CopySource": "src/a",
                "CopySourceIfModifiedSince": since,
            },
        )
    )
    assert err.status == 412
    # A date later than the server's clock is ignored, as for GET: the copy goes ahead.
    later = datetime.fromtimestamp(T0 + 7200, tz=UTC)
    assert copy(svc, "src/a", "b", CopySourceIfModifiedSince=later)["CopyObjectResult"]
    assert copy(svc, "src/a", "b", CopySourceIfMatch=etag)["CopyObjectResult"]["ETag"] == etag


def test_copy_from_other_account_denied(svc: Svc) -> None:
    run(svc.create_bucket(ctx(OTHER), {"Bucket": "theirs"}))
    err = error(svc.copy_object(ctx(), {"Bucket": "dst", "Key": "b", "CopySource": "theirs/a"}))
    assert (err.code, err.status) == ("AccessDenied", 403)
