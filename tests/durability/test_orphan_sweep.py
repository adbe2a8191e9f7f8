"""Orphaned blobs (a blob stored, its record never committed: a crash in between) are reclaimed
after a restart, and nothing any record references is ever taken.

The end-to-end test plants orphans exactly where the fs engine puts real blobs, with old mtimes,
in a stopped server's data dir, restarts it and waits for the background sweep. The direct tests
drive SweepOps on memory backends with a manual clock, including a CompleteMultipartUpload that
lands at every point of the sweep's scan (the race its scan order exists for).
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import os
import random
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from pathlib import Path
from typing import Any

import pytest

from ownstack.backends.fs.layout import Layout, new_id
from ownstack.backends.memory import MemoryBlobs, MemoryMeta
from ownstack.core.clock import ManualClock
from ownstack.core.context import Principal, RequestContext
from ownstack.core.http import BytesBody, FileRange
from ownstack.ports.blobs import BlobRef, ChunkObserver
from ownstack.ports.meta import Check, Op, Put, Record
from ownstack.services.s3.base import S3Limits
from ownstack.services.s3.records import (
    BUCKETS,
    BucketRecord,
    ObjectRecord,
    Segment,
    objects_ns,
)
from ownstack.services.s3.service import S3Service

MiB = 1 << 20
DAY_S = 86_400.0
SWEEP_WAIT_S = 10.0


def payload(size: int, seed: int) -> bytes:
    return random.Random(seed).randbytes(size)


def blob_files(root: Path) -> set[str]:
    """The names of the files in the fan-out dirs (<root>/ab/cd/<id>)."""
    return {path.name for path in root.glob("*/*/*") if path.is_file()}


def plant(layout: Layout, mtime: float) -> str:
    blob_id = new_id()
    path = layout.path(blob_id)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"orphaned bytes " + blob_id.encode())
    os.utime(path, (mtime, mtime))
    return blob_id


def read(s3: Any, key: str) -> bytes:
    body: bytes = s3.get_object(Bucket="bkt", Key=key)["Body"].read()
    return body


def wait_for_log(server: Any, line: str) -> None:
    deadline = time.monotonic() + SWEEP_WAIT_S
    while line not in server.log():
        if time.monotonic() > deadline:
            pytest.fail(f"no {line!r} after {SWEEP_WAIT_S} s:\n{server.log()}")
        time.sleep(0.05)


# -- end to end: a real server, restarted ---------------------------------------------------


def test_restart_reclaims_orphans_and_keeps_every_object(fresh_server: Any) -> None:
    srv = fresh_server()
    s3 = srv.client("s3")
    s3.create_bucket(Bucket="bkt")
    objects = {"tiny": b"inline", "plain": payload(200 * 1024, 1)}
    for key, data in objects.items():
        s3.put_object(Bucket="bkt", Key=key, Body=data)
    s3.copy_object(Bucket="bkt", Key="copy", CopySource={"Bucket": "bkt", "Key": "plain"})
    objects["copy"] = objects["plain"]
    parts = [payload(5 * MiB, 2), payload(1024, 3)]
    objects["multi"] = b"".join(parts)
    upload(s3, "multi", parts, finish=True)
    pending_parts = [payload(5 * MiB, 4), payload(100 * 1024, 5)]
    pending = upload(s3, "pending", pending_parts, finish=False)
    assert srv.stop() == 0

    root = srv.data_dir / "blobs"
    real = blob_files(root)
    assert len(real) == 6  # plain, copy, two parts of multi, two of pending ("tiny" is inline)
    layout = Layout(root)
    orphans = {plant(layout, time.time() - DAY_S) for _ in range(3)}
    young = plant(layout, time.time() + DAY_S)  # not before the restart: never a candidate
    assert blob_files(root) == real | orphans | {young}

    srv2 = fresh_server(data_dir=srv.data_dir)
    # Logged once the sweep is done, its deletions included.
    wait_for_log(srv2, "orphan blob sweep: deleted 3 unreferenced blob(s)")
    assert blob_files(root) == real | {young}
    s3 = srv2.client("s3")
    for key, data in objects.items():
        assert hashlib.sha256(read(s3, key)).digest() == hashlib.sha256(data).digest(), key
    listed = s3.list_parts(Bucket="bkt", Key="pending", UploadId=pending)["Parts"]
    assert [(p["PartNumber"], p["Size"]) for p in listed] == [(1, 5 * MiB), (2, 100 * 1024)]
    complete(s3, "pending", pending, listed)
    assert read(s3, "pending") == b"".join(pending_parts)


def upload(s3: Any, key: str, parts: list[bytes], *, finish: bool) -> str:
    upload_id: str = s3.create_multipart_upload(Bucket="bkt", Key=key)["UploadId"]
    done = []
    for number, data in enumerate(parts, start=1):
        out = s3.upload_part(
            Bucket="bkt", Key=key, UploadId=upload_id, PartNumber=number, Body=data
        )
        done.append({"PartNumber": number, "ETag": out["ETag"]})
    if finish:
        complete(s3, key, upload_id, done)
    return upload_id


def complete(s3: Any, key: str, upload_id: str, parts: list[dict[str, Any]]) -> None:
    s3.complete_multipart_upload(
        Bucket="bkt",
        Key=key,
        UploadId=upload_id,
        MultipartUpload={
            "Parts": [{"PartNumber": p["PartNumber"], "ETag": p["ETag"]} for p in parts]
        },
    )


# -- SweepOps directly: memory backends, a manual clock ------------------------------------

ACCOUNT = "123456789012"
CTX = RequestContext(
    request_id="t",
    account_id=ACCOUNT,
    region="us-east-1",
    principal=Principal(ACCOUNT, f"arn:aws:iam::{ACCOUNT}:root", ACCOUNT, "AKIAEXAMPLE"),
    host="localhost:9000",
)
T0 = 1_700_000_000.0
FUTURE = 4_000_000_000.0
LIMITS = S3Limits(inline_max=4, min_part_size=5)
Action = Callable[[], Awaitable[None]]


class HookedMeta:
    """A MetaStore (MemoryMeta underneath) that runs an armed action once, just before its
    `at`-th scan: a request landing at that exact point of the sweep."""

    def __init__(self) -> None:
        self.inner = MemoryMeta()
        self.scans = 0
        self.at = 0
        self.action: Action | None = None

    def arm(self, at: int, action: Action) -> None:
        self.scans, self.at, self.action = 0, at, action

    def disarm(self) -> bool:
        """Whether the action ran."""
        ran, self.action = self.action is None, None
        return ran

    async def get(self, ns: str, key: str) -> Record | None:
        return await self.inner.get(ns, key)

    async def scan(self, ns: str, **kw: Any) -> list[Record]:
        self.scans += 1
        if self.action is not None and self.scans == self.at:
            action, self.action = self.action, None
            await action()
        return await self.inner.scan(ns, **kw)

    async def commit(self, ops: Sequence[Op]) -> int:
        return await self.inner.commit(ops)

    async def replace(
        self, ns: str, key: str, value: bytes, *, guard: Check | None = None
    ) -> tuple[int, Record | None]:
        return await self.inner.replace(ns, key, value, guard=guard)

    async def health(self) -> None:
        return None

    async def close(self) -> None:
        return None


class World:
    def __init__(self) -> None:
        self.clock = ManualClock(T0)
        self.meta = HookedMeta()
        self.blobs = MemoryBlobs(self.clock)
        self.svc = S3Service(self.meta, self.blobs, self.clock, LIMITS)

    async def bucket(self, name: str, bucket_id: str) -> None:
        rec = BucketRecord(name, bucket_id, ACCOUNT, "us-east-1", T0)
        await self.meta.commit([Put(BUCKETS, name, rec.encode())])

    async def call(self, op: str, **params: Any) -> dict[str, Any]:
        result: dict[str, Any] = await getattr(self.svc, op)(CTX, {"Bucket": "bkt", **params})
        return result

    async def put(self, key: str, data: bytes) -> None:
        await self.call("put_object", Key=key, Body=BytesBody(data))

    async def read(self, key: str) -> bytes:
        body = (await self.call("get_object", Key=key))["Body"]
        return body if isinstance(body, bytes) else b"".join(body)

    async def start_upload(self, key: str, parts: list[bytes]) -> tuple[str, list[dict[str, Any]]]:
        upload_id: str = (await self.call("create_multipart_upload", Key=key))["UploadId"]
        done = []
        for number, data in enumerate(parts, start=1):
            out = await self.call(
                "upload_part", Key=key, UploadId=upload_id, PartNumber=number, Body=BytesBody(data)
            )
            done.append({"PartNumber": number, "ETag": out["ETag"]})
        return upload_id, done

    async def complete(self, key: str, upload_id: str, parts: list[dict[str, Any]]) -> None:
        await self.call(
            "complete_multipart_upload",
            Key=key,
            UploadId=upload_id,
            MultipartUpload={"Parts": parts},
        )

    async def orphan(self) -> str:
        return (await self.blobs.put(one(b"nobody's"))).id

    async def all_blobs(self) -> set[str]:
        return {blob_id async for blob_id in self.blobs.ids_older_than(FUTURE)}


async def one(data: bytes) -> AsyncIterator[bytes]:
    yield data


def test_sweep_deletes_exactly_the_unreferenced_blobs_older_than_the_cutoff() -> None:
    async def scenario() -> None:
        w = World()
        await w.bucket("bkt", "bid")
        await w.put("tiny", b"ab")  # inline: no blob
        await w.put("plain", b"plain bytes")
        done_id, done_parts = await w.start_upload("multi", [b"AAAAA", b"BB"])
        await w.complete("multi", done_id, done_parts)
        pending_id, pending_parts = await w.start_upload("pending", [b"CCCCC", b"DD"])
        orphans = {await w.orphan() for _ in range(3)}
        # A bucket deleted while a PutObject raced it: its records are unreachable.
        unreachable = await w.orphan()
        dead = ObjectRecord(
            size=8, etag='"x"', last_modified=T0, segments=[Segment(unreachable, 8)]
        )
        await w.meta.commit([Put(objects_ns("deleted-bucket-id"), "k", dead.encode())])
        w.clock.advance(10)
        cutoff = w.clock.now()
        w.clock.advance(10)
        late = await w.orphan()  # after the cutoff: maybe an in-flight put's, so kept
        await w.put("late", b"late bytes")
        before = await w.all_blobs()

        assert await w.svc.sweep_orphan_blobs(cutoff) == 4
        assert await w.all_blobs() == before - orphans - {unreachable}
        assert late in await w.all_blobs()
        for key, data in [("tiny", b"ab"), ("plain", b"plain bytes"), ("multi", b"AAAAABB")]:
            assert await w.read(key) == data
        assert await w.read("late") == b"late bytes"
        await w.complete("pending", pending_id, pending_parts)
        assert await w.read("pending") == b"CCCCCDD"
        assert await w.svc.sweep_orphan_blobs(cutoff) == 0

    asyncio.run(scenario())


def test_sweep_pages_through_more_records_than_one_scan_returns() -> None:
    async def scenario() -> None:
        w = World()
        await w.bucket("bkt", "bid")
        for n in range(1005):
            await w.put(f"k{n:04d}", f"body {n}".encode())
        orphan = await w.orphan()
        w.clock.advance(1)
        assert await w.svc.sweep_orphan_blobs(w.clock.now()) == 1
        assert orphan not in await w.all_blobs()
        assert len(await w.all_blobs()) == 1005
        assert await w.read("k1004") == b"body 1004"

    asyncio.run(scenario())


SWEEP_SCANS = 5
"""One bucket, one upload: buckets, its uploads, the upload's parts, its objects, its versions
(versions_ns: records.py)."""


@pytest.mark.parametrize("at", range(1, SWEEP_SCANS + 2))
def test_a_complete_landing_anywhere_in_the_sweep_loses_no_part(at: int) -> None:
    """CompleteMultipartUpload moves part blobs from part records to the object record in one
    commit; wherever that commit falls among the sweep's scans, the blobs are kept."""

    async def scenario() -> None:
        w = World()
        await w.bucket("bkt", "bid")
        upload_id, parts = await w.start_upload("multi", [b"AAAAA", b"BB"])
        orphan = await w.orphan()
        w.clock.advance(1)
        w.meta.arm(at, lambda: w.complete("multi", upload_id, parts))
        assert await w.svc.sweep_orphan_blobs(w.clock.now()) == 1
        ran = w.meta.disarm()
        assert ran is (at <= SWEEP_SCANS)
        assert orphan not in await w.all_blobs()
        if not ran:
            await w.complete("multi", upload_id, parts)
        assert await w.read("multi") == b"AAAAABB"

    asyncio.run(scenario())


