"""Multipart uploads called on the service directly (memory backends, a 5-byte minimum part)."""

from __future__ import annotations

import asyncio
import base64
import hashlib
from datetime import UTC, datetime
from typing import Any

import pytest
from awscrt import checksums as crt

from ownstack.backends.memory import MemoryBlobs, MemoryMeta
from ownstack.core.clock import ManualClock
from ownstack.core.context import Principal, RequestContext
from ownstack.core.errors import ServiceError
from ownstack.core.http import BytesBody
from ownstack.ports.meta import Put
from ownstack.services.s3.base import S3Limits, canonical_user_id
from ownstack.services.s3.multipart import MultipartOps
from ownstack.services.s3.records import (
    BUCKETS,
    BucketRecord,
    ObjectRecord,
    objects_ns,
    parts_ns,
    uploads_ns,
)

ACCOUNT = "123456789012"
CTX = RequestContext(
    request_id="t",
    account_id=ACCOUNT,
    region="us-east-1",
    principal=Principal(ACCOUNT, f"arn:aws:iam::{ACCOUNT}:root", ACCOUNT, "AKIAEXAMPLE"),
    host="localhost:9000",
)
BUCKET = BucketRecord(name="bkt", id="bid", account_id=ACCOUNT, region="us-east-1", created=1.0)
T0 = 1_700_000_000.0
NO_SUCH_UPLOAD = (
    "The specified upload does not exist. The upload ID may be invalid, or the upload may have"
    " been aborted or completed."
)


def md5(data: bytes) -> bytes:
    return hashlib.md5(data).digest()


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


class Env:
    def __init__(self) -> None:
        self.meta = MemoryMeta()
        self.blobs = MemoryBlobs()
        self.clock = ManualClock(T0)
        self.svc = MultipartOps(self.meta, self.blobs, self.clock, S3Limits(min_part_size=5))
        asyncio.run(self.meta.commit([Put(BUCKETS, BUCKET.name, BUCKET.encode())]))

    def call(self, op: str, **params: Any) -> dict[str, Any]:
        result: dict[str, Any] = asyncio.run(
            getattr(self.svc, op)(CTX, {"Bucket": "bkt", **params})
        )
        return result

    def error(self, op: str, **params: Any) -> ServiceError:
        with pytest.raises(ServiceError) as info:
            self.call(op, **params)
        return info.value

    def create(self, key: str = "k", **params: Any) -> str:
        upload_id: str = self.call("create_multipart_upload", Key=key, **params)["UploadId"]
        return upload_id

    def part(self, upload_id: str, number: int, data: bytes, key: str = "k", **params: Any) -> str:
        result = self.call(
            "upload_part",
            Key=key,
            UploadId=upload_id,
            PartNumber=number,
            Body=BytesBody(data),
            **params,
        )
        etag: str = result["ETag"]
        return etag

    def complete(
        self, upload_id: str, parts: list[dict[str, Any]], key: str = "k", **params: Any
    ) -> dict[str, Any]:
        return self.call(
            "complete_multipart_upload",
            Key=key,
            UploadId=upload_id,
            MultipartUpload={"Parts": parts},
            **params,
        )

    def object(self, key: str = "k") -> ObjectRecord:
        rec = asyncio.run(self.meta.get(objects_ns(BUCKET.id), key))
        assert rec is not None
        return ObjectRecord.decode(rec.value)

    def blob_count(self) -> int:
        return len(self.blobs._blobs)

    def read(self, key: str = "k") -> bytes:
        obj = self.object(key)
        out = b""
        for seg in obj.segments:
            out += asyncio.run(self.blobs.open_range(seg.blob_id, 0, seg.size))  # type: ignore[operator]
        return out


@pytest.fixture
def env() -> Env:
    return Env()


