"""Multipart uploads: create, upload a part (from the body or copied from an object), abort.
Completion and the listings live in multipart_complete.py and multipart_list.py.

A part commit checks that its upload still exists, so no part is stored after the upload is
completed or aborted; a part committed while a completion or abort was under way (after its
scan, before its commit) is purged right after that commit, blob included.
"""

from __future__ import annotations

from collections.abc import AsyncIterable

from ownstack.core.context import RequestContext
from ownstack.core.errors import ServiceError
from ownstack.core.service import Params, Result
from ownstack.ports.blobs import BlobRef
from ownstack.ports.errors import ConditionFailed
from ownstack.ports.meta import ABSENT, Check, Delete, Op, Put

from .access import owned_bucket
from .acl_ops import object_acl_on_write
from .base import canonical_user_id
from .body import object_chunks
from .checksums import (
    DEFAULT_CHECKSUM,
    Digester,
    checksum_algorithms,
    member,
    trailers_of,
    verify_upload,
)
from .conditions import check_copy_source, precondition_failed, to_epoch
from .copy_source import parse_copy_range, parse_copy_source
from .deletions import deletion_conflict, guard
from .encryption import (
    copy_source_opener,
    part_sealer,
    put_part_blob,
    refuse_unsupported_encryption,
    sealed_part,
    upload_encryption,
)
from .headers import stored_headers, timestamp
from .multipart_checksums import check_part_algorithms, upload_checksum
from .multipart_complete import MultipartCompleteOps
from .multipart_list import MultipartListOps
from .multipart_store import (
    LoadedUpload,
    all_parts,
    check_part_number,
    decode_parts,
    delete_blobs,
    load_upload,
    new_upload_id,
    no_such_upload,
    purge_parts,
)
from .names import check_key, check_metadata
from .object_lock import check_part_integrity, lock_on_write
from .records import (
    BucketRecord,
    ObjectRecord,
    PartRecord,
    UploadRecord,
    part_key,
    parts_ns,
    upload_key,
    uploads_ns,
)
from .tagging import tags_from_header
from .versioning_ids import check_version_id
from .versioning_read import source_version

_RETRIES = 50


