"""CompleteMultipartUpload: one metadata commit turns the listed parts into the object.

The object's segments are the parts' blobs, in order: no byte is copied. The same commit
deletes the upload and every part record; afterwards the blobs of parts that were uploaded but
not listed, and the replaced object's blobs, are deleted (a crash in between leaves garbage,
never a broken object).
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from ownstack.core.context import RequestContext
from ownstack.core.errors import ServiceError
from ownstack.core.service import Params, Result
from ownstack.ports.errors import ConditionFailed
from ownstack.ports.meta import ABSENT, Delete, Op, Put, Record

from .access import owned_bucket
from .base import header_not_implemented, no_such_key
from .checksums import DEFAULT_CHECKSUM, member
from .conditions import etag_matches, precondition_failed
from .delete_objects import delete_segments
from .deletions import deletion_conflict, guard
from .encryption import complete_encryption, stored_encryption_output
from .errors import malformed_xml
from .lifecycle_rules import add_expiration
from .multipart_checksums import (
    FULL_OBJECT,
    check_sent_object_checksum,
    default_object_checksum,
    object_checksum,
)
from .multipart_store import (
    LoadedUpload,
    all_parts,
    check_part_number,
    delete_blobs,
    load_upload,
    no_such_upload,
    purge_parts,
)
from .records import (
    BucketRecord,
    ObjectRecord,
    PartRecord,
    Segment,
    objects_ns,
    parts_ns,
    uploads_ns,
)
from .versioning import VersioningOps
from .versioning_ids import add_written_version_id
from .versioning_store import Plan, load_state, plan_write
from .writes import discard_segments

_RETRIES = 50


@dataclass(frozen=True, slots=True)
class ListedPart:
    number: int
    etag: str
    checksums: dict[str, str]


class MultipartCompleteOps(VersioningOps):
    async def complete_multipart_upload(self, ctx: RequestContext, params: Params) -> Result:
        bucket = await owned_bucket(self, ctx, params)
        key: str = params["Key"]
        upload_id = params.get("UploadId")
        listed = _listed_parts(params, str(upload_id), self.limits.max_parts)
        for _ in range(_RETRIES):
            try:
                loaded = await load_upload(self.meta, bucket, key, upload_id)
            except ServiceError:
                return await self._mpu_replay(ctx, bucket, key, str(upload_id), listed)
            part_records = await all_parts(self.meta, bucket, loaded.upload.upload_id)
            chosen = _match_parts(listed, part_records, loaded)
            self._mpu_check_sizes(chosen)
            obj = _object_record(loaded, chosen, params)
            complete_encryption(obj, loaded.upload, chosen)  # encrypted as its upload was
            obj.completion = _completion(loaded.upload.upload_id, listed)
            plan: Plan | None = None
            if bucket.versioning:  # a new version, in the same commit (versioning.py)
                state = await load_state(self.meta, bucket, key, want_null=True)
                existing = state.current_raw
                _check_conditions(key, existing, params, loaded.upload.initiated)
                plan = plan_write(bucket, state, obj, self.clock.now())
                await self._removing(ctx, bucket, plan, params)
            else:
                existing = await self.meta.get(objects_ns(bucket.id), key)
                _check_conditions(key, existing, params, loaded.upload.initiated)
            event = "ObjectCreated:CompleteMultipartUpload"
            notes = self.notes(ctx, bucket, event, key, obj.size, obj.etag, obj.version_id)
            ops = _commit_ops(bucket, key, obj, existing, loaded, part_records, notes, plan)
            try:
                await self.meta.commit(ops)
            except ConditionFailed as exc:
                if exc.index == len(ops) - 1:  # the guard: the bucket is being deleted
                    raise await deletion_conflict(self.meta, bucket) from exc
                continue
            await self._mpu_cleanup(None if plan else existing, chosen, part_records)
            if plan is not None:
                await discard_segments(self.blobs, plan.freed())
            await purge_parts(self.meta, self.blobs, bucket, loaded.upload.upload_id)
            return _result(ctx, bucket, key, obj, self.limits.lifecycle_day_s)
        raise ServiceError(
            "OperationAborted",
            "A conflicting conditional operation is currently in progress against this"
            " resource. Please try again.",
            409,
        )

    async def _mpu_replay(
        self,
        ctx: RequestContext,
        bucket: BucketRecord,
        key: str,
        upload_id: str,
        listed: list[ListedPart],
    ) -> Result:
        """A CompleteMultipartUpload retried after it succeeded (its answer lost on the way)
        gets the same answer, as on S3, while the object is still the one that upload made
        with the same part list. Anything else: NoSuchUpload, as for any unknown upload."""
        existing = await self.meta.get(objects_ns(bucket.id), key)
        if existing is not None:
            obj = ObjectRecord.decode(existing.value)
            if obj.completion and obj.completion == _completion(upload_id, listed):
                return _result(ctx, bucket, key, obj, self.limits.lifecycle_day_s)
        raise no_such_upload(upload_id)

    def _mpu_check_sizes(self, chosen: list[PartRecord]) -> None:
        for part in chosen[:-1]:
            if part.size < self.limits.min_part_size:
                raise ServiceError(
                    "EntityTooSmall",
                    "Your proposed upload is smaller than the minimum allowed size",
                    fields={
                        "ProposedSize": str(part.size),
                        "MinSizeAllowed": str(self.limits.min_part_size),
                        "PartNumber": str(part.part_number),
                        "ETag": part.etag.strip('"'),
                    },
                )

    async def _mpu_cleanup(
        self, existing: Record | None, chosen: list[PartRecord], part_records: list[Record]
    ) -> None:
        kept = {p.blob_id for p in chosen}
        unlisted = [PartRecord.decode(r.value).blob_id for r in part_records]
        await delete_blobs(self.blobs, [b for b in unlisted if b not in kept])
        if existing is not None:
            await delete_segments(self, ObjectRecord.decode(existing.value))


def _listed_parts(params: Params, upload_id: str, max_parts: int) -> list[ListedPart]:
    """The request's part list: non-empty (MalformedXML) and strictly ascending."""
    upload = params.get("MultipartUpload") or {}
    raw: list[dict[str, Any]] = upload.get("Parts") or []
    if not raw:
        raise malformed_xml()
    listed: list[ListedPart] = []
    for item in raw:
        number, etag = item.get("PartNumber"), item.get("ETag")
        if not isinstance(number, int) or not isinstance(etag, str):
            raise malformed_xml()
        check_part_number(number, max_parts)  # out of range: InvalidArgument, not InvalidPart
        if listed and number <= listed[-1].number:
            raise ServiceError(
                "InvalidPartOrder",
                "The list of parts was not in ascending order. Parts must be ordered by part"
                " number.",
                fields={"UploadId": upload_id},
            )
        sums = {k: str(v) for k, v in item.items() if k.startswith("Checksum") and v is not None}
        listed.append(ListedPart(number, etag, sums))
    return listed


