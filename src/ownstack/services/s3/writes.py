"""Storing an object's bytes and committing its record: shared by PutObject and CopyObject.

Small objects (known size <= limits.inline_max) are kept inline in the record: one digest pass
and one metadata commit, no file. Larger ones stream into a blob first; the record commit then
makes them visible atomically. A blob whose commit fails is deleted; the blobs of a replaced
record are deleted after the commit (best effort: a crash there leaks, never loses).
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterable, AsyncIterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ownstack.core.errors import ServiceError
from ownstack.core.service import Params
from ownstack.ports.blobs import BlobStore
from ownstack.ports.errors import ConditionFailed, PortError
from ownstack.ports.meta import ABSENT, Check, MetaStore, Op, Put, Record

from .base import header_not_implemented, no_such_key
from .checksums import Digester
from .conditions import etag_matches, precondition_failed
from .deletions import deletion_conflict, guard
from .records import BucketRecord, ObjectRecord, Segment, objects_ns

if TYPE_CHECKING:
    from .sse_store import Sealer

_NOTED_RETRIES = 50


@dataclass(slots=True)
class StoredBytes:
    inline: bytes | None
    segments: list[Segment]


async def store_bytes(
    blobs: BlobStore,
    chunks: AsyncIterable[bytes],
    digester: Digester,
    *,
    known_size: int | None,
    inline_max: int,
    max_size: int,
    sealer: Sealer | None = None,
) -> StoredBytes:
    """The bytes of `chunks`, inline when small and of known size, else in a new blob;
    encrypted by `sealer` when the object is to be (encryption.py)."""
    if known_size is not None and known_size <= inline_max:
        data = b"".join([chunk async for chunk in chunks])
        digester.update(data)
        return StoredBytes(data if sealer is None else sealer.seal_inline(data), [])
    capped = _capped(chunks, max_size)
    if sealer is None:
        ref = await blobs.put(capped, observe=digester.update)
    else:
        ref = await sealer.put_object_blob(blobs, capped, digester.update)
    return StoredBytes(None, [Segment(ref.id, ref.size)] if ref.size else [])


async def _capped(chunks: AsyncIterable[bytes], max_size: int) -> AsyncIterator[bytes]:
    """The chunks, failing (so the blob store keeps nothing) past the single-upload limit."""
    total = 0
    async for chunk in chunks:
        total += len(chunk)
        if total > max_size:
            raise entity_too_large(total, max_size)
        yield chunk


def entity_too_large(size: int, max_size: int) -> ServiceError:
    return ServiceError(
        "EntityTooLarge",
        "Your proposed upload exceeds the maximum allowed size",
        fields={"ProposedSize": str(size), "MaxSizeAllowed": str(max_size)},
    )


async def discard_segments(blobs: BlobStore, segments: list[Segment]) -> None:
    """Delete blobs nothing refers to any more; failures only leak space.

    Callers clean up a write's new blobs on `Exception` only, never on cancellation: a handler
    cancelled while awaiting its metadata commit cannot know whether the commit landed (the
    engine finishes it regardless), and deleting the blob of a committed record would lose an
    acknowledged-to-the-engine object. A blob left unreferenced that way is reclaimed by the
    start-up orphan sweep (sweep.py)."""
    for seg in segments:
        with contextlib.suppress(PortError, OSError):
            await blobs.delete(seg.blob_id)


def conflict() -> ServiceError:
    return ServiceError(
        "ConditionalRequestConflict",
        "A conflicting conditional operation is currently in progress against this resource."
        " Please try again.",
        409,
    )


async def commit_object(
    meta: MetaStore,
    bucket: BucketRecord,
    key: str,
    rec: ObjectRecord,
    params: Params,
    notes: Sequence[Put] = (),
) -> ObjectRecord | None:
    """Make `rec` the object at `key`, honouring IfNoneMatch / IfMatch; return the record it
    replaced (whose blobs the caller then discards), None if there was none. Fails rather than
    commit once a DeleteBucket of the bucket is under way (deletions.py). `notes` (the
    change's notification outbox records) are committed with it."""
    replaced = await _commit(meta, bucket, key, rec, params, notes)
    return None if replaced is None else ObjectRecord.decode(replaced)


async def commit_replacing(
    meta: MetaStore,
    bucket: BucketRecord,
    key: str,
    rec: ObjectRecord,
    params: Params,
    notes: Sequence[Put] = (),
) -> list[Segment]:
    """commit_object for a caller that needs only the replaced record's blob segments (to
    discard them): it skips decoding the rest of that record (its inline bytes, ~10 us of a
    1 KiB PutObject that overwrites)."""
    replaced = await _commit(meta, bucket, key, rec, params, notes)
    return [] if replaced is None else ObjectRecord.segments_of(replaced)


async def _commit(
    meta: MetaStore,
    bucket: BucketRecord,
    key: str,
    rec: ObjectRecord,
    params: Params,
    notes: Sequence[Put],
) -> bytes | None:
    """commit_object's work; returns the encoded record replaced."""
    ns, bucket_guard = objects_ns(bucket.id), guard(bucket.id)
    try:
        if_none_match = params.get("IfNoneMatch")
        if if_none_match is not None:
            await _commit_if_absent(meta, ns, key, rec, str(if_none_match), bucket_guard, notes)
            return None
        if_match = params.get("IfMatch")
        if if_match is not None:
            return await _commit_if_match(meta, ns, key, rec, str(if_match), bucket_guard, notes)
        if notes:  # `replace` writes one record: outbox records need a compare-and-set loop
            return await _commit_noted(meta, ns, key, rec, bucket_guard, notes)
        # The store tells us exactly which record this write displaced (same transaction).
        _, replaced = await meta.replace(ns, key, rec.encode(), guard=bucket_guard)
    except ConditionFailed as exc:
        # Every path puts the guard second: a failure at index 1 is the bucket's deletion.
        if exc.index != 1:
            raise
        raise await deletion_conflict(meta, bucket) from exc
    return None if replaced is None else replaced.value


def check_condition_headers(params: Params) -> None:
    """S3 takes one write condition at a time, and If-Match only with an ETag. Called by
    PutObject and CopyObject before they store any bytes."""
    if params.get("IfNoneMatch") is not None and params.get("IfMatch") is not None:
        raise header_not_implemented(
            "If-Match,If-None-Match", "Multiple conditional request headers present in the request"
        )
    if str(params.get("IfMatch", "")).strip() == "*":
        raise header_not_implemented(
            "If-Match", "We don't accept the provided value of If-Match header for this API"
        )


async def _commit_noted(
    meta: MetaStore, ns: str, key: str, rec: ObjectRecord, bucket_guard: Check, notes: Sequence[Put]
) -> bytes | None:
    """An unconditional write committed with its outbox records: compare-and-set on what is
    there, retried while concurrent writers of the key win; returns what it replaced."""
    value = rec.encode()
    for _ in range(_NOTED_RETRIES):
        current: Record | None = await meta.get(ns, key)
        expect = ABSENT if current is None else current.version
        try:
            await meta.commit([Put(ns, key, value, expect=expect), bucket_guard, *notes])
        except ConditionFailed as exc:
            if exc.index != 0:
                raise
            continue
        return None if current is None else current.value
    raise conflict()


async def _commit_if_absent(
    meta: MetaStore,
    ns: str,
    key: str,
    rec: ObjectRecord,
    value: str,
    bucket_guard: Check,
    notes: Sequence[Put],
) -> None:
    if value.strip() != "*":
        raise header_not_implemented("If-None-Match")
    try:
        await meta.commit([Put(ns, key, rec.encode(), expect=ABSENT), bucket_guard, *notes])
    except ConditionFailed as exc:
        if exc.index != 0:
            raise
        raise precondition_failed("If-None-Match") from exc


async def _commit_if_match(
    meta: MetaStore,
    ns: str,
    key: str,
    rec: ObjectRecord,
    value: str,
    bucket_guard: Check,
    notes: Sequence[Put],
) -> bytes:
    current = await meta.get(ns, key)
    if current is None:
        raise no_such_key(key)
    if not etag_matches(ObjectRecord.decode(current.value).etag, value):
        raise precondition_failed("If-Match")
    try:
        ops: list[Op] = [Put(ns, key, rec.encode(), expect=current.version), bucket_guard]
        await meta.commit([*ops, *notes])
    except ConditionFailed as exc:
        if exc.index != 0:
            raise
        raise conflict() from exc
    return current.value
