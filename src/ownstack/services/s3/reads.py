"""Reading objects: GetObject and HeadObject (ranges, part numbers, conditions)."""

from __future__ import annotations

import re

from ownstack.core.context import RequestContext
from ownstack.core.errors import ServiceError, internal_error
from ownstack.core.service import STATUS, Params, Result
from ownstack.ports.errors import BlobNotFound

from .access import check_owner
from .acl_ops import acl_checked
from .base import S3Base
from .body import object_payload
from .conditions import check_read
from .encryption import read_opener, read_output, refuse_unsupported_encryption
from .headers import object_output
from .lifecycle_rules import add_expiration
from .names import ARCHIVED_CLASSES
from .object_lock import lock_output
from .records import ObjectRecord
from .versioning_ids import check_version_id
from .versioning_read import read_version

_RANGE = re.compile(r"bytes=(\d*)-(\d*)")
_OVERRIDE_PARAMS = (
    "ResponseCacheControl",
    "ResponseContentDisposition",
    "ResponseContentEncoding",
    "ResponseContentLanguage",
    "ResponseContentType",
    "ResponseExpires",
)
_MAX_PART_NUMBER = 10_000
_READ_RETRIES = 5


class ObjectReadOps(S3Base):
    async def get_object(self, ctx: RequestContext, params: Params) -> Result:
        for _ in range(_READ_RETRIES):
            rec, out, span = await self._read(ctx, params)
            if rec.storage_class in ARCHIVED_CLASSES and not rec.transitioned:
                raise ServiceError(
                    "InvalidObjectState",
                    "The operation is not valid for the object's storage class",
                    403,
                    fields={"StorageClass": rec.storage_class},
                )
            try:
                opened = read_opener(ctx, params, rec, self.sse_keys)  # None: not encrypted
                out["Body"] = await object_payload(self.blobs, rec, span[0], span[1], opened)
            except BlobNotFound:
                # Overwritten or deleted between our record read and opening its blob (the
                # writer removes old blobs after its commit): read the record again.
                continue
            return out
        raise internal_error()

    async def head_object(self, ctx: RequestContext, params: Params) -> Result:
        _, out, _ = await self._read(ctx, params, "HEAD")
        return out

    async def _read(
        self, ctx: RequestContext, params: Params, method: str = "GET"
    ) -> tuple[ObjectRecord, Result, tuple[int, int]]:
        """The record, the response members and the byte span [start, end) to send."""
        bucket = await self.bucket(ctx, params["Bucket"])
        check_owner(ctx, bucket, params)
        check_version_id(params.get("VersionId"))
        refuse_unsupported_encryption(params)
        if ctx.principal.is_anonymous and any(params.get(p) for p in _OVERRIDE_PARAMS):
            raise ServiceError(
                "InvalidRequest",
                "Request specific response headers cannot be used for anonymous GET requests.",
            )
        _check_part_number(params)
        version_id = params.get("VersionId")
        if bucket.versioning or version_id is not None:  # versioning_read.py
            read = read_version(self, bucket, params["Key"], version_id, method)
        else:
            read = self.object_for_read(bucket, params["Key"])
        rec = await acl_checked(ctx, bucket, read)  # an object ACL's grant, when it decides
        check_read(rec.etag, rec.last_modified, params, self.clock.now())
        span = _part_span(rec, params) if params.get("PartNumber") is not None else None
        if span is None:
            span = _range_span(rec.size, params.get("Range"))
        full = span is None
        wants_checksum = params.get("ChecksumMode") == "ENABLED"
        # A range that happens to cover every byte ("bytes=0-100" of 10) still answers 206,
        # but with the whole object's checksum, as S3 does.
        whole = full or (params.get("PartNumber") is None and span == (0, rec.size))
        out = object_output(rec, params, checksums=whole and wants_checksum)
        if bucket.versioning:
            out["VersionId"] = rec.version_id
        out.update(read_output(ctx, params, rec, self.sse_keys))  # SSE: checks a customer key
        if rec.lock:  # Object Lock's headers, those the caller may see (object_lock.py)
            out.update(await lock_output(self, ctx, bucket, params["Key"], rec))
        if wants_checksum and params.get("PartNumber") is not None:
            out.update(_part_checksum(rec, int(params["PartNumber"])))
        start, end = (0, rec.size) if span is None else span
        out["ContentLength"] = end - start
        if not full:
            out[STATUS] = 206
            if end > start:
                out["ContentRange"] = f"bytes {start}-{end - 1}/{rec.size}"
        if version_id is None:  # x-amz-expiration: the current version's (lifecycle_rules.py)
            add_expiration(out, bucket, params["Key"], rec, self.limits.lifecycle_day_s)
        return rec, out, (start, end)


def _range_span(size: int, header: object) -> tuple[int, int] | None:
    """[start, end) of a single byte range; None to send the whole object (no Range, a
    syntactically invalid one, or several ranges, as S3 does). Unsatisfiable: InvalidRange."""
    if not isinstance(header, str):
        return None
    match = _RANGE.fullmatch(header.strip())
    if match is None:
        return None
    first, last = match.group(1), match.group(2)
    if not first and not last:
        return None
    if not first:
        suffix = int(last)
        if suffix == 0 or size == 0:
            raise invalid_range(header, size)
        return max(0, size - suffix), size
    start = int(first)
    end = size if not last else int(last) + 1
    if last and end <= start:
        return None  # last < first: not a valid range, so ignored (RFC 9110 14.1.1)
    if start >= size:
        raise invalid_range(header, size)
    return start, min(end, size)


def invalid_range(header: str, size: int) -> ServiceError:
    return ServiceError(
        "InvalidRange",
        "The requested range is not satisfiable",
        416,
        fields={"RangeRequested": header, "ActualObjectSize": str(size)},
        headers={"Content-Range": f"bytes */{size}"},
    )


def _check_part_number(params: Params) -> None:
    """A part number outside 1..10000 is refused before the key is looked up, as S3 does."""
    number = params.get("PartNumber")
    if number is not None and not 1 <= int(number) <= _MAX_PART_NUMBER:
        raise ServiceError(
            "InvalidArgument",
            "Part number must be an integer between 1 and 10000, inclusive",
            fields={"ArgumentName": "partNumber", "ArgumentValue": str(number)},
        )


def _part_checksum(rec: ObjectRecord, number: int) -> Result:
    """GET/HEAD ?partNumber=N with ChecksumMode: that part's own checksum (as uploaded) and the
    object's checksum type. A single-part object's one part is the object itself."""
    if not rec.part_sizes:
        out = dict(rec.checksums)
    elif len(rec.part_checksums) == len(rec.part_sizes) and rec.checksums:
        out = {next(iter(rec.checksums)): rec.part_checksums[number - 1]}
    else:
        return {}  # no checksum, or a record from before part checksums were kept
    if out and rec.checksum_type:
        out["ChecksumType"] = rec.checksum_type
    return out


def _part_span(rec: ObjectRecord, params: Params) -> tuple[int, int]:
    """[start, end) of part `PartNumber`; a non-multipart object is one part."""
    if params.get("Range") is not None:
        raise ServiceError(
            "InvalidRequest", "Cannot specify both Range header and partNumber query parameter"
        )
    number = int(params["PartNumber"])
    sizes = rec.part_sizes or [rec.size]
    if number > len(sizes):
        raise ServiceError(
            "InvalidPartNumber",
            "The requested partnumber is not satisfiable",
            416,
            fields={"PartNumberRequested": str(number), "ActualPartCount": str(len(sizes))},
        )
    start = sum(sizes[: number - 1])
    return start, start + sizes[number - 1]