def _completion(upload_id: str, listed: list[ListedPart]) -> str:
    """The upload id plus a digest of the part list (numbers and ETags, quotes aside)."""
    parts = ",".join(f"{p.number}:{_bare(p.etag)}" for p in listed)
    return f"{upload_id}/{hashlib.sha256(parts.encode()).hexdigest()[:32]}"


def _bare(etag: str) -> str:
    return etag.strip('"')


def _match_parts(
    listed: list[ListedPart], records: list[Record], loaded: LoadedUpload
) -> list[PartRecord]:
    """The stored part for each listed one; InvalidPart when missing or its ETag differs."""
    stored = {p.part_number: p for p in (PartRecord.decode(r.value) for r in records)}
    algorithm, kind = loaded.upload.checksum_algorithm, loaded.upload.checksum_type
    chosen: list[PartRecord] = []
    for item in listed:
        part = stored.get(item.number)
        if part is None or part.etag.strip('"') != item.etag.strip().strip('"'):
            raise _invalid_part(loaded.upload.upload_id, item)
        for name, value in item.checksums.items():
            if part.checksums.get(name) != value:
                raise _invalid_part(loaded.upload.upload_id, item)
        if kind == "COMPOSITE" and member(algorithm) not in item.checksums:
            raise ServiceError(
                "InvalidRequest",
                f"The upload was created using a {algorithm.lower()} checksum. The complete"
                " request must include the checksum for each part. It was missing for part"
                f" {item.number} in the request.",
            )
        chosen.append(part)
    return chosen


def _invalid_part(upload_id: str, item: ListedPart) -> ServiceError:
    return ServiceError(
        "InvalidPart",
        "One or more of the specified parts could not be found.  The part may not have been"
        " uploaded, or the specified entity tag may not have matched the part's entity tag.",
        fields={"UploadId": upload_id, "PartNumber": str(item.number), "ETag": item.etag},
    )


def multipart_etag(parts: list[PartRecord]) -> str:
    digests = b"".join(bytes.fromhex(p.etag.strip('"')) for p in parts)
    return f'"{hashlib.md5(digests).hexdigest()}-{len(parts)}"'  # noqa: S324 - S3's ETag


