"""ListParts and ListMultipartUploads."""

from __future__ import annotations

from typing import Any

from ownstack.core.context import RequestContext
from ownstack.core.errors import ServiceError
from ownstack.core.service import Params, Result
from ownstack.ports.meta import prefix_end

from .access import owned_bucket
from .base import S3Base
from .headers import timestamp
from .listing_common import Encode, encoder, encoding_type, max_count, owner_of
from .listing_scan import common_prefix, scan_page
from .multipart_store import load_upload
from .records import (
    BucketRecord,
    PartRecord,
    UploadRecord,
    part_key,
    parts_ns,
    upload_key,
    uploads_ns,
)


def _key_of(record_key: str) -> str:
    return record_key.partition("\x00")[0]


def _part_number_marker(params: Params) -> int:
    value = params.get("PartNumberMarker")
    if value is None:
        return 0
    if not isinstance(value, int) or value < 0:
        raise ServiceError(
            "InvalidArgument",
            "Provided part-number-marker not an integer or within integer range",
            fields={"ArgumentName": "part-number-marker", "ArgumentValue": str(value)},
        )
    return value


def _uploads_start(params: Params, prefix: str, delimiter: str) -> str:
    """Where ListMultipartUploads resumes: after KeyMarker's uploads, or after one of them when
    UploadIdMarker is given too (ignored without a KeyMarker, as S3 documents)."""
    key_marker = params.get("KeyMarker") or ""
    if not key_marker:
        return prefix
    rolled_up = common_prefix(key_marker, prefix, delimiter)
    if rolled_up is not None:  # as for object listings (listing_scan.start_after)
        return max(prefix_end(rolled_up) or "\U0010ffff", prefix)
    upload_marker = params.get("UploadIdMarker") or ""
    if upload_marker:
        return max(f"{key_marker}\x00{upload_marker}\x00", prefix)
    # Just past every "<key>\x00<upload id>" record of the marker key.
    return max(key_marker + "\x01", prefix)


def _owner(bucket: BucketRecord, upload: UploadRecord) -> dict[str, str]:
    return owner_of(bucket, upload.owner_id, upload.owner_name)


def _part_entry(part: PartRecord, upload: UploadRecord) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "PartNumber": part.part_number,
        "LastModified": timestamp(part.last_modified),
        "ETag": part.etag,
        "Size": part.size,
    }
    if upload.checksum_algorithm:  # as S3: an upload naming none lists no part checksums
        entry.update(part.checksums)
    return entry


def _upload_entry(bucket: BucketRecord, upload: UploadRecord, encode: Encode) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "UploadId": upload.upload_id,
        "Key": encode(upload.key),
        "Initiated": timestamp(upload.initiated),
        "StorageClass": upload.storage_class,
        "Owner": _owner(bucket, upload),
        "Initiator": _owner(bucket, upload),
    }
    if upload.checksum_algorithm:
        entry["ChecksumAlgorithm"] = upload.checksum_algorithm
        entry["ChecksumType"] = upload.checksum_type
    return entry


class MultipartListOps(S3Base):
    async def list_parts(self, ctx: RequestContext, params: Params) -> Result:
        bucket = await owned_bucket(self, ctx, params)
        loaded = await load_upload(self.meta, bucket, params["Key"], params.get("UploadId"))
        upload = loaded.upload
        marker = _part_number_marker(params)
        max_parts = max_count(params, "MaxParts", "max-parts")
        records = await self.meta.scan(
            parts_ns(bucket.id, upload.upload_id),
            start=part_key(marker + 1),
            limit=max_parts + 1,
        )
        parts = [PartRecord.decode(r.value) for r in records[:max_parts]]
        result: Result = {
            "Bucket": bucket.name,
            "Key": upload.key,
            "UploadId": upload.upload_id,
            "PartNumberMarker": marker,
            "MaxParts": max_parts,
            "IsTruncated": len(records) > max_parts,
            "Initiator": _owner(bucket, upload),
            "Owner": _owner(bucket, upload),
            "StorageClass": upload.storage_class,
        }
        # Always present, as on S3: the last part listed, or 0 when none was.
        result["NextPartNumberMarker"] = parts[-1].part_number if parts else 0
        if parts:
            result["Parts"] = [_part_entry(p, upload) for p in parts]
        if upload.checksum_algorithm:
            result["ChecksumAlgorithm"] = upload.checksum_algorithm
            result["ChecksumType"] = upload.checksum_type
        return result

    async def list_multipart_uploads(self, ctx: RequestContext, params: Params) -> Result:
        encode = encoder(encoding_type(params))
        bucket = await owned_bucket(self, ctx, params)
        max_uploads = max_count(params, "MaxUploads", "max-uploads")
        prefix, delimiter = params.get("Prefix") or "", params.get("Delimiter") or ""
        page = await scan_page(
            self.meta,
            uploads_ns(bucket.id),
            prefix=prefix,
            delimiter=delimiter,
            start=_uploads_start(params, prefix, delimiter),
            max_items=max_uploads,
            name_of=_key_of,
        )
        key_marker = params.get("KeyMarker") or ""
        # UploadIdMarker means nothing without a KeyMarker: S3 echoes it as "".
        upload_marker = (params.get("UploadIdMarker") or "") if key_marker else ""
        if upload_marker:
            await self._check_upload_marker(bucket, key_marker, upload_marker)
        result: Result = {
            "Bucket": bucket.name,
            "KeyMarker": encode(key_marker),
            "UploadIdMarker": upload_marker,
            "Prefix": encode(prefix),
            "MaxUploads": max_uploads,
            "IsTruncated": page.truncated,
        }
        for member in ("Delimiter", "EncodingType"):
            if params.get(member) is not None:
                result[member] = encode(params[member]) if member == "Delimiter" else "url"
        records = [UploadRecord.decode(r.value) for r in page.entries]
        # S3 always names the last upload listed (truncated or not; "" when none was), never
        # a common prefix: a page that ends on a prefix cannot be resumed from its markers.
        last = records[-1] if records else None
        result["NextKeyMarker"] = encode(last.key) if last else ""
        result["NextUploadIdMarker"] = last.upload_id if last else ""
        uploads = [_upload_entry(bucket, upload, encode) for upload in records]
        if uploads:
            result["Uploads"] = uploads
        if page.prefixes:
            result["CommonPrefixes"] = [{"Prefix": encode(cp)} for cp in page.prefixes]
        return result

    async def _check_upload_marker(
        self, bucket: BucketRecord, key_marker: str, upload_marker: str
    ) -> None:
        """An UploadIdMarker must name an upload of KeyMarker's key."""
        if await self.meta.get(uploads_ns(bucket.id), upload_key(key_marker, upload_marker)):
            return
        raise ServiceError(
            "InvalidArgument",
            "Invalid uploadId marker",
            fields={"ArgumentName": "upload-id-marker", "ArgumentValue": upload_marker},
        )
