"""DeleteObjects called on the service directly (memory backends)."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from ownstack.backends.memory import MemoryBlobs, MemoryMeta
from ownstack.core.clock import ManualClock
from ownstack.core.context import Principal, RequestContext
from ownstack.core.errors import ServiceError
from ownstack.ports.meta import Put
from ownstack.services.s3.delete_objects import DeleteObjectsOps
from ownstack.services.s3.records import (
    BUCKETS,
    BucketRecord,
    ObjectRecord,
    Segment,
    objects_ns,
)

ACCOUNT = "123456789012"
CTX = RequestContext(
    request_id="t",
    account_id=ACCOUNT,
    region="us-east-1",
    principal=Principal(ACCOUNT, f"arn:aws:iam::{ACCOUNT}:root", ACCOUNT, "AKIAEXAMPLE"),
)
BUCKET = BucketRecord(name="bkt", id="bid", account_id=ACCOUNT, region="us-east-1", created=1.0)
MALFORMED = (
    "The XML you provided was not well-formed or did not validate against our published schema"
)


async def _chunks(data: bytes) -> Any:
    yield data


@pytest.fixture
def blobs() -> MemoryBlobs:
    return MemoryBlobs()


@pytest.fixture
def meta() -> MemoryMeta:
    meta = MemoryMeta()
    asyncio.run(meta.commit([Put(BUCKETS, BUCKET.name, BUCKET.encode())]))
    return meta


@pytest.fixture
def svc(meta: MemoryMeta, blobs: MemoryBlobs) -> DeleteObjectsOps:
    return DeleteObjectsOps(meta, blobs, ManualClock())


def put_inline(meta: MemoryMeta, key: str) -> None:
    rec = ObjectRecord(size=1, etag='"x"', last_modified=1.0, inline=b"x")
    asyncio.run(meta.commit([Put(objects_ns(BUCKET.id), key, rec.encode())]))


def put_blob(meta: MemoryMeta, blobs: MemoryBlobs, key: str) -> str:
    ref = asyncio.run(blobs.put(_chunks(b"hello")))
    rec = ObjectRecord(size=5, etag='"x"', last_modified=1.0, segments=[Segment(ref.id, 5)])
    asyncio.run(meta.commit([Put(objects_ns(BUCKET.id), key, rec.encode())]))
    return ref.id


def delete(svc: DeleteObjectsOps, objects: list[dict[str, Any]], **extra: Any) -> dict[str, Any]:
    params = {"Bucket": "bkt", "Delete": {"Objects": objects, **extra}}
    result: dict[str, Any] = asyncio.run(svc.delete_objects(CTX, params))
    return result


def exists(meta: MemoryMeta, key: str) -> bool:
    return asyncio.run(meta.get(objects_ns(BUCKET.id), key)) is not None


def test_deletes_existing_and_missing_keys(
    svc: DeleteObjectsOps, meta: MemoryMeta, blobs: MemoryBlobs
) -> None:
    put_inline(meta, "a")
    blob_id = put_blob(meta, blobs, "b/c")
    result = delete(svc, [{"Key": "a"}, {"Key": "b/c"}, {"Key": "missing"}])
    assert result == {"Deleted": [{"Key": "a"}, {"Key": "b/c"}, {"Key": "missing"}]}
    assert not exists(meta, "a") and not exists(meta, "b/c")
    with pytest.raises(Exception, match="not found"):
        asyncio.run(blobs.open_range(blob_id, 0, 1))


def test_quiet_mode_reports_only_errors(svc: DeleteObjectsOps, meta: MemoryMeta) -> None:
    put_inline(meta, "a")
    assert delete(svc, [{"Key": "a"}, {"Key": "z"}], Quiet=True) == {}
    result = delete(svc, [{"Key": "a"}, {"Key": "v", "VersionId": "abc"}], Quiet=True)
    assert result == {
        "Errors": [
            {
                "Key": "v",
                "VersionId": "abc",
                "Code": "NoSuchVersion",
                "Message": "The specified version does not exist.",
            }
        ]
    }


def test_null_version_id_is_echoed(svc: DeleteObjectsOps, meta: MemoryMeta) -> None:
    put_inline(meta, "a")
    assert delete(svc, [{"Key": "a", "VersionId": "null"}]) == {
        "Deleted": [{"Key": "a", "VersionId": "null"}]
    }
    assert not exists(meta, "a")


def test_too_many_or_no_keys_is_malformed_xml(svc: DeleteObjectsOps) -> None:
    for objects in ([], [{"Key": f"k{i}"} for i in range(1001)]):
        with pytest.raises(ServiceError) as info:
            delete(svc, objects)
        assert (info.value.code, info.value.status, info.value.message) == (
            "MalformedXML",
            400,
            MALFORMED,
        )


def test_exactly_1000_keys(svc: DeleteObjectsOps, meta: MemoryMeta) -> None:
    for i in range(3):
        put_inline(meta, f"k{i:04d}")
    result = delete(svc, [{"Key": f"k{i:04d}"} for i in range(1000)])
    assert len(result["Deleted"]) == 1000
    assert result["Deleted"][999] == {"Key": "k0999"}
    assert not exists(meta, "k0000")


def test_no_such_bucket(svc: DeleteObjectsOps) -> None:
    with pytest.raises(ServiceError) as info:
        asyncio.run(
            svc.delete_objects(CTX, {"Bucket": "nope", "Delete": {"Objects": [{"Key": "a"}]}})
        )
    assert (info.value.code, info.value.status) == ("NoSuchBucket", 404)


def test_other_account_is_denied(svc: DeleteObjectsOps) -> None:
    other = RequestContext(
        request_id="t",
        account_id="999999999999",
        region="us-east-1",
        principal=Principal("999999999999", "arn:aws:iam::999999999999:root", "9", "AKIA9"),
    )
    with pytest.raises(ServiceError) as info:
        asyncio.run(
            svc.delete_objects(other, {"Bucket": "bkt", "Delete": {"Objects": [{"Key": "a"}]}})
        )
    assert (info.value.code, info.value.status) == ("AccessDenied", 403)
