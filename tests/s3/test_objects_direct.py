"""Object operations called directly on the service (memory backends, manual clock)."""

from __future__ import annotations

import base64
import hashlib
from datetime import UTC, datetime
from typing import Any

import pytest
from awscrt import checksums as crt
from s3kit import ACCOUNT, error, run

from ownstack.backends.memory import MemoryBlobs, MemoryMeta
from ownstack.core.clock import ManualClock
from ownstack.core.context import Principal, RequestContext
from ownstack.core.http import BytesBody
from ownstack.core.service import STATUS
from ownstack.ports.meta import Put
from ownstack.services.s3.base import S3Limits
from ownstack.services.s3.buckets import BucketOps
from ownstack.services.s3.objects import ObjectOps
from ownstack.services.s3.records import ObjectRecord, Segment, objects_ns

T0 = 1_700_000_000.25
T0_DT = datetime(2023, 11, 14, 22, 13, 20, tzinfo=UTC)  # S3 shows times to the second


class Svc(BucketOps, ObjectOps):
    pass


def ctx(account: str = ACCOUNT, key: str = "AKIAEXAMPLE") -> RequestContext:
    arn = f"arn:aws:iam::{account}:root"
    return RequestContext("t", account, "us-east-1", Principal(account, arn, account, key))


def md5_b64(data: bytes) -> str:
    return base64.b64encode(hashlib.md5(data).digest()).decode()


def crc32_b64(data: bytes) -> str:
    return base64.b64encode(crt.crc32(data).to_bytes(4, "big")).decode()


def crc64_b64(data: bytes) -> str:
    return base64.b64encode(crt.crc64nvme(data).to_bytes(8, "big")).decode()


class Chunked(BytesBody):
    """A body of unknown length with trailers (as an aws-chunked upload arrives)."""

    def __init__(self, data: bytes, trailers: dict[str, str]) -> None:
        super().__init__(data)
        self.trailers = trailers

    @property
    def content_length(self) -> int | None:
        return None


@pytest.fixture
def blobs() -> MemoryBlobs:
    return MemoryBlobs()


@pytest.fixture
def svc(blobs: MemoryBlobs) -> Svc:
    s = Svc(MemoryMeta(), blobs, ManualClock(T0), S3Limits(inline_max=16))
    run(s.create_bucket(ctx(), {"Bucket": "bkt"}))
    return s


def put(svc: Svc, key: str, data: bytes, **extra: Any) -> dict[str, Any]:
    params = {"Bucket": "bkt", "Key": key, "Body": BytesBody(data), **extra}
    result: dict[str, Any] = run(svc.put_object(ctx(), params))
    return result


def get(svc: Svc, key: str, **extra: Any) -> dict[str, Any]:
    result: dict[str, Any] = run(svc.get_object(ctx(), {"Bucket": "bkt", "Key": key, **extra}))
    return result


def body_bytes(body: Any) -> bytes:
    if isinstance(body, bytes):
        return body
    return b"".join(part for part in body)


@pytest.mark.parametrize("data", [b"small", b"a larger body that is not inline" * 3])
def test_put_get_roundtrip(svc: Svc, data: bytes) -> None:
    etag = f'"{hashlib.md5(data).hexdigest()}"'
    assert put(svc, "dir/k", data, ContentType="text/plain", Metadata={"Color": "red"}) == {
        "ETag": etag,
        "ChecksumCRC64NVME": crc64_b64(data),
        "ChecksumType": "FULL_OBJECT",
    }
    out = get(svc, "dir/k")
    assert body_bytes(out.pop("Body")) == data
    assert out == {
        "AcceptRanges": "bytes",
        "LastModified": T0_DT,
        "ETag": etag,
        "ContentType": "text/plain",
        "Metadata": {"color": "red"},
        "ContentLength": len(data),
    }


def test_inline_vs_blob_storage(svc: Svc, blobs: MemoryBlobs) -> None:
    put(svc, "small", b"0123456789abcdef")
    put(svc, "big", b"0123456789abcdefg")
    meta = svc.meta
    small = ObjectRecord.decode(run(meta.get(objects_ns(_bucket_id(svc)), "small")).value)
    big = ObjectRecord.decode(run(meta.get(objects_ns(_bucket_id(svc)), "big")).value)
    assert small.inline == b"0123456789abcdef" and small.segments == []
    assert big.inline is None and [s.size for s in big.segments] == [17]
    # Overwriting removes the old blob; deleting removes the new one.
    put(svc, "big", b"tiny")
    assert blobs._blobs == {}
    put(svc, "big", b"x" * 40)
    assert len(blobs._blobs) == 1
    run(svc.delete_object(ctx(), {"Bucket": "bkt", "Key": "big"}))
    assert blobs._blobs == {}