def _object_record(loaded: LoadedUpload, chosen: list[PartRecord], params: Params) -> ObjectRecord:
    upload = loaded.upload
    size = sum(p.size for p in chosen)
    expected_size = params.get("MpuObjectSize")
    if expected_size is not None and int(expected_size) != size:
        raise ServiceError(
            "InvalidRequest",
            f"The provided 'x-amz-mp-object-size' header value \"{expected_size}\" does not"
            f' match what was computed: "{size}"',
        )
    obj = ObjectRecord(
        size=size,
        etag=multipart_etag(chosen),
        # S3: a multipart object's creation date is when its upload was initiated.
        last_modified=upload.initiated,
        content_type=upload.content_type,
        metadata=dict(upload.metadata),
        headers=dict(upload.headers),
        part_sizes=[p.size for p in chosen],
        segments=[Segment(p.blob_id, p.size) for p in chosen],
        tags=dict(upload.tags),
        storage_class=upload.storage_class,
        owner_id=upload.owner_id,
        owner_name=upload.owner_name,
        acl=upload.acl,
        lock=upload.lock,  # Object Lock, as its upload was created (object_lock.py)
    )
    if upload.checksum_algorithm:
        value = object_checksum(upload.checksum_algorithm, upload.checksum_type, chosen)
        if value is not None:
            check_sent_object_checksum(upload.checksum_algorithm, value, params)
            name = member(upload.checksum_algorithm)
            obj.checksums = {name: value}
            obj.checksum_type = upload.checksum_type
            obj.part_checksums = [p.checksums[name] for p in chosen]
    else:
        _default_checksum(obj, chosen)
    return obj


def _default_checksum(obj: ObjectRecord, chosen: list[PartRecord]) -> None:
    """An upload naming no algorithm still gets S3's default full-object CRC64NVME. No part
    checksums: the parts have no checksum a client asked for."""
    value = default_object_checksum(chosen)
    if value is not None:
        obj.checksums = {member(DEFAULT_CHECKSUM): value}
        obj.checksum_type = FULL_OBJECT


def _check_conditions(key: str, existing: Record | None, params: Params, initiated: float) -> None:
    """If-None-Match: * (create only) and If-Match: <etag> (replace only that version)."""
    if_none_match = params.get("IfNoneMatch")
    if if_none_match is not None:
        if str(if_none_match).strip() != "*":
            raise header_not_implemented("If-None-Match")
        if existing is not None:
            raise precondition_failed("If-None-Match")
    if_match = params.get("IfMatch")
    if if_match is None:
        return
    if existing is None:
        raise no_such_key(key)
    current = ObjectRecord.decode(existing.value)
    if not etag_matches(current.etag, if_match):
        raise precondition_failed("If-Match")
    if current.last_modified > initiated:
        # S3 refuses a conditional completion when the key was written after the upload
        # began, even by a write with the same ETag: the condition was evaluated too late.
        raise ServiceError(
            "ConditionalRequestConflict",
            "The conditional request cannot succeed due to a conflicting operation against"
            " this resource.",
            409,
            fields={"Condition": "If-Match", "Key": key},
        )


def _commit_ops(
    bucket: BucketRecord,
    key: str,
    obj: ObjectRecord,
    existing: Record | None,
    loaded: LoadedUpload,
    part_records: list[Record],
    notes: Sequence[Put],
    plan: Plan | None = None,
) -> list[Op]:
    # The object is replaced only if it is still what the conditions (and cleanup) looked at,
    # and the parts only if none was re-uploaded since the scan (else the completion retries).
    pns = parts_ns(bucket.id, loaded.upload.upload_id)
    expect = ABSENT if existing is None else existing.version
    put = [Put(objects_ns(bucket.id), key, obj.encode(), expect)] if plan is None else plan.ops
    return [
        *put,
        Delete(uploads_ns(bucket.id), loaded.record.key, expect=loaded.record.version),
        *(Delete(pns, r.key, expect=r.version) for r in part_records),
        *notes,  # the notification outbox records, unconditional
        # Last, so its index is known: no object may appear in a bucket being deleted (which
        # would otherwise take this upload's records with it, deletions.py).
        guard(bucket.id),
    ]


def _result(
    ctx: RequestContext, bucket: BucketRecord, key: str, obj: ObjectRecord, day_s: int
) -> Result:
    host = ctx.host or "localhost"
    result: Result = {
        "Location": f"{ctx.scheme}://{host}/{bucket.name}/{quote(key, safe='/')}",
        "Bucket": bucket.name,
        "Key": key,
        "ETag": obj.etag,
        **obj.checksums,
    }
    if obj.checksum_type:
        result["ChecksumType"] = obj.checksum_type
    if bucket.versioning:
        add_written_version_id(result, obj.version_id)
    result.update(stored_encryption_output(obj))
    add_expiration(result, bucket, key, obj, day_s)
    return result
