"""Bucket-deletion markers: what keeps a write racing DeleteBucket from being acknowledged and
then lost.

DeleteBucket scans a bucket for emptiness, then deletes its record. A PutObject that looked the
bucket up before could commit its object after the scan: answered 200, yet stored under the id
of a bucket that is gone (invisible, its blob never reclaimed). So DeleteBucket first commits a
marker `(BUCKET_DELETIONS, bucket.id)`, then scans, then deletes the bucket record (or, when
the bucket is not empty, the marker). Every commit that creates something in a bucket (an
object, an upload) carries `guard(bucket.id)`: the marker must be absent, checked in the same
transaction. The meta store orders commits, so a guarded write either commits before the
marker (and the scan sees it: BucketNotEmpty) or fails.

A deleted bucket's marker stays, as a tombstone: a write that looked the bucket up before the
delete may reach its commit any time later, and must fail then too (bucket ids are never
reused, so nothing else ever meets it). Tombstones cost a small record per deleted bucket.

Markers are cleared at a start, before the first request is served, and what may be cleared
depends on who else uses the meta store:

- An exclusive meta engine (sqlite, memory: one process owns the data, under a lock):
  `clear_markers` removes every marker. No request of the previous process can still commit,
  and no deletion is in progress. That also clears the marker of a DeleteBucket the previous
  process died in the middle of, which would otherwise refuse every write to that bucket.
- A shared meta engine (N processes): another process may be in the middle of a DeleteBucket
  (clearing its marker would let a racing PutObject be acknowledged into a bucket about to go)
  or may still have late writes for a bucket it deleted (they need the tombstone). So each
  marker says who made it and when (`DeletionMarker`), each process holds a liveness lease
  (`process_lease_name`) while it serves, and `clear_gone_markers` clears only what the maker
  provably no longer needs: nothing of a live maker; the marker of an interrupted deletion
  (its bucket still there) as soon as the maker's lease has expired; a tombstone once its maker
  is gone and it is older than TOMBSTONE_AGE_S. A marker whose maker is unknown (written before
  markers named their maker, with an empty value) is stamped with the time it was first seen,
  and cleared once that is TOMBSTONE_AGE_S old.

Assumption (shared engines): no request stays in flight longer than TOMBSTONE_AGE_S (the orphan
sweep assumes the same of writes, sweep.py), and process clocks agree to well within a lease's
ttl (ports/leases.py).
"""

from __future__ import annotations

import contextlib
import functools
from dataclasses import dataclass

from ownstack.core.errors import ServiceError
from ownstack.core.records import JsonRecord
from ownstack.ports.errors import ConditionFailed
from ownstack.ports.leases import holder_alive
from ownstack.ports.meta import ABSENT, Check, Delete, MetaStore, Put, Record

from .base import no_such_bucket
from .records import BUCKETS, BucketRecord

BUCKET_DELETIONS = "s3:bucket-deletions"
"""bucket id -> DeletionMarker (empty in data written before markers named their maker), from
the start of a DeleteBucket of that bucket until it failed (or, for a bucket it deleted, until
a start clears the tombstone)."""
TOMBSTONE_AGE_S = 24 * 3600.0
"""How old a gone process's tombstone must be before a start on a shared meta store clears it:
longer than any request stays in flight, so no late write of the maker can still need it."""
_PAGE = 1000


@dataclass(slots=True)
class DeletionMarker(JsonRecord):
    holder: str
    """The process that made it (its liveness lease: `process_lease_name(holder)`); "" when
    unknown (a marker from before markers named their maker, stamped when first seen)."""
    made: float
    """Wall-clock seconds since the epoch: when it was written (or, unknown maker, first seen)."""
    bucket: str = ""
    """The bucket's name: its record still holding this id means the deletion never finished."""


def process_lease_name(holder_id: str) -> str:
    """The lease a serving process holds, and renews, to say it is alive (app.py)."""
    return f"process:{holder_id}"


def deletion_marker(bucket: BucketRecord, holder_id: str, now: float) -> Put:
    """The commit that starts a DeleteBucket (fails if a deletion is under way, or done)."""
    value = DeletionMarker(holder_id, now, bucket.name).encode()
    return Put(BUCKET_DELETIONS, bucket.id, value, expect=ABSENT)


@functools.lru_cache(maxsize=4096)
def guard(bucket_id: str) -> Check:
    """The condition every object-creating commit carries: no deletion of the bucket under way.
    Memoised (a Check is immutable): every PutObject asks."""
    return Check(BUCKET_DELETIONS, bucket_id, ABSENT)


def operation_aborted() -> ServiceError:
    return ServiceError(
        "OperationAborted",
        "A conflicting conditional operation is currently in progress against this resource."
        " Please try again.",
        409,
    )


async def deletion_conflict(meta: MetaStore, bucket: BucketRecord) -> ServiceError:
    """The error for a write whose guard failed: the bucket's deletion is under way
    (OperationAborted, as S3 answers), or done (NoSuchBucket)."""
    current = await meta.get(BUCKETS, bucket.name)
    if current is None or BucketRecord.decode(current.value).id != bucket.id:
        return no_such_bucket(bucket.name)
    return operation_aborted()


async def clear_markers(meta: MetaStore) -> int:
    """Delete every marker; return how many. Only on a meta store exclusive to this process,
    before the first request is served (no DeleteBucket can be running)."""
    cleared = 0
    while page := await meta.scan(BUCKET_DELETIONS, limit=_PAGE):
        await meta.commit([Delete(BUCKET_DELETIONS, rec.key) for rec in page])
        cleared += len(page)
    return cleared


async def clear_gone_markers(meta: MetaStore, now: float) -> int:
    """On a meta store other processes share: delete the markers whose makers provably no
    longer need them (module docstring); return how many. Safe while others serve requests:
    each delete is conditional on the version read, so a marker rewritten meanwhile stays."""
    cleared = 0
    start = ""
    while page := await meta.scan(BUCKET_DELETIONS, start=start, limit=_PAGE):
        for rec in page:
            if await _clearable(meta, rec, now):
                cleared += await _delete_if_unchanged(meta, rec)
        start = page[-1].key + "\x00"  # the smallest key after the last one seen
    return cleared


async def _clearable(meta: MetaStore, rec: Record, now: float) -> bool:
    if not rec.value:  # unknown maker: date it from now on, clear it later
        stamped = DeletionMarker("", now).encode()
        with contextlib.suppress(ConditionFailed):
            await meta.commit([Put(BUCKET_DELETIONS, rec.key, stamped, expect=rec.version)])
        return False
    marker = DeletionMarker.decode(rec.value)
    old = marker.made <= now - TOMBSTONE_AGE_S
    if not marker.holder:
        return old
    if await holder_alive(meta, process_lease_name(marker.holder), now):
        return False
    return old or await _deletion_interrupted(meta, rec.key, marker)


async def _deletion_interrupted(meta: MetaStore, bucket_id: str, marker: DeletionMarker) -> bool:
    """Whether the marked bucket still exists: its deletion never finished (not a tombstone)."""
    current = await meta.get(BUCKETS, marker.bucket) if marker.bucket else None
    return current is not None and BucketRecord.decode(current.value).id == bucket_id


async def _delete_if_unchanged(meta: MetaStore, rec: Record) -> int:
    try:
        await meta.commit([Delete(BUCKET_DELETIONS, rec.key, expect=rec.version)])
    except ConditionFailed:  # cleared (or rewritten) meanwhile, e.g. by another starting process
        return 0
    return 1