def test_no_bucket_at_all_deletes_nothing() -> None:
    """Likely a metadata store that is not the blob store's partner: keep everything."""

    async def scenario() -> None:
        w = World()
        orphan = await w.orphan()
        w.clock.advance(1)
        assert await w.svc.sweep_orphan_blobs(w.clock.now()) == 0
        assert await w.all_blobs() == {orphan}
        await w.bucket("bkt", "bid")
        assert await w.svc.sweep_orphan_blobs(w.clock.now()) == 1
        assert await w.all_blobs() == set()

    asyncio.run(scenario())


class UnlistableBlobs:
    """A blob store without the ListableBlobs capability (delegates the port to MemoryBlobs)."""

    def __init__(self) -> None:
        self.inner = MemoryBlobs()

    async def put(self, chunks: Any, observe: ChunkObserver | None = None) -> BlobRef:
        return await self.inner.put(chunks, observe)

    async def open_range(self, blob_id: str, offset: int, length: int) -> FileRange | bytes:
        return await self.inner.open_range(blob_id, offset, length)

    def stream(self, blob_id: str, offset: int, length: int) -> AsyncIterator[bytes]:
        return self.inner.stream(blob_id, offset, length)

    async def delete(self, blob_id: str) -> None:
        await self.inner.delete(blob_id)

    async def health(self) -> None:
        return None

    async def close(self) -> None:
        return None


