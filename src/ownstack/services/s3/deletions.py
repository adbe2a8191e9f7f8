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
reused, so nothing else ever meets it). Tombstones cost a small record per deleted bucket and
last until the next start, when `clear_markers` removes every marker before the first request
is served: no request of the previous process can still commit, and no deletion is in
progress (one server owns its data dir, under an exclusive lock). That also clears the marker
of a DeleteBucket the previous process died in the middle of, which would otherwise refuse
every write to that bucket.
"""

from __future__ import annotations

import functools

from ownstack.core.errors import ServiceError
from ownstack.ports.meta import ABSENT, Check, Delete, MetaStore

from .base import no_such_bucket
from .records import BUCKETS, BucketRecord

BUCKET_DELETIONS = "s3:bucket-deletions"
"""bucket id -> empty value, from the start of a DeleteBucket of that bucket until it failed
(or, for a bucket it deleted, until the process ends)."""
_PAGE = 1000


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
    """Delete every marker; return how many. Only when no DeleteBucket can be running (before
    the first request is served)."""
    cleared = 0
    while page := await meta.scan(BUCKET_DELETIONS, limit=_PAGE):
        await meta.commit([Delete(BUCKET_DELETIONS, rec.key) for rec in page])
        cleared += len(page)
    return cleared