def _bucket_id(svc: Svc) -> str:
    return run(svc.bucket(ctx(), "bkt")).id  # type: ignore[no-any-return]


def test_head_and_stored_headers(svc: Svc) -> None:
    put(
        svc,
        "k",
        b"hello",
        CacheControl="no-cache",
        ContentDisposition="attachment",
        ContentEncoding="gzip",
        ContentLanguage="en",
        Tagging="a=1&b=2",
        StorageClass="STANDARD_IA",
    )
    out = run(svc.head_object(ctx(), {"Bucket": "bkt", "Key": "k"}))
    assert out == {
        "AcceptRanges": "bytes",
        "LastModified": T0_DT,
        "ETag": f'"{hashlib.md5(b"hello").hexdigest()}"',
        "ContentType": "binary/octet-stream",
        "CacheControl": "no-cache",
        "ContentDisposition": "attachment",
        "ContentEncoding": "gzip",
        "ContentLanguage": "en",
        "TagCount": 2,
        "StorageClass": "STANDARD_IA",
        "ContentLength": 5,
    }


@pytest.mark.parametrize(
    ("sent", "kept"), [("aws-chunked", None), ("gzip, aws-chunked", "gzip"), ("br,gzip", "br,gzip")]
)
def test_aws_chunked_is_dropped_from_the_kept_encoding(
    svc: Svc, sent: str, kept: str | None
) -> None:
    put(svc, "enc", b"x", ContentEncoding=sent)
    out = run(svc.head_object(ctx(), {"Bucket": "bkt", "Key": "enc"}))
    assert out.get("ContentEncoding") == kept


def test_missing_key_and_bucket(svc: Svc) -> None:
    err = error(svc.head_object(ctx(), {"Bucket": "bkt", "Key": "nope"}))
    assert (err.code, err.status, err.fields) == ("NoSuchKey", 404, {"Key": "nope"})
    err = error(svc.get_object(ctx(), {"Bucket": "nobkt", "Key": "k"}))
    assert (err.code, err.status) == ("NoSuchBucket", 404)
    err = error(svc.delete_object(ctx(), {"Bucket": "nobkt", "Key": "k"}))
    assert err.code == "NoSuchBucket"
    assert run(svc.delete_object(ctx(), {"Bucket": "bkt", "Key": "nope"})) == {}


@pytest.mark.parametrize("data", [b"0123456789", b"0123456789" * 5])
@pytest.mark.parametrize(
    ("header", "start", "end"),
    [
        ("bytes=0-3", 0, 4),
        ("bytes=2-", 2, None),
        ("bytes=-3", -3, None),
        ("bytes=5-1000", 5, None),
        ("bytes=-1000", 0, None),
    ],
)
def test_ranges(svc: Svc, data: bytes, header: str, start: int, end: int | None) -> None:
    put(svc, "r", data)
    out = get(svc, "r", Range=header)
    expected = data[start:end]
    first = start if start >= 0 else len(data) + start
    assert body_bytes(out["Body"]) == expected
    assert out[STATUS] == 206
    assert out["ContentLength"] == len(expected)
    assert out["ContentRange"] == f"bytes {first}-{first + len(expected) - 1}/{len(data)}"


@pytest.mark.parametrize("header", ["bytes=0-1,3-4", "bytes=5-2", "items=0-1", "bytes=x-1"])
def test_ignored_ranges_serve_whole_object(svc: Svc, header: str) -> None:
    put(svc, "r", b"0123456789")
    out = get(svc, "r", Range=header)
    assert body_bytes(out["Body"]) == b"0123456789"
    assert STATUS not in out and "ContentRange" not in out


@pytest.mark.parametrize("header", ["bytes=10-", "bytes=10-20", "bytes=-0"])
def test_unsatisfiable_range(svc: Svc, header: str) -> None:
    put(svc, "r", b"0123456789")
    err = error(svc.get_object(ctx(), {"Bucket": "bkt", "Key": "r", "Range": header}))
    assert (err.code, err.status, err.message) == (
        "InvalidRange",
        416,
        "The requested range is not satisfiable",
    )
    assert err.fields == {"RangeRequested": header, "ActualObjectSize": "10"}


def test_part_number_on_single_part_object(svc: Svc) -> None:
    put(svc, "p", b"abc")
    out = get(svc, "p", PartNumber=1)
    assert (body_bytes(out["Body"]), out[STATUS], out["ContentRange"]) == (
        b"abc",
        206,
        "bytes 0-2/3",
    )
    assert "PartsCount" not in out
    err = error(svc.get_object(ctx(), {"Bucket": "bkt", "Key": "p", "PartNumber": 2}))
    assert (err.code, err.status) == ("InvalidPartNumber", 416)