def test_create_upload_complete(env: Env) -> None:
    upload_id = env.create(
        ContentType="text/plain",
        Metadata={"Color": "blue"},
        CacheControl="no-cache",
        Tagging="a=1&b=2",
    )
    assert len(upload_id) >= 32
    datas = [b"A" * 6, b"B" * 7, b"C" * 2]
    etags = [env.part(upload_id, i + 1, d) for i, d in enumerate(datas)]
    assert etags == [f'"{md5(d).hex()}"' for d in datas]
    result = env.complete(
        upload_id, [{"PartNumber": i + 1, "ETag": e} for i, e in enumerate(etags)]
    )
    expected_etag = f'"{hashlib.md5(b"".join(md5(d) for d in datas)).hexdigest()}-3"'
    # No algorithm named: the object still gets S3's default full-object CRC64NVME.
    default = base64.b64encode(crt.crc64nvme(b"".join(datas)).to_bytes(8, "big")).decode()
    assert result == {
        "Location": "http://localhost:9000/bkt/k",
        "Bucket": "bkt",
        "Key": "k",
        "ETag": expected_etag,
        "ChecksumCRC64NVME": default,
        "ChecksumType": "FULL_OBJECT",
    }
    obj = env.object()
    assert (obj.size, obj.etag, obj.part_sizes) == (15, expected_etag, [6, 7, 2])
    assert obj.content_type == "text/plain"
    assert obj.metadata == {"color": "blue"}
    assert obj.headers == {"CacheControl": "no-cache"}
    assert obj.tags == {"a": "1", "b": "2"}
    assert obj.last_modified == T0
    assert env.read() == b"".join(datas)
    assert env.call("list_multipart_uploads").get("Uploads") is None
    assert asyncio.run(env.meta.scan(parts_ns(BUCKET.id, upload_id))) == []
    assert asyncio.run(env.meta.scan(uploads_ns(BUCKET.id))) == []
    err = env.error("list_parts", Key="k", UploadId=upload_id)
    assert (err.code, err.status, err.message) == ("NoSuchUpload", 404, NO_SUCH_UPLOAD)


def test_part_number_bounds(env: Env) -> None:
    upload_id = env.create()
    for bad in (0, 10001, -1):
        err = env.error(
            "upload_part", Key="k", UploadId=upload_id, PartNumber=bad, Body=BytesBody(b"x")
        )
        assert (err.code, err.status, err.message) == (
            "InvalidArgument",
            400,
            "Part number must be an integer between 1 and 10000, inclusive",
        )
    assert env.part(upload_id, 10000, b"x") == f'"{md5(b"x").hex()}"'


def test_no_such_upload_everywhere(env: Env) -> None:
    upload_id = env.create("k")
    calls: list[tuple[str, dict[str, Any]]] = [
        ("upload_part", {"PartNumber": 1, "Body": BytesBody(b"x")}),
        ("list_parts", {}),
        ("abort_multipart_upload", {}),
        (
            "complete_multipart_upload",
            {"MultipartUpload": {"Parts": [{"PartNumber": 1, "ETag": "x"}]}},
        ),
    ]
    for op, extra in calls:
        err = env.error(op, Key="k", UploadId="nope", **extra)
        assert (err.code, err.status, err.message) == ("NoSuchUpload", 404, NO_SUCH_UPLOAD)
        assert err.fields == {"UploadId": "nope"}
        # The right upload id under another key does not exist either.
        assert env.error(op, Key="other", UploadId=upload_id, **extra).code == "NoSuchUpload"


def test_reupload_replaces_part_and_frees_old_blob(env: Env) -> None:
    upload_id = env.create()
    env.part(upload_id, 1, b"first!")
    assert env.blob_count() == 1
    etag = env.part(upload_id, 1, b"second")
    assert env.blob_count() == 1
    parts = env.call("list_parts", Key="k", UploadId=upload_id)["Parts"]
    assert [(p["PartNumber"], p["ETag"], p["Size"]) for p in parts] == [(1, etag, 6)]