def test_a_store_that_cannot_list_is_left_alone() -> None:
    blobs = UnlistableBlobs()
    svc = S3Service(MemoryMeta(), blobs, ManualClock(T0), LIMITS)

    async def scenario() -> None:
        await blobs.put(one(b"orphan"))
        assert await svc.sweep_orphan_blobs(FUTURE) == 0
        assert len(blobs.inner) == 1

    asyncio.run(scenario())


# -- the background task (app.OrphanSweeper) --------------------------------------------------


def test_a_failing_sweep_is_logged_and_swallowed(caplog: pytest.LogCaptureFixture) -> None:
    from ownstack.app import OrphanSweeper

    async def broken(cutoff: float) -> int:
        raise OSError(f"disk gone at {cutoff}")

    async def scenario() -> None:
        sweeper = OrphanSweeper(broken, 12.5)
        sweeper.start()
        await asyncio.sleep(0)  # one step of the task: the sweep fails at once
        await sweeper.stop()  # cancelling a finished task is a no-op; never raises

    caplog.set_level(logging.INFO, logger="ownstack")
    asyncio.run(scenario())
    assert [(r.levelname, r.getMessage()) for r in caplog.records] == [
        ("ERROR", "orphan blob sweep failed")
    ]
    assert caplog.records[0].exc_info is not None
    assert str(caplog.records[0].exc_info[1]) == "disk gone at 12.5"