def test_part_number_on_multipart_record(svc: Svc, blobs: MemoryBlobs) -> None:
    # A completed multipart object: its segments are its part blobs.
    a = run(blobs.put(_aiter([b"A" * 20])))
    b = run(blobs.put(_aiter([b"B" * 5])))
    rec = ObjectRecord(
        size=25,
        etag='"abc-2"',
        last_modified=T0,
        part_sizes=[20, 5],
        segments=[Segment(a.id, 20), Segment(b.id, 5)],
    )
    run(svc.meta.commit([Put(objects_ns(_bucket_id(svc)), "mp", rec.encode())]))
    out = get(svc, "mp", PartNumber=2)
    assert (body_bytes(out["Body"]), out["ContentRange"], out["PartsCount"]) == (
        b"BBBBB",
        "bytes 20-24/25",
        2,
    )
    out = get(svc, "mp", Range="bytes=18-21")
    assert body_bytes(out["Body"]) == b"AABB"
    whole = get(svc, "mp")
    assert body_bytes(whole["Body"]) == b"A" * 20 + b"B" * 5


async def _aiter_gen(chunks: list[bytes]) -> Any:
    for c in chunks:
        yield c


def _aiter(chunks: list[bytes]) -> Any:
    return _aiter_gen(chunks)


def test_read_conditions(svc: Svc) -> None:
    etag = put(svc, "c", b"data")["ETag"]
    assert get(svc, "c", IfMatch=etag)["ETag"] == etag
    err = error(svc.get_object(ctx(), {"Bucket": "bkt", "Key": "c", "IfMatch": '"other"'}))
    assert (err.code, err.status, err.fields) == (
        "PreconditionFailed",
        412,
        {"Condition": "If-Match"},
    )
    err = error(svc.head_object(ctx(), {"Bucket": "bkt", "Key": "c", "IfNoneMatch": etag}))
    assert (err.code, err.status) == ("NotModified", 304)
    written = datetime.fromtimestamp(svc.clock.now(), UTC)  # not modified since it was written
    err = error(svc.get_object(ctx(), {"Bucket": "bkt", "Key": "c", "IfModifiedSince": written}))
    assert err.status == 304
    future = datetime(2100, 1, 1, tzinfo=UTC)  # after the server's clock: ignored
    assert get(svc, "c", IfModifiedSince=future)["ETag"] == etag
    earlier = datetime(2020, 1, 1, tzinfo=UTC)
    err = error(svc.get_object(ctx(), {"Bucket": "bkt", "Key": "c", "IfUnmodifiedSince": earlier}))
    assert (err.status, err.fields) == (412, {"Condition": "If-Unmodified-Since"})
    # If-Match true wins over a failing If-Unmodified-Since.
    assert get(svc, "c", IfMatch=etag, IfUnmodifiedSince=earlier)["ETag"] == etag


def test_checksums_verified_and_returned(svc: Svc) -> None:
    data = b"checksummed"
    out = put(svc, "x", data, ChecksumAlgorithm="CRC32", ChecksumCRC32=crc32_b64(data))
    assert out["ChecksumCRC32"] == crc32_b64(data)
    got = get(svc, "x", ChecksumMode="ENABLED")
    assert (got["ChecksumCRC32"], got["ChecksumType"]) == (crc32_b64(data), "FULL_OBJECT")
    assert "ChecksumCRC32" not in get(svc, "x")
    assert "ChecksumCRC32" not in get(svc, "x", ChecksumMode="ENABLED", Range="bytes=0-1")
    err = error(
        svc.put_object(
            ctx(),
            {
                "Bucket": "bkt",
                "Key": "y",
                "Body": BytesBody(data),
                "ChecksumCRC32": crc32_b64(b"no"),
            },
        )
    )
    assert (err.code, err.status, err.message) == (
        "BadDigest",
        400,
        "The CRC32 you specified did not match the calculated checksum.",
    )


def test_trailer_checksum_and_unknown_length(svc: Svc, blobs: MemoryBlobs) -> None:
    data = b"streamed with trailer"
    body = Chunked(data, {"x-amz-checksum-crc32": crc32_b64(data)})
    out = run(
        svc.put_object(
            ctx(), {"Bucket": "bkt", "Key": "t", "Body": body, "ChecksumAlgorithm": "CRC32"}
        )
    )
    assert out["ChecksumCRC32"] == crc32_b64(data)
    bad = Chunked(data, {"x-amz-checksum-crc32": crc32_b64(b"other")})
    params = {"Bucket": "bkt", "Key": "t2", "Body": bad, "ChecksumAlgorithm": "CRC32"}
    err = error(svc.put_object(ctx(), params))
    assert err.code == "BadDigest"
    undeclared = Chunked(data, {"x-amz-checksum-crc32": crc32_b64(data)})
    err = error(svc.put_object(ctx(), {"Bucket": "bkt", "Key": "t3", "Body": undeclared}))
    assert err.code == "InvalidRequest"
    assert len(blobs._blobs) == 1  # the failed upload's blob was removed