def test_complete_errors(env: Env) -> None:
    upload_id = env.create()
    e1 = env.part(upload_id, 1, b"12345")
    e2 = env.part(upload_id, 2, b"123")
    e3 = env.part(upload_id, 3, b"1")
    err = env.error(
        "complete_multipart_upload", Key="k", UploadId=upload_id, MultipartUpload={"Parts": []}
    )
    assert (err.code, err.status) == ("MalformedXML", 400)
    err = env.error("complete_multipart_upload", Key="k", UploadId=upload_id)
    assert err.code == "MalformedXML"
    err = env.error(
        "complete_multipart_upload",
        Key="k",
        UploadId=upload_id,
        MultipartUpload={"Parts": [{"PartNumber": 2, "ETag": e2}, {"PartNumber": 1, "ETag": e1}]},
    )
    assert (err.code, err.status, err.message) == (
        "InvalidPartOrder",
        400,
        "The list of parts was not in ascending order. Parts must be ordered by part number.",
    )
    err = env.error(
        "complete_multipart_upload",
        Key="k",
        UploadId=upload_id,
        MultipartUpload={"Parts": [{"PartNumber": 1, "ETag": e1}, {"PartNumber": 1, "ETag": e1}]},
    )
    assert err.code == "InvalidPartOrder"
    err = env.error(
        "complete_multipart_upload",
        Key="k",
        UploadId=upload_id,
        MultipartUpload={"Parts": [{"PartNumber": 1, "ETag": e2}]},
    )
    assert (err.code, err.status) == ("InvalidPart", 400)
    assert err.message == (
        "One or more of the specified parts could not be found.  The part may not have been"
        " uploaded, or the specified entity tag may not have matched the part's entity tag."
    )
    assert err.fields == {"UploadId": upload_id, "PartNumber": "1", "ETag": e2}
    err = env.error(
        "complete_multipart_upload",
        Key="k",
        UploadId=upload_id,
        MultipartUpload={"Parts": [{"PartNumber": 4, "ETag": e1}]},
    )
    assert err.code == "InvalidPart"
    err = env.error(
        "complete_multipart_upload",
        Key="k",
        UploadId=upload_id,
        MultipartUpload={"Parts": [{"PartNumber": 2, "ETag": e2}, {"PartNumber": 3, "ETag": e3}]},
    )
    assert (err.code, err.status, err.message) == (
        "EntityTooSmall",
        400,
        "Your proposed upload is smaller than the minimum allowed size",
    )
    assert err.fields == {
        "ProposedSize": "3",
        "MinSizeAllowed": "5",
        "PartNumber": "2",
        "ETag": e2.strip('"'),
    }
    # The upload survives every failed completion; unquoted ETags are accepted.
    result = env.complete(
        upload_id, [{"PartNumber": 1, "ETag": e1.strip('"')}, {"PartNumber": 3, "ETag": e3}]
    )
    assert result["ETag"].endswith('-2"')
    assert env.read() == b"123451"
    # Part 2 was not listed: its blob is gone, only the object's two remain.
    assert env.blob_count() == 2


def test_complete_replaces_object_and_frees_its_blobs(env: Env) -> None:
    for data in (b"old-data", b"new-data"):
        upload_id = env.create()
        etag = env.part(upload_id, 1, data)
        env.complete(upload_id, [{"PartNumber": 1, "ETag": etag}])
    assert env.read() == b"new-data"
    assert env.blob_count() == 1


