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
   ever points a record at an existing blob), with three exceptions: an object record
   rewritten under the same key keeping its segments (tagging, and the like),
   CompleteMultipartUpload, which moves part blobs into the object record at the upload's key,
   in the same bucket, in one commit that also deletes the part records, and versioning
   (records.py), whose writes put a version's record in versions_ns and its copy in objects_ns
   in one commit, copy a versions_ns record back into objects_ns (both then name the blobs),
   and copy a record written without versioning from objects_ns into versions_ns in the
   commit that replaces it there. Once a blob loses its last reference (delete, overwrite,
   abort, a version's permanent deletion) it is garbage forever.
3. So a pre-start blob that is referenced when the scan ends was referenced continuously from
   the start by a chain: part record -> (Complete) object record -> same-key rewrites ->
   (versioning) versions_ns record, moves only ever in that direction. Per bucket, the scan
   reads every upload's parts BEFORE the bucket's objects, and those BEFORE its versions. If a
   part record was gone when the scan reached it, the Complete that moved its blob had already
   committed, so the object record exists before the objects scan begins and is seen when
   that scan reaches its key (unless deleted or overwritten by then, making the blob garbage,
   or copied into versions_ns, which is scanned after). The same holds one step on: a record
   gone from objects_ns by a versioning write is in versions_ns before that scan begins. The
   other order could miss it: objects scanned past the key, then the Complete, then parts
   scanned.
4. A bucket the scan never sees was deleted; its records are unreachable and their blobs
   are garbage (a re-created bucket gets a new id and new namespaces).

With no bucket at all, nothing is deleted: an empty bucket list more likely means a metadata
store that is not this blob store's partner (a changed `path` option) than one whose every
bucket is gone, and leaked space is recoverable where deleted data is not.

Point 1 needs every blob another writer may still reference to be younger than the cutoff.
Alone on its engines (the embedded default: one server per data dir), this process is the only
writer, so its start time will do (`sweep_cutoff`: minus SWEEP_SLACK_S). Sharing them with other
processes (a blob engine and a meta engine that both declare their port shared: Engine.
shared_ports), a blob of another process may be written long before the record naming it
commits: a long single PUT (5 GiB over a slow link), and the `s3` blob engine dates a blob
stored by a multipart upload from that upload's start. No start time bounds those, so the cutoff
is then SHARED_SWEEP_AGE_S (24 h) back, or more when the configured largest write
(`max_write_bytes`) could take longer at SLOWEST_WRITE_BPS: a crash's orphan is reclaimed at a
start a day after it. (A blob store shared by processes with different meta stores is outside
what the sweep can serve at any cutoff: each would delete the other's blobs, so only a shared
meta makes the blob store's other writers ones the sweep must wait for.)

Assumptions, stated because the argument needs them: no write stays in flight longer than the
cutoff's distance from the start (always true alone; on shared engines, no request lasts over
24 h nor goes slower than SLOWEST_WRITE_BPS), and the wall clock does not step back by more than
SWEEP_SLACK_S while the sweep runs (file timestamps come from the same clock).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass

from ownstack.core.records import JsonRecord
from ownstack.ports.blobs import ListableBlobs
from ownstack.ports.errors import ConditionFailed
from ownstack.ports.meta import ABSENT, Put

from .base import S3Base
from .deletions import clear_gone_markers, clear_markers
from .records import (
    BUCKETS,
    BucketRecord,
    ObjectRecord,
    PartRecord,
    UploadRecord,
    is_marker,
    objects_ns,
    parts_ns,
    uploads_ns,
    versions_ns,
)

SWEEP_SLACK_S = 2.0
"""Subtracted from the start time: file systems stamp files with a coarse clock that may read
a little earlier than the precise clock the start time was taken with."""
SHARED_SWEEP_AGE_S = 24 * 3600.0
"""On engines shared with other processes: how old a blob must be to be a candidate at least
(module docstring: longer than any write stays in flight)."""
SLOWEST_WRITE_BPS = 64 * 1024
"""The slowest body rate a write is assumed to keep up (bytes/s): with the largest write
allowed, how long a write may be in flight (5 GiB at 64 KiB/s: 22.8 h, within the 24 h)."""
SCAN_PAGE = 1000
DELETE_BATCH = 64
SWEEPS = "s3:sweeps"
"""Namespace: "orphans" -> SweepRecord of the last completed orphan sweep (any process's)."""
_ORPHANS = "orphans"


@dataclass(slots=True)
class SweepRecord(JsonRecord):
    cutoff: float


def sweep_cutoff(started: float, *, shared: bool, max_write_bytes: int) -> float:
    """The orphan sweep's cutoff for a process started at `started`: `shared` when both its
    blob and its meta engine are shared with other processes (module docstring, point 1)."""
    if not shared:
        return started - SWEEP_SLACK_S
    return started - max(SHARED_SWEEP_AGE_S, max_write_bytes / SLOWEST_WRITE_BPS)


def _always() -> bool:
    return True


class SweepOps(S3Base):
    async def clear_bucket_deletion_markers(self, *, shared_meta: bool = False) -> int:
        """Start-up work that must finish before the first request: drop the markers of
        DeleteBuckets a previous process died in the middle of, and tombstones no write can
        need any more; return how many. `shared_meta`: other processes use the meta store, so
        only the markers of gone processes go (deletions.py); else every marker goes."""
        if shared_meta:
            return await clear_gone_markers(self.meta, self.clock.now())
        return await clear_markers(self.meta)

    async def sweep_orphans_unless_covered(
        self, cutoff: float, still_held: Callable[[], bool]
    ) -> int:
        """The sweep N processes share (under a lease; `still_held` says whether it still is):
        skipped when a completed sweep, of any process, had a cutoff no earlier than `cutoff`
        (it deleted everything this one would); else run, and recorded once complete."""
        done = await self.meta.get(SWEEPS, _ORPHANS)
        if done is not None and SweepRecord.decode(done.value).cutoff >= cutoff:
            return 0
        deleted = await self.sweep_orphan_blobs(cutoff, still_held)
        if still_held():
            expect = ABSENT if done is None else done.version
            # A sweep recorded meanwhile (a stale holder's) is kept.
            with contextlib.suppress(ConditionFailed):
                await self.meta.commit(
                    [Put(SWEEPS, _ORPHANS, SweepRecord(cutoff).encode(), expect=expect)]
                )
        return deleted

    async def sweep_orphan_blobs(
        self, cutoff: float, still_held: Callable[[], bool] = _always
    ) -> int:
        """Delete the blobs created before `cutoff` that no record references; return how many
        were deleted. 0 when the blob store cannot list its blobs. See the module docstring for
        why `cutoff` must be no later than this process's start. Stops early (between delete
        batches) once `still_held` turns False: another process has taken the sweep over."""
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
                if not still_held():
                    return deleted
                deleted += await self._delete_all(batch)
                batch = []
        return deleted + (await self._delete_all(batch) if still_held() else 0)

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
            await self._collect_versions(bucket, referenced)
        return referenced if buckets else None

    async def _collect_parts(self, bucket: BucketRecord, into: set[str]) -> None:
        async for raw in self._pages(uploads_ns(bucket.id)):
            upload = UploadRecord.decode(raw)
            async for part in self._pages(parts_ns(bucket.id, upload.upload_id)):
                into.add(PartRecord.decode(part).blob_id)

    async def _collect_objects(self, bucket: BucketRecord, into: set[str]) -> None:
        async for raw in self._pages(objects_ns(bucket.id)):
            into.update(seg.blob_id for seg in ObjectRecord.decode(raw).segments)

    async def _collect_versions(self, bucket: BucketRecord, into: set[str]) -> None:
        async for raw in self._pages(versions_ns(bucket.id)):
            if not is_marker(raw):
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