class MultipartOps(MultipartCompleteOps, MultipartListOps):
    async def create_multipart_upload(self, ctx: RequestContext, params: Params) -> Result:
        refuse_unsupported_encryption(params)
        bucket = await owned_bucket(self, ctx, params)
        key: str = params["Key"]
        check_key(key, self.limits.max_key_bytes)
        algorithm, kind = upload_checksum(params)
        now = self.clock.now()
        lock = lock_on_write(ctx, bucket, params, now, "CreateMultipartUpload")  # object_lock.py
        upload = UploadRecord(
            key=key,
            upload_id=new_upload_id(now),
            initiated=now,
            content_type=params.get("ContentType") or "binary/octet-stream",
            metadata=check_metadata(params.get("Metadata") or {}, self.limits.max_metadata_bytes),
            headers=stored_headers(params),
            checksum_algorithm=algorithm,
            checksum_type=kind,
            tags=tags_from_header(params.get("Tagging")),
            storage_class=params.get("StorageClass") or "STANDARD",
            owner_id=canonical_user_id(ctx.account_id),
            owner_name=bucket.owner_name,
            lock=lock,
        )
        upload.owner_id, upload.acl = object_acl_on_write(ctx, bucket, params, self.account_ids)
        sse_out = upload_encryption(ctx, params, bucket, upload, self.sse_keys)
        ns, rkey = uploads_ns(bucket.id), upload_key(key, upload.upload_id)
        try:  # the guard: no upload may appear in a bucket whose deletion is under way
            await self.meta.commit(
                [Put(ns, rkey, upload.encode(), expect=ABSENT), guard(bucket.id)]
            )
        except ConditionFailed as exc:
            if exc.index != 1:
                raise
            raise await deletion_conflict(self.meta, bucket) from exc
        result: Result = {"Bucket": bucket.name, "Key": key, "UploadId": upload.upload_id}
        result.update(sse_out)
        if algorithm:
            result["ChecksumAlgorithm"] = algorithm
            result["ChecksumType"] = kind
        return result

    async def upload_part(self, ctx: RequestContext, params: Params) -> Result:
        refuse_unsupported_encryption(params)
        bucket = await owned_bucket(self, ctx, params)
        number = check_part_number(params.get("PartNumber"), self.limits.max_parts)
        loaded = await load_upload(self.meta, bucket, params["Key"], params.get("UploadId"))
        check_part_integrity(loaded.upload, params)  # a locked upload's parts: object_lock.py
        algorithm = loaded.upload.checksum_algorithm
        sent = checksum_algorithms(params)
        check_part_algorithms(algorithm, [a for a in sent if params.get(member(a)) is not None])
        digester = Digester({*sent, algorithm or DEFAULT_CHECKSUM})
        body = params.get("Body")
        sealer = part_sealer(ctx, params, loaded.upload, self.sse_keys)  # encryption at rest
        ref = await put_part_blob(self.blobs, _chunks(body), digester.update, sealer)
        try:
            self._mpu_check_part_size(ref)
            checksums = verify_upload(digester, params, trailers_of(body))
            check_part_algorithms(algorithm, [m.removeprefix("Checksum") for m in checksums])
            if algorithm:
                checksums[member(algorithm)] = digester.checksum_b64(algorithm)
            part = self._mpu_part(number, ref, f'"{digester.md5_hex()}"', checksums)
            sse_out = sealed_part(sealer, part)
            if not algorithm:
                part.default_crc64 = digester.checksum_b64(DEFAULT_CHECKSUM)
            await self._mpu_commit_part(bucket, loaded, part)
        except Exception:  # not BaseException: a cancelled commit may still land (see
            # writes.discard_segments); then the new blob must stay referenced
            await delete_blobs(self.blobs, [ref.id])
            raise
        return {"ETag": part.etag, **checksums, **sse_out}

    async def upload_part_copy(self, ctx: RequestContext, params: Params) -> Result:
        refuse_unsupported_encryption(params)
        bucket = await owned_bucket(self, ctx, params)
        number = check_part_number(params.get("PartNumber"), self.limits.max_parts)
        loaded = await load_upload(self.meta, bucket, params["Key"], params.get("UploadId"))
        source = await self._mpu_copy_source(ctx, params)
        start, end = self._mpu_copy_range(params, source)
        algorithm = loaded.upload.checksum_algorithm
        digester = Digester([algorithm or DEFAULT_CHECKSUM])
        opened = copy_source_opener(ctx, params, source, self.sse_keys)  # encryption at rest
        sealer = part_sealer(ctx, params, loaded.upload, self.sse_keys)
        chunks = object_chunks(self.blobs, source, start, end, opened)
        ref = await put_part_blob(self.blobs, chunks, digester.update, sealer)
        try:
            checksums = {member(algorithm): digester.checksum_b64(algorithm)} if algorithm else {}
            part = self._mpu_part(number, ref, f'"{digester.md5_hex()}"', checksums)
            sse_out = sealed_part(sealer, part)
            if not algorithm:
                part.default_crc64 = digester.checksum_b64(DEFAULT_CHECKSUM)
            await self._mpu_commit_part(bucket, loaded, part)
        except Exception:  # not BaseException: a cancelled commit may still land (see
            # writes.discard_segments); then the new blob must stay referenced
            await delete_blobs(self.blobs, [ref.id])
            raise
        copy_result = {"ETag": part.etag, "LastModified": timestamp(part.last_modified)}
        return {"CopyPartResult": {**copy_result, **checksums}, **sse_out}

    async def abort_multipart_upload(self, ctx: RequestContext, params: Params) -> Result:
        bucket = await owned_bucket(self, ctx, params)
        for _ in range(_RETRIES):
            loaded = await load_upload(self.meta, bucket, params["Key"], params.get("UploadId"))
            _check_initiated(loaded.upload, params.get("IfMatchInitiatedTime"))
            parts = await all_parts(self.meta, bucket, loaded.upload.upload_id)
            pns = parts_ns(bucket.id, loaded.upload.upload_id)
            ops: list[Put | Delete] = [
                Delete(uploads_ns(bucket.id), loaded.record.key, expect=loaded.record.version),
                *(Delete(pns, rec.key, expect=rec.version) for rec in parts),
            ]
            try:
                await self.meta.commit(ops)
            except ConditionFailed:
                continue
            await delete_blobs(self.blobs, [p.blob_id for p in decode_parts(parts)])
            await purge_parts(self.meta, self.blobs, bucket, loaded.upload.upload_id)
            return {}
        raise _busy()

    def _mpu_check_part_size(self, ref: BlobRef) -> None:
        if ref.size > self.limits.max_single_put:
            raise ServiceError(
                "EntityTooLarge",
                "Your proposed upload exceeds the maximum allowed size",
                fields={
                    "ProposedSize": str(ref.size),
                    "MaxSizeAllowed": str(self.limits.max_single_put),
                },
            )

    def _mpu_part(
        self, number: int, ref: BlobRef, etag: str, checksums: dict[str, str]
    ) -> PartRecord:
        return PartRecord(
            part_number=number,
            size=ref.size,
            etag=etag,
            last_modified=self.clock.now(),
            blob_id=ref.id,
            checksums=checksums,
        )

    async def _mpu_commit_part(
        self, bucket: BucketRecord, loaded: LoadedUpload, part: PartRecord
    ) -> None:
        """Store the part (replacing any earlier one of that number, whose blob goes after the
        commit) if the upload still exists. Parallel parts never conflict with each other."""
        upload = loaded.upload
        uns, ukey = uploads_ns(bucket.id), upload_key(upload.key, upload.upload_id)
        pns, pkey = parts_ns(bucket.id, upload.upload_id), part_key(part.part_number)
        for _ in range(_RETRIES):
            old = await self.meta.get(pns, pkey)
            ops: list[Op] = [
                Check(uns, ukey, expect=loaded.record.version),
                Put(pns, pkey, part.encode(), expect=ABSENT if old is None else old.version),
            ]
            try:
                await self.meta.commit(ops)
            except ConditionFailed as exc:
                if exc.index == 0:
                    raise no_such_upload(upload.upload_id) from exc
                continue
            if old is not None:
                await delete_blobs(self.blobs, [PartRecord.decode(old.value).blob_id])
            return
        raise _busy()

    async def _mpu_copy_source(self, ctx: RequestContext, params: Params) -> ObjectRecord:
        source = parse_copy_source(str(params.get("CopySource") or ""))
        src_bucket = await owned_bucket(self, ctx, {"Bucket": source.bucket})
        check_version_id(source.version_id)  # versioning_read.py: the named version
        obj = await source_version(self, src_bucket, source.key, source.version_id)
        check_copy_source(obj.etag, obj.last_modified, params, self.clock.now())
        return obj

    def _mpu_copy_range(self, params: Params, source: ObjectRecord) -> tuple[int, int]:
        value = params.get("CopySourceRange")
        if value is not None:
            return parse_copy_range(str(value), source.size)
        if source.size > self.limits.max_single_put:
            raise ServiceError(
                "InvalidRequest",
                "The specified copy source is larger than the maximum allowable size for a copy"
                f" source: {self.limits.max_single_put}",
            )
        return 0, source.size


async def _chunks(body: object) -> AsyncIterable[bytes]:
    if body is None:
        return
    async for chunk in body:  # type: ignore[attr-defined]
        yield chunk


def _check_initiated(upload: UploadRecord, expected: object) -> None:
    """AbortMultipartUpload's x-amz-if-match-initiated-time."""
    if expected is None:
        return
    when = to_epoch(expected)
    if when is None or int(when) != int(upload.initiated):
        raise precondition_failed("x-amz-if-match-initiated-time")


def _busy() -> ServiceError:
    return ServiceError(
        "OperationAborted",
        "A conflicting conditional operation is currently in progress against this resource."
        " Please try again.",
        409,
    )