def test_complete_conditions(env: Env) -> None:
    upload_id = env.create()
    etag = env.part(upload_id, 1, b"data")
    parts = [{"PartNumber": 1, "ETag": etag}]
    err = env.error(
        "complete_multipart_upload",
        Key="k",
        UploadId=upload_id,
        MultipartUpload={"Parts": parts},
        IfMatch='"abc"',
    )
    assert (err.code, err.status) == ("NoSuchKey", 404)
    first = env.complete(upload_id, parts, IfNoneMatch="*")
    upload_id = env.create()
    etag = env.part(upload_id, 1, b"more")
    parts = [{"PartNumber": 1, "ETag": etag}]
    err = env.error(
        "complete_multipart_upload",
        Key="k",
        UploadId=upload_id,
        MultipartUpload={"Parts": parts},
        IfNoneMatch="*",
    )
    assert (err.code, err.status, err.fields) == (
        "PreconditionFailed",
        412,
        {"Condition": "If-None-Match"},
    )
    err = env.error(
        "complete_multipart_upload",
        Key="k",
        UploadId=upload_id,
        MultipartUpload={"Parts": parts},
        IfMatch='"other"',
    )
    assert (err.code, err.status, err.fields) == (
        "PreconditionFailed",
        412,
        {"Condition": "If-Match"},
    )
    env.complete(upload_id, parts, IfMatch=first["ETag"])
    assert env.read() == b"more"


def test_abort_frees_parts(env: Env) -> None:
    upload_id = env.create()
    env.part(upload_id, 1, b"abc")
    env.part(upload_id, 2, b"def")
    assert env.call("abort_multipart_upload", Key="k", UploadId=upload_id) == {}
    assert env.blob_count() == 0
    assert asyncio.run(env.meta.scan(parts_ns(BUCKET.id, upload_id))) == []
    assert env.error("abort_multipart_upload", Key="k", UploadId=upload_id).code == "NoSuchUpload"


def test_list_parts_paging_and_owner(env: Env) -> None:
    upload_id = env.create(StorageClass="STANDARD_IA")
    for n in (1, 2, 5):
        env.part(upload_id, n, bytes([n]) * n)
    page = env.call("list_parts", Key="k", UploadId=upload_id, MaxParts=2)
    owner = {"ID": canonical_user_id(ACCOUNT)}
    assert page == {
        "Bucket": "bkt",
        "Key": "k",
        "UploadId": upload_id,
        "PartNumberMarker": 0,
        "NextPartNumberMarker": 2,
        "MaxParts": 2,
        "IsTruncated": True,
        "Initiator": owner,
        "Owner": owner,
        "StorageClass": "STANDARD_IA",
        "Parts": [
            {
                "PartNumber": 1,
                "LastModified": datetime.fromtimestamp(T0, tz=UTC),
                "ETag": f'"{md5(bytes([1])).hex()}"',
                "Size": 1,
            },
            {
                "PartNumber": 2,
                "LastModified": datetime.fromtimestamp(T0, tz=UTC),
                "ETag": f'"{md5(bytes([2]) * 2).hex()}"',
                "Size": 2,
            },
        ],
    }
    rest = env.call("list_parts", Key="k", UploadId=upload_id, MaxParts=2, PartNumberMarker=2)
    assert [p["PartNumber"] for p in rest["Parts"]] == [5]
    assert rest["IsTruncated"] is False and rest["NextPartNumberMarker"] == 5


