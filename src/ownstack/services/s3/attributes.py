"""GetObjectAttributes: selected metadata of an object without its body."""

from __future__ import annotations

from typing import Any

from ownstack.core.context import RequestContext
from ownstack.core.errors import ServiceError
from ownstack.core.service import Params, Result

from .access import owned_bucket
from .base import S3Base
from .encryption import read_output
from .headers import timestamp
from .records import ObjectRecord
from .versioning_ids import check_version_id
from .versioning_read import read_version

ATTRIBUTES = ("ETag", "Checksum", "ObjectParts", "StorageClass", "ObjectSize")
_DEFAULT_MAX_PARTS = 1000


class AttributesOps(S3Base):
    async def get_object_attributes(self, ctx: RequestContext, params: Params) -> Result:
        wanted = _attributes(params.get("ObjectAttributes"))
        bucket = await owned_bucket(self, ctx, params)
        version_id = params.get("VersionId")
        check_version_id(version_id)
        if bucket.versioning or version_id is not None:  # versioning_read.py
            rec = await read_version(self, bucket, params["Key"], version_id, "GET")
        else:
            rec = await self.object_for_read(bucket, params["Key"])
        read_output(ctx, params, rec, self.sse_keys)  # an SSE-C object: only with its key
        out: Result = {"LastModified": timestamp(rec.last_modified)}
        if bucket.versioning:
            out["VersionId"] = rec.version_id
        if "ETag" in wanted:
            out["ETag"] = rec.etag.strip('"')
        if "Checksum" in wanted and rec.checksums:
            out["Checksum"] = {**rec.checksums, "ChecksumType": rec.checksum_type or "FULL_OBJECT"}
        if "ObjectParts" in wanted and rec.part_sizes:
            out["ObjectParts"] = _object_parts(rec, params)
        if "StorageClass" in wanted:
            out["StorageClass"] = rec.storage_class
        if "ObjectSize" in wanted:
            out["ObjectSize"] = rec.size
        return out


def _attributes(value: Any) -> set[str]:
    """x-amz-object-attributes (a list, or one comma-separated header value)."""
    items = value if isinstance(value, list) else str(value or "").split(",")
    names = {str(item).strip() for item in items if str(item).strip()}
    if not names or not names <= set(ATTRIBUTES):
        raise ServiceError(
            "InvalidArgument",
            "Invalid attribute name specified.",
            fields={"ArgumentName": "x-amz-object-attributes"},
        )
    return names


def _object_parts(rec: ObjectRecord, params: Params) -> dict[str, Any]:
    marker = int(params.get("PartNumberMarker") or 0)
    max_parts = int(params.get("MaxParts") or _DEFAULT_MAX_PARTS)
    numbers = range(marker + 1, len(rec.part_sizes) + 1)
    page = list(numbers)[:max_parts]
    out: dict[str, Any] = {
        "TotalPartsCount": len(rec.part_sizes),
        "PartNumberMarker": marker,
        "MaxParts": max_parts,
        "IsTruncated": len(numbers) > max_parts,
    }
    # S3 (general purpose buckets) lists the parts only of an object uploaded with a checksum
    # algorithm, each part with its own checksum (not for the default CRC64NVME alone).
    if rec.part_checksums:
        out["Parts"] = [_part(rec, n) for n in page]
    if page:
        out["NextPartNumberMarker"] = page[-1]
    return out


def _part(rec: ObjectRecord, number: int) -> dict[str, Any]:
    return {
        "PartNumber": number,
        "Size": rec.part_sizes[number - 1],
        next(iter(rec.checksums)): rec.part_checksums[number - 1],
    }