def test_content_md5(svc: Svc) -> None:
    assert put(svc, "m", b"abc", ContentMD5=md5_b64(b"abc"))["ETag"].startswith('"9001')
    err = error(
        svc.put_object(
            ctx(),
            {"Bucket": "bkt", "Key": "m", "Body": BytesBody(b"abc"), "ContentMD5": md5_b64(b"x")},
        )
    )
    assert (err.code, err.message) == (
        "BadDigest",
        "The Content-MD5 you specified did not match what we received.",
    )
    err = error(
        svc.put_object(
            ctx(), {"Bucket": "bkt", "Key": "m", "Body": BytesBody(b"abc"), "ContentMD5": "zz"}
        )
    )
    assert (err.code, err.message) == (
        "InvalidDigest",
        "The Content-MD5 you specified was invalid.",
    )


def test_conditional_writes(svc: Svc) -> None:
    first = put(svc, "w", b"one", IfNoneMatch="*")["ETag"]
    err = error(
        svc.put_object(
            ctx(), {"Bucket": "bkt", "Key": "w", "Body": BytesBody(b"2"), "IfNoneMatch": "*"}
        )
    )
    assert (err.code, err.status, err.fields) == (
        "PreconditionFailed",
        412,
        {"Condition": "If-None-Match"},
    )
    err = error(
        svc.put_object(
            ctx(), {"Bucket": "bkt", "Key": "w", "Body": BytesBody(b"2"), "IfMatch": '"bad"'}
        )
    )
    assert (err.code, err.status) == ("PreconditionFailed", 412)
    put(svc, "w", b"two", IfMatch=first)
    assert body_bytes(get(svc, "w")["Body"]) == b"two"
    err = error(
        svc.put_object(
            ctx(), {"Bucket": "bkt", "Key": "new", "Body": BytesBody(b"2"), "IfMatch": first}
        )
    )
    assert (err.code, err.status) == ("NoSuchKey", 404)


def test_key_and_metadata_limits(svc: Svc) -> None:
    err = error(svc.put_object(ctx(), {"Bucket": "bkt", "Key": "é" * 513, "Body": BytesBody(b"")}))
    assert (err.code, err.message, err.fields) == (
        "KeyTooLongError",
        "Your key is too long",
        {"Size": "1026", "MaxSizeAllowed": "1024"},
    )
    err = error(
        svc.put_object(
            ctx(),
            {"Bucket": "bkt", "Key": "k", "Body": BytesBody(b""), "Metadata": {"a": "x" * 2048}},
        )
    )
    assert (err.code, err.status) == ("MetadataTooLarge", 400)


def test_response_overrides_need_signed_request(svc: Svc) -> None:
    put(svc, "o", b"x")
    out = get(svc, "o", ResponseContentType="text/html", ResponseCacheControl="max-age=1")
    assert (out["ContentType"], out["CacheControl"]) == ("text/html", "max-age=1")
    anon = ctx(key="")
    err = error(svc.get_object(anon, {"Bucket": "bkt", "Key": "o", "ResponseContentType": "a/b"}))
    assert err.code == "InvalidRequest"


def test_empty_object(svc: Svc) -> None:
    assert put(svc, "e", b"")["ETag"] == '"d41d8cd98f00b204e9800998ecf8427e"'
    out = get(svc, "e")
    assert (body_bytes(out["Body"]), out["ContentLength"]) == (b"", 0)


def test_conditional_delete(svc: Svc) -> None:
    etag = put(svc, "d", b"x")["ETag"]
    err = error(svc.delete_object(ctx(), {"Bucket": "bkt", "Key": "d", "IfMatch": '"no"'}))
    assert (err.code, err.status) == ("PreconditionFailed", 412)
    assert run(svc.delete_object(ctx(), {"Bucket": "bkt", "Key": "d", "IfMatch": etag})) == {}
    err = error(svc.delete_object(ctx(), {"Bucket": "bkt", "Key": "d", "IfMatch": etag}))
    assert err.code == "NoSuchKey"


def test_storage_classes(svc: Svc) -> None:
    err = error(
        svc.put_object(
            ctx(), {"Bucket": "bkt", "Key": "s", "Body": BytesBody(b"x"), "StorageClass": "COLD"}
        )
    )
    assert (err.code, err.message) == (
        "InvalidStorageClass",
        "The storage class you specified is not valid",
    )
    put(svc, "g", b"x", StorageClass="GLACIER")
    err = error(svc.get_object(ctx(), {"Bucket": "bkt", "Key": "g"}))
    assert (err.code, err.status, err.fields) == (
        "InvalidObjectState",
        403,
        {"StorageClass": "GLACIER"},
    )
    assert run(svc.head_object(ctx(), {"Bucket": "bkt", "Key": "g"}))["StorageClass"] == "GLACIER"
