"""DeleteObjects: up to 1000 keys in one request, deleted in one metadata commit.

The metadata commit comes first; the deleted objects' blobs are removed after it, so a crash in
between leaves unreferenced blobs (garbage), never an object whose bytes are gone.

Content-MD5 / x-amz-checksum-* being present is a wire-level rule (the model marks the
operation `requestChecksumRequired`; neither header is an input member), so it is enforced
where the body is read, not here.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Any

from ownstack.core.context import RequestContext
from ownstack.core.errors import ServiceError
from ownstack.core.service import Params, Result
from ownstack.ports.errors import ConditionFailed
from ownstack.ports.meta import Delete, Put

from .access import owned_bucket
from .base import S3Base
from .errors import malformed_xml
from .object_lock import check_bypass_header
from .records import BucketRecord, ObjectRecord, objects_ns
from .versioning import VersioningOps, refuse_mfa
from .versioning_ids import is_version_id

_RETRIES = 5
_CONCURRENCY = 16


class DeleteObjectsOps(VersioningOps):
    async def delete_objects(self, ctx: RequestContext, params: Params) -> Result:
        request = params.get("Delete") or {}
        objects: list[dict[str, Any]] = request.get("Objects") or []
        if not objects or len(objects) > self.limits.max_delete_keys:
            raise malformed_xml()
        bucket = await owned_bucket(self, ctx, params)
        refuse_mfa(params)
        check_bypass_header(bucket, params)  # object_lock.py
        bypass = params.get("BypassGovernanceRetention")
        outcomes = [self._delobj_outcome(ctx, bucket.name, obj) for obj in objects]
        if bucket.versioning:
            outcomes = await self._delobj_versioned(ctx, bucket, outcomes, bypass)
        else:
            # A version id of ownstack's form names a version that cannot exist here: done.
            keys = [o["Key"] for o in outcomes if "Code" not in o and _unversioned(o)]
            # One ObjectRemoved:Delete per key deleted (present or not, as for DeleteObject).
            notes = self.notes_of_keys(ctx, bucket, "ObjectRemoved:Delete", keys)
            if not await self._delobj_remove(keys, bucket, notes):
                # Versioning was enabled since the bucket was read (records with seq).
                fresh = await owned_bucket(self, ctx, params)
                outcomes = await self._delobj_versioned(ctx, fresh, outcomes, bypass)
        result: Result = {}
        deleted = [o for o in outcomes if "Code" not in o]
        errors = [o for o in outcomes if "Code" in o]
        if deleted and not request.get("Quiet"):
            result["Deleted"] = deleted
        if errors:
            result["Errors"] = errors
        return result

    def _delobj_outcome(
        self, ctx: RequestContext, bucket: str, obj: dict[str, Any]
    ) -> dict[str, Any]:
        """The Deleted entry for one requested key, or its Errors entry (it has a Code)."""
        key = obj.get("Key")
        if not isinstance(key, str) or not key:
            raise malformed_xml()
        version_id = obj.get("VersionId")
        if f"arn:aws:s3:::{bucket}/{key}" in ctx.denied_items:
            return {"Key": key, "Code": "AccessDenied", "Message": "Access Denied"}
        if version_id is not None and version_id != "null" and not is_version_id(str(version_id)):
            return {
                "Key": key,
                "VersionId": str(version_id),
                "Code": "NoSuchVersion",
                "Message": "The specified version does not exist.",
            }
        if len(key.encode("utf-8", "surrogatepass")) > self.limits.max_key_bytes:
            return {"Key": key, "Code": "KeyTooLongError", "Message": "Your key is too long"}
        entry: dict[str, Any] = {"Key": key}
        if version_id is not None:
            entry["VersionId"] = version_id
        return entry

    async def _delobj_remove(
        self, keys: list[str], bucket: BucketRecord, notes: Sequence[Put]
    ) -> bool:
        """Delete the keys' records in one commit (compare-and-set on each version, so a
        concurrent overwrite is never half-deleted: the batch is re-read and retried), then
        their blobs. `notes` (the notification outbox records) go with that commit. False,
        deleting nothing, when a record is a version's: the bucket is versioning now."""
        ns = objects_ns(bucket.id)
        unique = list(dict.fromkeys(keys))
        for _ in range(_RETRIES):
            present = [r for r in [await self.meta.get(ns, k) for k in unique] if r is not None]
            if not present:
                if notes:
                    await self.meta.commit(notes)
                return True
            records = [ObjectRecord.decode(r.value) for r in present]
            if any(rec.seq for rec in records):
                return False
            try:
                deletes = [Delete(ns, r.key, expect=r.version) for r in present]
                await self.meta.commit([*deletes, *notes])
            except ConditionFailed:
                continue
            for rec in records:
                await delete_segments(self, rec)
            return True
        # Still racing with writers: the last writer wins, as for a plain DeleteObject.
        for key in unique:
            if not await self._delobj_remove_one(ns, key):
                return False
        if notes:
            await self.meta.commit(notes)
        return True

    async def _delobj_remove_one(self, ns: str, key: str) -> bool:
        raw = await self.meta.get(ns, key)
        if raw is None:
            return True
        rec = ObjectRecord.decode(raw.value)
        if rec.seq:
            return False
        await self.meta.commit([Delete(ns, key)])
        await delete_segments(self, rec)
        return True

    async def _delobj_versioned(
        self,
        ctx: RequestContext,
        bucket: BucketRecord,
        outcomes: list[dict[str, Any]],
        bypass: object = None,
    ) -> list[dict[str, Any]]:
        """Each key as DeleteObject does it in a versioning bucket (a delete marker, or the
        named version removed), a few at a time; their Deleted or Errors entries in order.
        `bypass`: the request's x-amz-bypass-governance-retention (Object Lock)."""
        gate = asyncio.Semaphore(_CONCURRENCY)

        async def one(outcome: dict[str, Any]) -> dict[str, Any]:
            if "Code" in outcome:
                return outcome
            key, version_id = outcome["Key"], outcome.get("VersionId")
            try:
                async with gate:
                    each = {"Key": key, "BypassGovernanceRetention": bypass}
                    done = await self._delete_version(ctx, bucket, key, version_id, each)
            except ServiceError as exc:
                return {**outcome, "Code": exc.code, "Message": exc.message}
            entry: dict[str, Any] = dict(outcome)
            if done.get("DeleteMarker"):
                # A marker made (no version named), or the named version was one.
                entry["DeleteMarker"] = True
                entry["DeleteMarkerVersionId"] = done["VersionId"]
            return entry

        return list(await asyncio.gather(*(one(o) for o in outcomes)))


def _unversioned(outcome: dict[str, Any]) -> bool:
    return outcome.get("VersionId") in (None, "null")


async def delete_segments(base: S3Base, rec: ObjectRecord) -> None:
    """Remove a no-longer-referenced object's blobs (best effort: a failure leaves garbage).
    Never a version's (seq > 0): its versions_ns record still names them (versioning.py)."""
    if not rec.segments or rec.seq:
        return
    await asyncio.gather(
        *(base.blobs.delete(seg.blob_id) for seg in rec.segments), return_exceptions=True
    )


__all__ = ["DeleteObjectsOps", "delete_segments", "malformed_xml"]
