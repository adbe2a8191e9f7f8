"""Single objects: PutObject and DeleteObject (reads are in reads.py, ObjectReadOps)."""

from __future__ import annotations

from collections.abc import Sequence

from ownstack.core.context import RequestContext
from ownstack.core.errors import ServiceError
from ownstack.core.http import BodyReader, BytesBody
from ownstack.core.service import Params, Result
from ownstack.ports.errors import ConditionFailed
from ownstack.ports.meta import Delete, Put

from .access import owned_bucket
from .acl_ops import object_acl_on_write
from .base import no_such_key
from .checksums import (
    DEFAULT_CHECKSUM,
    Digester,
    checksum_algorithms,
    member,
    trailers_of,
    verify_upload,
)
from .conditions import etag_matches, precondition_failed
from .encryption import refuse_unsupported_encryption, sealed, write_sealer
from .headers import stored_headers
from .lifecycle_rules import add_expiration
from .names import check_key, check_metadata, storage_class
from .object_lock import check_bypass_header, lock_on_write
from .reads import ObjectReadOps
from .records import ObjectRecord, objects_ns
from .sse_store import Sealer
from .tagging import tags_from_header
from .versioning import VersioningOps, refuse_mfa
from .versioning_ids import add_written_version_id, check_version_id
from .writes import (
    StoredBytes,
    check_condition_headers,
    commit_replacing,
    discard_segments,
    entity_too_large,
    store_bytes,
)

CREATED_EVENT = "__created_event__"
"""A PutObject param the gateway sets for a browser upload (POST Object): the event it is
notified as ("ObjectCreated:Post"); no client can send it (it is no model member)."""


class ObjectOps(ObjectReadOps, VersioningOps):
    async def put_object(self, ctx: RequestContext, params: Params) -> Result:
        refuse_unsupported_encryption(params)
        key = params["Key"]
        check_key(key, self.limits.max_key_bytes)
        bucket = await owned_bucket(self, ctx, params)
        # Everything that can be rejected up front is, before a byte of the body is read.
        check_condition_headers(params)
        lock = lock_on_write(ctx, bucket, params, self.clock.now(), "PutObject")  # Object Lock
        sealer = write_sealer(ctx, params, bucket, self.sse_keys)  # encryption at rest
        rec = ObjectRecord(
            size=0,
            etag="",
            last_modified=0.0,
            content_type=params.get("ContentType") or "binary/octet-stream",
            metadata=check_metadata(params.get("Metadata") or {}, self.limits.max_metadata_bytes),
            headers=stored_headers(params),
            checksum_type="FULL_OBJECT",
            tags=tags_from_header(params.get("Tagging")),
            storage_class=storage_class(params.get("StorageClass")),
            lock=lock,
        )
        rec.owner_id, rec.acl = object_acl_on_write(ctx, bucket, params, self.account_ids)
        body: BodyReader = params.get("Body") or BytesBody(b"")
        digester, stored = await self._receive(body, params, sealer)
        try:
            rec.checksums = verify_upload(digester, params, trailers_of(body)) or {
                member(DEFAULT_CHECKSUM): digester.checksum_b64(DEFAULT_CHECKSUM)
            }
            rec.size, rec.etag = digester.size, f'"{digester.md5_hex()}"'
            rec.inline, rec.segments = stored.inline, stored.segments
            sse_out = sealed(sealer, rec)
            rec.last_modified = self.clock.now()
            event = params.get(CREATED_EVENT, "ObjectCreated:Put")
            if bucket.versioning:  # a new version (versioning.py); frees a replaced null one
                await self._put_version(ctx, bucket, key, rec, params, event)
                replaced = []
            else:
                notes = self.notes(ctx, bucket, event, key, rec.size, rec.etag)
                replaced = await commit_replacing(self.meta, bucket, key, rec, params, notes)
        except Exception:  # not BaseException: a cancelled commit may still land (see
            # writes.discard_segments); then the new blob must stay referenced
            await discard_segments(self.blobs, stored.segments)
            raise
        await discard_segments(self.blobs, replaced)
        out = {"ETag": rec.etag, **rec.checksums, "ChecksumType": "FULL_OBJECT", **sse_out}
        if bucket.versioning:
            add_written_version_id(out, rec.version_id)
        add_expiration(out, bucket, key, rec, self.limits.lifecycle_day_s)
        return out

    async def _receive(
        self, body: BodyReader, params: Params, sealer: Sealer | None = None
    ) -> tuple[Digester, StoredBytes]:
        """Read the body once: digest it and keep it inline or in a new blob (encrypted by
        `sealer`, if any)."""
        declared = _declared_size(body, params)
        if declared is not None and declared > self.limits.max_single_put:
            raise entity_too_large(declared, self.limits.max_single_put)
        digester = Digester(checksum_algorithms(params) or [DEFAULT_CHECKSUM])
        stored = await store_bytes(
            self.blobs,
            body,
            digester,
            known_size=declared,
            inline_max=self.limits.inline_max,
            max_size=self.limits.max_single_put,
            sealer=sealer,
        )
        return digester, stored

    async def delete_object(self, ctx: RequestContext, params: Params) -> Result:
        bucket = await owned_bucket(self, ctx, params)
        key = params["Key"]
        version_id = params.get("VersionId")
        check_version_id(version_id)
        refuse_mfa(params)
        check_bypass_header(bucket, params)  # object_lock.py
        if bucket.versioning:
            return await self._delete_version(ctx, bucket, key, version_id, params)
        if version_id is not None and version_id != "null":
            return {"VersionId": version_id}  # never versioned: no such version to delete
        ns = objects_ns(bucket.id)
        raw = await self.meta.get(ns, key)
        if_match = params.get("IfMatch")
        # S3 notifies a delete even of a key that is not there.
        notes = self.notes(ctx, bucket, "ObjectRemoved:Delete", key)
        if raw is None:
            if if_match is not None:
                raise no_such_key(key)
            if notes:
                await self.meta.commit(notes)
            return {}
        rec = ObjectRecord.decode(raw.value)
        if rec.seq:  # a version's record: versioning was enabled since the bucket was read
            fresh = await owned_bucket(self, ctx, params)
            return await self._delete_version(ctx, fresh, key, version_id, params)
        if if_match is not None and not etag_matches(rec.etag, if_match):
            raise precondition_failed("If-Match")
        try:
            await self.meta.commit([Delete(ns, key, expect=raw.version), *notes])
        except ConditionFailed:
            return await self._delete_replaced(ns, key, if_match is not None, notes)
        await discard_segments(self.blobs, rec.segments)
        return {}

    async def _delete_replaced(
        self, ns: str, key: str, conditional: bool, notes: Sequence[Put]
    ) -> Result:
        """The object changed between our read and delete: a conditional delete reports the
        conflict; an unconditional one deletes whatever is there now."""
        if conditional:
            raise ServiceError(
                "ConditionalRequestConflict",
                "A conflicting conditional operation is currently in progress against this"
                " resource. Please try again.",
                409,
            )
        for _ in range(20):
            raw = await self.meta.get(ns, key)
            if raw is None:
                if notes:
                    await self.meta.commit(notes)
                return {}
            try:
                await self.meta.commit([Delete(ns, key, expect=raw.version), *notes])
            except ConditionFailed:
                continue
            await discard_segments(self.blobs, ObjectRecord.segments_of(raw.value))
            return {}
        return {}


def _declared_size(body: BodyReader, params: Params) -> int | None:
    length = body.content_length
    if length is not None:
        return length
    value = params.get("ContentLength")
    return int(value) if value is not None else None