def test_list_multipart_uploads(env: Env) -> None:
    ids = {}
    for key in ("a/1", "a/2", "b", "c"):
        ids[key] = env.create(key)
    b_ids = [ids["b"]]
    for _ in range(5):
        # Uploads of one key list in initiation order, whatever their random part.
        env.clock.advance(0.001)
        b_ids.append(env.create("b"))
    all_uploads = env.call("list_multipart_uploads")
    assert [(u["Key"], u["UploadId"]) for u in all_uploads["Uploads"]] == [
        ("a/1", ids["a/1"]),
        ("a/2", ids["a/2"]),
        *(("b", b) for b in b_ids),
        ("c", ids["c"]),
    ]
    first = all_uploads["Uploads"][0]
    assert first["Initiated"] == datetime.fromtimestamp(T0, tz=UTC)
    assert first["StorageClass"] == "STANDARD"
    assert first["Owner"] == first["Initiator"] == {"ID": canonical_user_id(ACCOUNT)}
    assert all_uploads["IsTruncated"] is False and all_uploads["MaxUploads"] == 1000
    grouped = env.call("list_multipart_uploads", Delimiter="/", MaxUploads=2)
    assert [c["Prefix"] for c in grouped["CommonPrefixes"]] == ["a/"]
    assert [u["Key"] for u in grouped["Uploads"]] == ["b"]
    assert grouped["IsTruncated"] is True
    assert (grouped["NextKeyMarker"], grouped["NextUploadIdMarker"]) == ("b", b_ids[0])
    rest = env.call("list_multipart_uploads", Delimiter="/", KeyMarker="b", UploadIdMarker=b_ids[0])
    assert [(u["Key"], u["UploadId"]) for u in rest["Uploads"]] == [
        *(("b", b) for b in b_ids[1:]),
        ("c", ids["c"]),
    ]
    after_b = env.call("list_multipart_uploads", KeyMarker="b")
    assert [u["Key"] for u in after_b["Uploads"]] == ["c"]
    after_prefix = env.call("list_multipart_uploads", KeyMarker="a/", Delimiter="/")
    assert [u["Key"] for u in after_prefix["Uploads"]] == ["b"] * 6 + ["c"]
    prefixed = env.call("list_multipart_uploads", Prefix="a/", EncodingType="url")
    assert [u["Key"] for u in prefixed["Uploads"]] == ["a/1", "a/2"]
    assert prefixed["EncodingType"] == "url"


def test_composite_crc32_checksum(env: Env) -> None:
    created = env.call("create_multipart_upload", Key="k", ChecksumAlgorithm="CRC32")
    assert (created["ChecksumAlgorithm"], created["ChecksumType"]) == ("CRC32", "COMPOSITE")
    upload_id = created["UploadId"]
    datas = [b"hello", b"world!"]
    crcs = [crt.crc32(d).to_bytes(4, "big") for d in datas]
    results = [
        env.call(
            "upload_part",
            Key="k",
            UploadId=upload_id,
            PartNumber=i + 1,
            Body=BytesBody(d),
            ChecksumAlgorithm="CRC32",
        )
        for i, d in enumerate(datas)
    ]
    assert [r["ChecksumCRC32"] for r in results] == [b64(c) for c in crcs]
    parts = [
        {"PartNumber": i + 1, "ETag": r["ETag"], "ChecksumCRC32": r["ChecksumCRC32"]}
        for i, r in enumerate(results)
    ]
    missing = env.error(
        "complete_multipart_upload",
        Key="k",
        UploadId=upload_id,
        MultipartUpload={"Parts": [{"PartNumber": 1, "ETag": results[0]["ETag"]}, parts[1]]},
    )
    assert (missing.code, missing.message) == (
        "InvalidRequest",
        "The upload was created using a crc32 checksum. The complete request must include the"
        " checksum for each part. It was missing for part 1 in the request.",
    )
    wrong = dict(parts[0], ChecksumCRC32=b64(b"\0\0\0\0"))
    assert (
        env.error(
            "complete_multipart_upload",
            Key="k",
            UploadId=upload_id,
            MultipartUpload={"Parts": [wrong, parts[1]]},
        ).code
        == "InvalidPart"
    )
    result = env.complete(upload_id, parts)
    expected = f"{b64(crt.crc32(b''.join(crcs)).to_bytes(4, 'big'))}-2"
    assert result["ChecksumCRC32"] == expected
    assert result["ChecksumType"] == "COMPOSITE"
    obj = env.object()
    assert (obj.checksums, obj.checksum_type) == ({"ChecksumCRC32": expected}, "COMPOSITE")


