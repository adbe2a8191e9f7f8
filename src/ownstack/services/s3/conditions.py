"""Conditional requests (RFC 7232 as S3 applies them) for reads and for copy sources.

S3's precedence: If-Match wins over If-Unmodified-Since (a matching If-Match makes a failing
If-Unmodified-Since irrelevant) and If-None-Match wins over If-Modified-Since. HTTP dates have
one-second precision, so an object's modification time is compared truncated to the second.
"""

from __future__ import annotations

import math
from datetime import datetime
from email.utils import formatdate, parsedate_to_datetime

from ownstack.core.errors import ServiceError
from ownstack.core.service import Params


def check_read(etag: str, last_modified: float, params: Params, now: float) -> None:
    """GET/HEAD: 412 PreconditionFailed or 304 NotModified when a condition does not hold."""
    if_match = params.get("IfMatch")
    if if_match is not None:
        if not etag_matches(etag, if_match):
            raise precondition_failed("If-Match")
    elif _unmodified_fails(last_modified, params.get("IfUnmodifiedSince")):
        raise precondition_failed("If-Unmodified-Since")
    if_none_match = params.get("IfNoneMatch")
    if if_none_match is not None:
        if etag_matches(etag, if_none_match):
            raise not_modified(etag, last_modified)
    elif _modified_fails(last_modified, _not_future(params.get("IfModifiedSince"), now)):
        raise not_modified(etag, last_modified)


def _not_future(since: object, now: float) -> object:
    """An If-Modified-Since later than the server's clock is invalid and ignored (RFC 7232
    3.3), as S3 does: the object is sent, not 304."""
    when = to_epoch(since)
    return None if when is not None and when > now else since


def check_copy_source(etag: str, last_modified: float, params: Params, now: float) -> None:
    """CopyObject / UploadPartCopy source conditions: every failure is 412 PreconditionFailed.
    A future x-amz-copy-source-if-modified-since is ignored, as for reads (S3 copies)."""
    if_match = params.get("CopySourceIfMatch")
    if if_match is not None:
        if not etag_matches(etag, if_match):
            raise precondition_failed("x-amz-copy-source-If-Match")
    elif _unmodified_fails(last_modified, params.get("CopySourceIfUnmodifiedSince")):
        raise precondition_failed("x-amz-copy-source-If-Unmodified-Since")
    if_none_match = params.get("CopySourceIfNoneMatch")
    if if_none_match is not None:
        if etag_matches(etag, if_none_match):
            raise precondition_failed("x-amz-copy-source-If-None-Match")
    elif _modified_fails(last_modified, _not_future(params.get("CopySourceIfModifiedSince"), now)):
        raise precondition_failed("x-amz-copy-source-If-Modified-Since")


def etag_matches(etag: str, header_value: object) -> bool:
    """Whether the object's (quoted) ETag is in a comma-separated If-Match list or it is '*'.
    Clients send ETags quoted or bare, with or without a W/ prefix: all compare by value."""
    mine = etag.strip('"')
    for candidate in str(header_value).split(","):
        value = candidate.strip()
        if value == "*":
            return True
        value = value.removeprefix("W/").strip('"')
        if value == mine:
            return True
    return False


def precondition_failed(condition: str) -> ServiceError:
    return ServiceError(
        "PreconditionFailed",
        "At least one of the pre-conditions you specified did not hold",
        412,
        fields={"Condition": condition},
    )


def not_modified(etag: str, last_modified: float) -> ServiceError:
    # A 304 has no body; it still carries the validators (RFC 7232 4.1).
    return ServiceError(
        "NotModified",
        "Not Modified",
        304,
        headers={"ETag": etag, "Last-Modified": http_date(last_modified)},
    )


def http_date(epoch: float) -> str:
    return formatdate(math.floor(epoch), usegmt=True)


def to_epoch(value: object) -> float | None:
    """A date parameter as the wire layer hands it (datetime, epoch number or HTTP-date string);
    None when absent or unparseable (an unparseable date is ignored, as RFC 7232 says)."""
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.timestamp()
    if isinstance(value, int | float):
        return float(value)
    try:
        return parsedate_to_datetime(str(value)).timestamp()
    except (TypeError, ValueError, IndexError):
        return None


def _unmodified_fails(last_modified: float, since: object) -> bool:
    when = to_epoch(since)
    return when is not None and math.floor(last_modified) > when


def _modified_fails(last_modified: float, since: object) -> bool:
    when = to_epoch(since)
    return when is not None and math.floor(last_modified) <= when
