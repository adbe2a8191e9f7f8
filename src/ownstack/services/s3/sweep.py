"""Reclaiming orphaned blobs: blobs a crash (or a write cancelled during its commit) left behind.

A write stores its blob durably, then commits the record that references it. Dying in between
leaves a blob no record references: invisible, as it must be, but its space is never freed.
The sweep finds such blobs and deletes them. It runs once per process start, in the background.

Why it never deletes a blob that is, or will become, referenced (the cutoff is this process's
start time, minus SWEEP_SLACK_S):

1. Only blobs created before the cutoff are candidates, and every put of this process started
   after it, so no blob of an in-flight (or later) request is ever a candidate.
2. A pre-start blob never gains a new reference. Records naming a blob are written by the put
   that created it (PutObject, CopyObject and UploadPartCopy always store a new blob; nothing
   ever points a record at an existing blob), with two exceptions: an object record rewritten
   under the same key keeping its segments (tagging, and the like), and
   CompleteMultipartUpload, which moves part blobs into the object record at the upload's key,
   in the same bucket, in one commit that also deletes the part records. Once a blob loses its
   last reference (delete, overwrite, abort) it is garbage forever.
3. So a pre-start blob that is referenced when the scan ends was referenced continuously from
   the start by a chain: part record -> (Complete) object record -> same-key rewrites. Per
   bucket, the scan reads every upload's parts BEFORE the bucket's objects. If a part record
   was gone when the scan reached it, the Complete that moved its blob had already committed,
   so the object record exists before the objects scan begins and is seen when that scan
   reaches its key (unless deleted or overwritten by then, making the blob garbage). The other
   order could miss it: objects scanned past the key, then the Complete, then parts scanned.
4. A bucket the scan never sees was deleted; its records are unreachable and their blobs
   are garbage (a re-created bucket gets a new id and new namespaces).

With no bucket at all, nothing is deleted: an empty bucket list more likely means a metadata
store that is not this blob store's partner (a changed `path` option) than one whose every
bucket is gone, and leaked space is recoverable where deleted data is not.

Assumptions, stated because the argument needs them: this process is the only writer of its
blob store (the embedded default: one server per data dir), and the wall clock does not step
back by more than SWEEP_SLACK_S while the sweep runs (file timestamps come from the same clock).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

from ownstack.ports.blobs import ListableBlobs

from .base import S3Base
from .deletions import clear_markers
from .records import (
    BUCKETS,
    BucketRecord,
    ObjectRecord,
    PartRecord,
    UploadRecord,
    objects_ns,
    parts_ns,
    uploads_ns,
)

SWEEP_SLACK_S = 2.0
"""Subtracted from the start time: file systems stamp files with a coarse clock that may read
a little earlier than the precise clock the start time was taken with."""
SCAN_PAGE = 1000
DELETE_BATCH = 64


class SweepOps(S3Base):
    async def clear_bucket_deletion_markers(self) -> int:
        """Start-up work that must finish before the first request: drop the markers of
        DeleteBuckets a previous process died in the middle of (deletions.py)."""
        return await clear_markers(self.meta)

    async def sweep_orphan_blobs(self, cutoff: float) -> int:
        """Delete the blobs created before `cutoff` that no record references; return how many
        were deleted. 0 when the blob store cannot list its blobs. See the module docstring for
        why `cutoff` must be no later than this process's start."""
        blobs = self.blobs
        if not isinstance(blobs, ListableBlobs):
            return 0
        referenced = await self._referenced_blob_ids()
        if referenced is None:
            return 0
        deleted = 0
        batch: list[str] = []
        async for blob_id in blobs.ids_older_than(cutoff):
            if blob_id in referenced:
                continue
            batch.append(blob_id)
            if len(batch) >= DELETE_BATCH:
                deleted += await self._delete_all(batch)
                batch = []
        return deleted + await self._delete_all(batch)

    async def _referenced_blob_ids(self) -> set[str] | None:
        """Every blob id a record references; None when there is no bucket at all."""
        referenced: set[str] = set()
        buckets = 0
        async for raw in self._pages(BUCKETS):
            bucket = BucketRecord.decode(raw)
            buckets += 1
            # Parts before objects: see point 3 of the module docstring.
            await self._collect_parts(bucket, referenced)
            await self._collect_objects(bucket, referenced)
        return referenced if buckets else None

    async def _collect_parts(self, bucket: BucketRecord, into: set[str]) -> None:
        async for raw in self._pages(uploads_ns(bucket.id)):
            upload = UploadRecord.decode(raw)
            async for part in self._pages(parts_ns(bucket.id, upload.upload_id)):
                into.add(PartRecord.decode(part).blob_id)

    async def _collect_objects(self, bucket: BucketRecord, into: set[str]) -> None:
        async for raw in self._pages(objects_ns(bucket.id)):
            into.update(seg.blob_id for seg in ObjectRecord.decode(raw).segments)

    async def _pages(self, ns: str) -> AsyncIterator[bytes]:
        """Every record value of `ns` in key order, read a page at a time."""
        start = ""
        while True:
            page = await self.meta.scan(ns, start=start, limit=SCAN_PAGE)
            for rec in page:
                yield rec.value
            if len(page) < SCAN_PAGE:
                return
            start = page[-1].key + "\x00"  # the smallest key after the last one seen

    async def _delete_all(self, blob_ids: list[str]) -> int:
        """Delete concurrently; a store that refuses a delete fails the sweep (it is logged;
        what is left is retried at the next start)."""
        await asyncio.gather(*(self.blobs.delete(i) for i in blob_ids))
        return len(blob_ids)