@pytest.mark.parametrize(
    ("algorithm", "func", "width"),
    [("CRC32", crt.crc32, 4), ("CRC32C", crt.crc32c, 4), ("CRC64NVME", crt.crc64nvme, 8)],
)
def test_full_object_checksum(env: Env, algorithm: str, func: Any, width: int) -> None:
    kind = {} if algorithm == "CRC64NVME" else {"ChecksumType": "FULL_OBJECT"}
    created = env.call("create_multipart_upload", Key="k", ChecksumAlgorithm=algorithm, **kind)
    assert created["ChecksumType"] == "FULL_OBJECT"
    upload_id = created["UploadId"]
    datas = [b"x" * 100, b"y" * 37, b"zz"]
    etags = [env.part(upload_id, i + 1, d) for i, d in enumerate(datas)]
    whole = b64(func(b"".join(datas)).to_bytes(width, "big"))
    bad = env.error(
        "complete_multipart_upload",
        Key="k",
        UploadId=upload_id,
        MultipartUpload={"Parts": [{"PartNumber": i + 1, "ETag": e} for i, e in enumerate(etags)]},
        **{f"Checksum{algorithm}": b64(b"\1" * width)},
    )
    assert (bad.code, bad.message) == (
        "BadDigest",
        f"The {algorithm} you specified did not match the calculated checksum.",
    )
    result = env.complete(
        upload_id,
        [{"PartNumber": i + 1, "ETag": e} for i, e in enumerate(etags)],
        **{f"Checksum{algorithm}": whole},
    )
    assert result[f"Checksum{algorithm}"] == whole
    assert result["ChecksumType"] == "FULL_OBJECT"


def test_invalid_checksum_combinations(env: Env) -> None:
    err = env.error(
        "create_multipart_upload", Key="k", ChecksumAlgorithm="SHA256", ChecksumType="FULL_OBJECT"
    )
    assert (err.code, err.message) == (
        "InvalidRequest",
        "The FULL_OBJECT checksum type cannot be used with the sha256 checksum algorithm.",
    )
    err = env.error(
        "create_multipart_upload", Key="k", ChecksumAlgorithm="CRC64NVME", ChecksumType="COMPOSITE"
    )
    assert err.message == (
        "The COMPOSITE checksum type cannot be used with the crc64nvme checksum algorithm."
    )
    err = env.error("create_multipart_upload", Key="k", ChecksumType="COMPOSITE")
    assert err.code == "InvalidRequest"
    upload_id = env.create(ChecksumAlgorithm="SHA256")
    err = env.error(
        "upload_part",
        Key="k",
        UploadId=upload_id,
        PartNumber=1,
        Body=BytesBody(b"abc"),
        ChecksumCRC32=b64(crt.crc32(b"abc").to_bytes(4, "big")),
    )
    assert (err.code, err.message) == (
        "InvalidRequest",
        "Checksum Type mismatch occurred, expected checksum Type: sha256, actual checksum Type:"
        " crc32",
    )
    assert env.blob_count() == 0


def test_bad_content_md5_keeps_nothing(env: Env) -> None:
    upload_id = env.create()
    err = env.error(
        "upload_part",
        Key="k",
        UploadId=upload_id,
        PartNumber=1,
        Body=BytesBody(b"abc"),
        ContentMD5=b64(md5(b"abd")),
    )
    assert (err.code, err.status) == ("BadDigest", 400)
    assert env.blob_count() == 0
    assert env.call("list_parts", Key="k", UploadId=upload_id).get("Parts") is None
    etag = env.part(upload_id, 1, b"abc", ContentMD5=b64(md5(b"abc")))
    assert etag == f'"{md5(b"abc").hex()}"'


