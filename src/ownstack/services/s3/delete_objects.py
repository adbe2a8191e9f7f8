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
from .notify_ops import NotificationOps
from .records import BucketRecord, ObjectRecord, objects_ns

MALFORMED_XML = (
    "The XML you provided was not well-formed or did not validate against our published schema"
)
_RETRIES = 5


def malformed_xml() -> ServiceError:
    return ServiceError("MalformedXML", MALFORMED_XML)


class DeleteObjectsOps(NotificationOps):
    async def delete_objects(self, ctx: RequestContext, params: Params) -> Result:
        request = params.get("Delete") or {}
        objects: list[dict[str, Any]] = request.get("Objects") or []
        if not objects or len(objects) > self.limits.max_delete_keys:
            raise malformed_xml()
        bucket = await owned_bucket(self, ctx, params)
        outcomes = [self._delobj_outcome(ctx, bucket.name, obj) for obj in objects]
        keys = [o["Key"] for o in outcomes if "Code" not in o]
        # One ObjectRemoved:Delete per key deleted (present or not, as for DeleteObject).
        notes = self.notes_of_keys(ctx, bucket, "ObjectRemoved:Delete", keys)
        await self._delobj_remove(keys, bucket, notes)
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
        if version_id is not None and version_id != "null":
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
    ) -> None:
        """Delete the keys' records in one commit (compare-and-set on each version, so a
        concurrent overwrite is never half-deleted: the batch is re-read and retried), then
        their blobs. `notes` (the notification outbox records) go with that commit."""
        ns = objects_ns(bucket.id)
        unique = list(dict.fromkeys(keys))
        for _ in range(_RETRIES):
            present = [r for r in [await self.meta.get(ns, k) for k in unique] if r is not None]
            if not present:
                if notes:
                    await self.meta.commit(notes)
                return
            try:
                deletes = [Delete(ns, r.key, expect=r.version) for r in present]
                await self.meta.commit([*deletes, *notes])
            except ConditionFailed:
                continue
            for rec in present:
                await delete_segments(self, ObjectRecord.decode(rec.value))
            return
        # Still racing with writers: the last writer wins, as for a plain DeleteObject.
        for key in unique:
            await self._delobj_remove_one(ns, key)
        if notes:
            await self.meta.commit(notes)

    async def _delobj_remove_one(self, ns: str, key: str) -> None:
        rec = await self.meta.get(ns, key)
        if rec is None:
            return
        await self.meta.commit([Delete(ns, key)])
        await delete_segments(self, ObjectRecord.decode(rec.value))


async def delete_segments(base: S3Base, rec: ObjectRecord) -> None:
    """Remove a no-longer-referenced object's blobs (best effort: a failure leaves garbage)."""
    if not rec.segments:
        return
    await asyncio.gather(
        *(base.blobs.delete(seg.blob_id) for seg in rec.segments), return_exceptions=True
    )


__all__ = ["DeleteObjectsOps", "delete_segments", "malformed_xml"]