def test_stop_cancels_a_running_sweep(caplog: pytest.LogCaptureFixture) -> None:
    from ownstack.app import OrphanSweeper

    entered, cancelled = asyncio.Event(), []

    async def slow(cutoff: float) -> int:
        entered.set()
        try:
            await asyncio.sleep(3600)
        except asyncio.CancelledError:
            cancelled.append(cutoff)
            raise
        return 0

    async def scenario() -> None:
        sweeper = OrphanSweeper(slow, 7.0)
        sweeper.start()
        sweeper.start()  # once only
        await entered.wait()
        await sweeper.stop()

    caplog.set_level(logging.DEBUG, logger="ownstack")
    asyncio.run(scenario())
    assert cancelled == [7.0]
    assert caplog.records == []


def test_a_sweep_that_found_orphans_logs_its_count(caplog: pytest.LogCaptureFixture) -> None:
    from ownstack.app import OrphanSweeper

    async def found(cutoff: float) -> int:
        return 5

    async def scenario() -> None:
        sweeper = OrphanSweeper(found, 0.0)
        sweeper.start()
        await asyncio.sleep(0)  # one step of the task: the sweep returns at once

    caplog.set_level(logging.INFO, logger="ownstack")
    asyncio.run(scenario())
    assert [(r.name, r.levelname, r.getMessage()) for r in caplog.records] == [
        ("ownstack", "INFO", "orphan blob sweep: deleted 5 unreferenced blob(s)")
    ]
