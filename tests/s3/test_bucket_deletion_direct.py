"""Bucket-deletion markers, called directly on the service (memory backends): the writes a
DeleteBucket under way refuses, and those that looked the bucket up before it was deleted."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from s3kit import ctx, error, run

from ownstack.backends.memory import MemoryBlobs, MemoryMeta
from ownstack.core.clock import ManualClock
from ownstack.core.errors import ServiceError
from ownstack.core.http import BytesBody
from ownstack.ports.meta import Put
from ownstack.services.s3.base import S3Limits
from ownstack.services.s3.deletions import BUCKET_DELETIONS, clear_markers
from ownstack.services.s3.records import BUCKETS, BucketRecord, objects_ns
from ownstack.services.s3.service import S3Service

BODY = b"x" * 64  # above inline_max: stored in a blob, which a refused write must discard
ABORTED = "A conflicting conditional operation is currently in progress against this resource."


class GatedBody(BytesBody):
    """A body whose bytes arrive only once `gate` opens: the request has looked its bucket up
    by then, and stays between that lookup and its commit until the test lets it go on."""

    def __init__(self, data: bytes, gate: asyncio.Event) -> None:
        super().__init__(data)
        self.gate = gate

    async def read(self, n: int = -1) -> bytes:
        await self.gate.wait()
        return await super().read(n)


@pytest.fixture
def blobs() -> MemoryBlobs:
    return MemoryBlobs()


@pytest.fixture
def svc(blobs: MemoryBlobs) -> S3Service:
    s = S3Service(MemoryMeta(), blobs, ManualClock(1_700_000_000.0), S3Limits(inline_max=16))
    run(s.create_bucket(ctx(), {"Bucket": "bkt"}))
    run(s.put_object(ctx(), {"Bucket": "bkt", "Key": "src", "Body": BytesBody(BODY)}))
    return s


def mark(svc: S3Service) -> str:
    """Leave the marker a DeleteBucket commits first; returns the bucket id."""

    async def go() -> str:
        raw = await svc.meta.get(BUCKETS, "bkt")
        assert raw is not None
        bucket_id = BucketRecord.decode(raw.value).id
        await svc.meta.commit([Put(BUCKET_DELETIONS, bucket_id, b"")])
        return bucket_id

    return run(go())  # type: ignore[no-any-return]


def put(key: str, **extra: Any) -> dict[str, Any]:
    return {"Bucket": "bkt", "Key": key, "Body": BytesBody(BODY), **extra}


def assert_aborted(err: ServiceError) -> None:
    assert (err.code, err.status) == ("OperationAborted", 409)
    assert err.message.startswith(ABORTED)


def test_writes_are_refused_while_a_deletion_is_under_way(
    svc: S3Service, blobs: MemoryBlobs
) -> None:
    mark(svc)
    stored = len(blobs)
    assert_aborted(error(svc.put_object(ctx(), put("new"))))
    assert_aborted(error(svc.put_object(ctx(), put("src"))))  # an overwrite too
    assert_aborted(error(svc.put_object(ctx(), put("new", IfNoneMatch="*"))))
    src = run(svc.head_object(ctx(), {"Bucket": "bkt", "Key": "src"}))
    assert_aborted(error(svc.put_object(ctx(), put("src", IfMatch=src["ETag"]))))
    copy = {"Bucket": "bkt", "Key": "copy", "CopySource": "bkt/src"}
    assert_aborted(error(svc.copy_object(ctx(), copy)))
    assert_aborted(error(svc.create_multipart_upload(ctx(), {"Bucket": "bkt", "Key": "mpu"})))
    assert_aborted(error(svc.delete_bucket(ctx(), {"Bucket": "bkt"})))  # a second delete
    assert len(blobs) == stored  # every refused write's blob was discarded
    listed = run(svc.list_objects_v2(ctx(), {"Bucket": "bkt"}))
    assert [o["Key"] for o in listed["Contents"]] == ["src"]
    # The precondition checks still come first when they fail on their own.
    err = error(svc.put_object(ctx(), put("src", IfNoneMatch="*")))
    assert err.code == "PreconditionFailed"


def test_a_bucket_that_is_not_empty_keeps_no_marker(svc: S3Service) -> None:
    assert error(svc.delete_bucket(ctx(), {"Bucket": "bkt"})).code == "BucketNotEmpty"
    assert run(svc.meta.scan(BUCKET_DELETIONS)) == []
    run(svc.put_object(ctx(), put("again")))


def test_a_write_that_looked_the_bucket_up_before_its_deletion_fails(
    svc: S3Service, blobs: MemoryBlobs
) -> None:
    async def go() -> ServiceError:
        await svc.delete_object(ctx(), {"Bucket": "bkt", "Key": "src"})
        stored = len(blobs)
        gate = asyncio.Event()
        late = asyncio.ensure_future(
            svc.put_object(ctx(), {"Bucket": "bkt", "Key": "late", "Body": GatedBody(BODY, gate)})
        )
        await asyncio.sleep(0)  # it has looked the bucket up and waits for its body
        await svc.delete_bucket(ctx(), {"Bucket": "bkt"})
        gate.set()
        with pytest.raises(ServiceError) as refused:
            await late
        assert len(blobs) == stored  # its blob was discarded
        return refused.value

    err = run(go())
    assert (err.code, err.status) == ("NoSuchBucket", 404)


def test_the_late_write_finds_nothing_of_the_old_bucket(svc: S3Service) -> None:
    """A bucket re-created under the same name is a new bucket: the late write still fails,
    and commits nothing into either namespace."""

    async def go() -> None:
        old = BucketRecord.decode((await svc.meta.get(BUCKETS, "bkt")).value)  # type: ignore[union-attr]
        await svc.delete_object(ctx(), {"Bucket": "bkt", "Key": "src"})
        gate = asyncio.Event()
        params = {"Bucket": "bkt", "Key": "late", "Body": GatedBody(BODY, gate)}
        late = asyncio.ensure_future(svc.put_object(ctx(), params))
        await asyncio.sleep(0)
        await svc.delete_bucket(ctx(), {"Bucket": "bkt"})
        await svc.create_bucket(ctx(), {"Bucket": "bkt"})
        gate.set()
        with pytest.raises(ServiceError) as refused:
            await late
        assert refused.value.code == "NoSuchBucket"
        assert await svc.meta.scan(objects_ns(old.id)) == []
        listed = await svc.list_objects_v2(ctx(), {"Bucket": "bkt"})
        assert listed["KeyCount"] == 0
        await svc.put_object(ctx(), put("fresh"))  # the new bucket takes writes

    run(go())


def test_clearing_markers_lets_writes_through(svc: S3Service) -> None:
    mark(svc)
    assert_aborted(error(svc.put_object(ctx(), put("new"))))
    assert run(clear_markers(svc.meta)) == 1
    run(svc.put_object(ctx(), put("new")))
    assert run(clear_markers(svc.meta)) == 0


def test_a_tags_rewrite_during_the_delete_does_not_stop_it(svc: S3Service) -> None:
    """The bucket record changing between DeleteBucket's read and its delete (PutBucketTagging)
    is no reason to fail: the delete goes on with the record as it is now."""

    async def go() -> None:
        await svc.delete_object(ctx(), {"Bucket": "bkt", "Key": "src"})
        meta = svc.meta
        real_scan = meta.scan

        async def scan_then_tag(ns: str, **kw: Any) -> Any:
            meta.scan = real_scan  # type: ignore[method-assign]
            tags = {"TagSet": [{"Key": "k", "Value": "v"}]}
            await svc.put_bucket_tagging(ctx(), {"Bucket": "bkt", "Tagging": tags})
            return await real_scan(ns, **kw)

        meta.scan = scan_then_tag  # type: ignore[method-assign]
        await svc.delete_bucket(ctx(), {"Bucket": "bkt"})
        assert await meta.get(BUCKETS, "bkt") is None

    run(go())
