"""The x-amz-copy-source and x-amz-copy-source-range headers of CopyObject / UploadPartCopy."""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import unquote

from ownstack.core.errors import ServiceError


@dataclass(frozen=True)
class CopySource:
    bucket: str
    key: str
    version_id: str | None


def parse_copy_source(value: str) -> CopySource:
    """ "[/]bucket/key[?versionId=id]", the bucket and key URL-encoded (the version id split off
    before decoding, so an encoded '?' in a key stays part of the key)."""
    raw, _, version = value.partition("?versionId=")
    try:
        decoded = unquote(raw, errors="strict")
    except UnicodeDecodeError as exc:
        raise _invalid("Invalid copy source encoding", value) from exc
    bucket, slash, key = decoded.removeprefix("/").partition("/")
    if not bucket:
        raise _invalid("Invalid copy source bucket name", value)
    if not slash or not key:
        raise _invalid("Invalid copy source object key", value)
    return CopySource(bucket, key, version or None)


_RANGE = re.compile(r"bytes=(\d+)-(\d+)")


def parse_copy_range(value: str, size: int) -> tuple[int, int]:
    """ "bytes=first-last" (both offsets required, inclusive) -> (start, end_exclusive)."""
    match = _RANGE.fullmatch(value.strip())
    if match is None or int(match.group(1)) > int(match.group(2)):
        raise ServiceError(
            "InvalidArgument",
            "The x-amz-copy-source-range value must be of the form bytes=first-last where first"
            " and last are the zero-based offsets of the first and last bytes to copy",
            fields={"ArgumentName": "x-amz-copy-source-range", "ArgumentValue": value},
        )
    first, last = int(match.group(1)), int(match.group(2))
    if first >= size:
        # A range that starts past the end is refused in other words than one that ends there.
        raise ServiceError(
            "InvalidRequest", "The specified copy range is invalid for the source object size"
        )
    if last >= size:
        raise ServiceError(
            "InvalidArgument",
            f"Range specified is not valid for source object of size: {size}",
            fields={"ArgumentName": "x-amz-copy-source-range", "ArgumentValue": value},
        )
    return first, last + 1


def _invalid(message: str, value: str) -> ServiceError:
    return ServiceError(
        "InvalidArgument",
        message,
        fields={"ArgumentName": "x-amz-copy-source", "ArgumentValue": value},
    )
