"""The response members GET and HEAD share, and the stored headers PUT and COPY take."""

from __future__ import annotations

import functools
import math
from datetime import UTC, datetime
from email.utils import format_datetime, parsedate_to_datetime
from typing import Any

from ownstack.core.service import Params, Result

from .records import ObjectRecord

STORED_HEADERS = (
    "CacheControl",
    "ContentDisposition",
    "ContentEncoding",
    "ContentLanguage",
    "Expires",
    "WebsiteRedirectLocation",
)
"""Standard headers an object keeps and returns (ObjectRecord.headers)."""

_OVERRIDES = {
    "ResponseCacheControl": "CacheControl",
    "ResponseContentDisposition": "ContentDisposition",
    "ResponseContentEncoding": "ContentEncoding",
    "ResponseContentLanguage": "ContentLanguage",
    "ResponseContentType": "ContentType",
    "ResponseExpires": "Expires",
}


@functools.lru_cache(maxsize=1024)
def timestamp(epoch: float) -> datetime:
    """An epoch time as the wire layer serializes timestamps (aware UTC datetime), truncated
    to the whole second: S3 shows times as "2023-11-15T12:02:40.000Z" (listings, copy results,
    uploads), the precision of Last-Modified, so a listed time can be used in If-Modified-Since.
    Remembered (a pure function; datetimes are immutable): every GET and HEAD converts its
    object's time, and the objects read most are the same few."""
    return datetime.fromtimestamp(math.floor(epoch), tz=UTC)


def stored_headers(params: Params) -> dict[str, str]:
    """The standard headers of a PUT/COPY/CreateMultipartUpload to keep with the object."""
    kept: dict[str, str] = {}
    for name in STORED_HEADERS:
        value = params.get(name)
        if value is None:
            continue
        text = _header_text(value)
        if name == "ContentEncoding":
            text = _without_aws_chunked(text)
            if not text:
                continue
        kept[name] = text
    return kept


def _without_aws_chunked(encoding: str) -> str:
    """aws-chunked names the request's framing, never the object's encoding: S3 drops it from
    the Content-Encoding it keeps (also when a client labels a plain body with it)."""
    codings = [c.strip() for c in encoding.split(",")]
    if "aws-chunked" not in codings:
        return encoding
    return ", ".join(c for c in codings if c and c != "aws-chunked")


def _header_text(value: Any) -> str:
    # Expires may arrive parsed as a datetime; keep it as the HTTP-date S3 echoes back.
    if isinstance(value, datetime):
        return format_datetime(value.astimezone(UTC), usegmt=True)
    return str(value)


def object_output(rec: ObjectRecord, params: Params, *, checksums: bool) -> Result:
    """The members a GET or HEAD returns for `rec`, Body and ranges aside."""
    out: Result = {
        "AcceptRanges": "bytes",
        "LastModified": timestamp(rec.last_modified),
        "ETag": rec.etag,
        "ContentType": rec.content_type,
    }
    for name, value in rec.headers.items():
        out[name] = _parse_expires(value) if name == "Expires" else value
    if rec.metadata:
        out["Metadata"] = rec.metadata
    if rec.tags:
        out["TagCount"] = len(rec.tags)
    if rec.storage_class != "STANDARD":
        out["StorageClass"] = rec.storage_class
    if rec.part_sizes:
        out["PartsCount"] = len(rec.part_sizes)
    if checksums and rec.checksums:
        out.update(rec.checksums)
        if rec.checksum_type:
            out["ChecksumType"] = rec.checksum_type
    for param, member in _OVERRIDES.items():
        override = params.get(param)
        if override is not None:
            out[member] = _parse_expires(override) if member == "Expires" else override
    return out


def _parse_expires(value: Any) -> Any:
    """Expires is a timestamp member: hand the wire a datetime when the stored text is an
    HTTP-date, the text itself otherwise (AWS echoes an unparseable Expires verbatim)."""
    if isinstance(value, datetime):
        return value
    try:
        return parsedate_to_datetime(str(value))
    except (TypeError, ValueError, IndexError):
        return value
