"""Reading and writing multipart upload state (records.py layout) and the errors around it."""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import Iterable
from dataclasses import dataclass

from ownstack.core.errors import ServiceError
from ownstack.ports.blobs import BlobStore
from ownstack.ports.meta import Delete, MetaStore, Record

from .records import BucketRecord, PartRecord, UploadRecord, parts_ns, upload_key, uploads_ns

_SCAN = 1000


@dataclass(slots=True)
class LoadedUpload:
    upload: UploadRecord
    record: Record
    """The raw record: its version guards every commit against a concurrent complete/abort."""


def new_upload_id(initiated: float) -> str:
    """Opaque, URL-safe and unguessable, like S3's. It starts with the initiation time
    (microseconds, fixed-width hex) so that a key's uploads, stored in upload-id order, list in
    initiation order as S3 documents: "upload ids after upload-id-marker" = "initiated later"."""
    return f"{round(initiated * 1_000_000):014x}" + secrets.token_urlsafe(48)


def no_such_upload(upload_id: str) -> ServiceError:
    return ServiceError(
        "NoSuchUpload",
        "The specified upload does not exist. The upload ID may be invalid, or the upload may"
        " have been aborted or completed.",
        404,
        fields={"UploadId": upload_id},
    )


def check_part_number(value: object, max_parts: int) -> int:
    if isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= max_parts:
        return value
    raise ServiceError(
        "InvalidArgument",
        f"Part number must be an integer between 1 and {max_parts}, inclusive",
        fields={"ArgumentName": "partNumber", "ArgumentValue": str(value)},
    )


async def load_upload(
    meta: MetaStore, bucket: BucketRecord, key: str, upload_id: object
) -> LoadedUpload:
    """The upload `upload_id` of `key`, or NoSuchUpload (also for another key's upload id)."""
    if not isinstance(upload_id, str) or not upload_id or "\x00" in upload_id:
        raise no_such_upload(str(upload_id))
    rec = await meta.get(uploads_ns(bucket.id), upload_key(key, upload_id))
    if rec is None:
        raise no_such_upload(upload_id)
    return LoadedUpload(UploadRecord.decode(rec.value), rec)


async def all_parts(meta: MetaStore, bucket: BucketRecord, upload_id: str) -> list[Record]:
    """Every part record of the upload, by part number."""
    ns = parts_ns(bucket.id, upload_id)
    found: list[Record] = []
    start = ""
    while True:
        batch = await meta.scan(ns, start=start, limit=_SCAN)
        found.extend(batch)
        if len(batch) < _SCAN:
            return found
        start = batch[-1].key + "\x00"


def decode_parts(records: Iterable[Record]) -> list[PartRecord]:
    return [PartRecord.decode(rec.value) for rec in records]


async def delete_blobs(blobs: BlobStore, blob_ids: Iterable[str]) -> None:
    """Best effort, after the commit that unreferenced them: a failure only leaves garbage."""
    ids = list(blob_ids)
    if ids:
        await asyncio.gather(*(blobs.delete(i) for i in ids), return_exceptions=True)


async def purge_parts(
    meta: MetaStore, blobs: BlobStore, bucket: BucketRecord, upload_id: str
) -> None:
    """After an upload is completed or aborted: remove part records (and blobs) committed
    while that was under way. None can be added later: a part commit checks the upload."""
    ns = parts_ns(bucket.id, upload_id)
    while True:
        leftovers = await meta.scan(ns, limit=_SCAN)
        if not leftovers:
            return
        await meta.commit([Delete(ns, r.key) for r in leftovers])
        await delete_blobs(blobs, [p.blob_id for p in decode_parts(leftovers)])


async def purge_uploads(meta: MetaStore, blobs: BlobStore, bucket: BucketRecord) -> None:
    """After DeleteBucket deleted `bucket`'s record: remove its in-progress uploads, their parts
    and the parts' blobs. No upload can be created meanwhile (the bucket's deletion marker
    stays); a part committing meanwhile either lands before its upload's record is deleted (and
    `purge_parts` takes it) or fails its upload check (and its writer discards its blob)."""
    ns = uploads_ns(bucket.id)
    while uploads := await meta.scan(ns, limit=_SCAN):
        for rec in uploads:
            upload_id = UploadRecord.decode(rec.value).upload_id
            parts = await all_parts(meta, bucket, upload_id)
            pns = parts_ns(bucket.id, upload_id)
            await meta.commit([Delete(ns, rec.key), *(Delete(pns, p.key) for p in parts)])
            await delete_blobs(blobs, [p.blob_id for p in decode_parts(parts)])
            await purge_parts(meta, blobs, bucket, upload_id)