def test_upload_part_copy(env: Env) -> None:
    src = ObjectRecord(size=10, etag='"srcetag"', last_modified=T0 - 100, inline=b"0123456789")
    asyncio.run(env.meta.commit([Put(objects_ns(BUCKET.id), "src key", src.encode())]))
    upload_id = env.create("dst")
    result = env.call(
        "upload_part_copy",
        Key="dst",
        UploadId=upload_id,
        PartNumber=1,
        CopySource="bkt/src%20key",
        CopySourceRange="bytes=2-6",
    )
    assert result == {
        "CopyPartResult": {
            "ETag": f'"{md5(b"23456").hex()}"',
            "LastModified": datetime.fromtimestamp(T0, tz=UTC),
        }
    }
    whole = env.call(
        "upload_part_copy",
        Key="dst",
        UploadId=upload_id,
        PartNumber=2,
        CopySource="/bkt/src%20key",
        CopySourceIfMatch='"srcetag"',
    )
    err = env.error(
        "upload_part_copy",
        Key="dst",
        UploadId=upload_id,
        PartNumber=3,
        CopySource="bkt/src%20key",
        CopySourceIfNoneMatch='"srcetag"',
    )
    assert (err.code, err.status) == ("PreconditionFailed", 412)
    err = env.error(
        "upload_part_copy", Key="dst", UploadId=upload_id, PartNumber=3, CopySource="bkt/missing"
    )
    assert (err.code, err.status) == ("NoSuchKey", 404)
    env.complete(
        upload_id,
        [
            {"PartNumber": 1, "ETag": result["CopyPartResult"]["ETag"]},
            {"PartNumber": 2, "ETag": whole["CopyPartResult"]["ETag"]},
        ],
        key="dst",
    )
    assert env.read("dst") == b"23456" + b"0123456789"


def test_parallel_parts_do_not_conflict(env: Env) -> None:
    upload_id = env.create()

    async def upload_all() -> list[dict[str, Any]]:
        return list(
            await asyncio.gather(
                *(
                    env.svc.upload_part(
                        CTX,
                        {
                            "Bucket": "bkt",
                            "Key": "k",
                            "UploadId": upload_id,
                            "PartNumber": n,
                            "Body": BytesBody(bytes([n]) * 10),
                        },
                    )
                    for n in range(1, 31)
                )
            )
        )

    results = asyncio.run(upload_all())
    assert [r["ETag"] for r in results] == [f'"{md5(bytes([n]) * 10).hex()}"' for n in range(1, 31)]
    listed = env.call("list_parts", Key="k", UploadId=upload_id)["Parts"]
    assert [p["PartNumber"] for p in listed] == list(range(1, 31))


class RacingMeta(MemoryMeta):
    """The memory store, running `before` (once) ahead of the first commit that deletes an
    upload record: a part upload landing between a completion's scan and its commit."""

    def __init__(self) -> None:
        super().__init__()
        self.before: Any = None

    async def commit(self, ops: Any) -> int:
        hook = self.before
        if hook is not None and any(
            getattr(op, "ns", "").startswith("s3:mpu:") and type(op).__name__ == "Delete"
            for op in ops
        ):
            self.before = None
            await hook()
        return await super().commit(ops)


@pytest.mark.parametrize("finish", ["complete", "abort"])
def test_part_racing_completion_is_purged(finish: str) -> None:
    env = Env()
    env.meta = RacingMeta()
    env.svc = MultipartOps(env.meta, env.blobs, env.clock, S3Limits(min_part_size=5))
    asyncio.run(env.meta.commit([Put(BUCKETS, BUCKET.name, BUCKET.encode())]))
    upload_id = env.create()
    etag = env.part(upload_id, 1, b"first")

    async def late_part() -> None:
        await env.svc.upload_part(
            CTX,
            {
                "Bucket": "bkt",
                "Key": "k",
                "UploadId": upload_id,
                "PartNumber": 2,
                "Body": BytesBody(b"late"),
            },
        )

    env.meta.before = late_part
    if finish == "complete":
        env.complete(upload_id, [{"PartNumber": 1, "ETag": etag}])
        assert env.read() == b"first"
        assert env.blob_count() == 1
    else:
        env.call("abort_multipart_upload", Key="k", UploadId=upload_id)
        assert env.blob_count() == 0
    assert asyncio.run(env.meta.scan(parts_ns(BUCKET.id, upload_id))) == []
    # And a part arriving after the upload is gone is refused and leaves nothing behind.
    err = env.error(
        "upload_part", Key="k", UploadId=upload_id, PartNumber=3, Body=BytesBody(b"after")
    )
    assert err.code == "NoSuchUpload"
    assert env.blob_count() == (1 if finish == "complete" else 0)
