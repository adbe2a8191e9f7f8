"""What the S3 listings share: argument checks, EncodingType=url, owners, timestamps."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import quote_plus

from ownstack.core.errors import ServiceError
from ownstack.core.service import Params

from .base import canonical_user_id
from .headers import timestamp
from .records import BucketRecord, ObjectRecord

DEFAULT_MAX = 1000

Encode = Callable[[str], str]


def encoding_type(params: Params) -> bool:
    """True when names must be URL-encoded; only "url" is a valid EncodingType."""
    value = params.get("EncodingType")
    if value is None:
        return False
    if value != "url":
        raise ServiceError(
            "InvalidArgument",
            "Invalid Encoding Method specified in Request",
            fields={"ArgumentName": "encoding-type", "ArgumentValue": str(value)},
        )
    return True


def encoder(url: bool) -> Encode:
    """A function applied to every name in the response: S3 encodes like a form value ('+' for
    a space, '/' kept), which is what the SDKs decode with unquote_plus."""

    def encode(value: str) -> str:
        return quote_plus(value, safe="/") if url else value

    return encode


def max_count(params: Params, member: str, argument: str) -> int:
    """MaxKeys / MaxUploads / MaxParts: default and cap 1000, negative is InvalidArgument."""
    value = params.get(member)
    if value is None:
        return DEFAULT_MAX
    if not isinstance(value, int) or value < 0:
        raise ServiceError(
            "InvalidArgument",
            f"Provided {argument} not an integer or within integer range",
            fields={"ArgumentName": argument, "ArgumentValue": str(value)},
        )
    return min(value, DEFAULT_MAX)


def owner_of(bucket: BucketRecord, owner_id: str, owner_name: str) -> dict[str, str]:
    owner = {"ID": owner_id or bucket.owner_id or canonical_user_id(bucket.account_id)}
    name = owner_name or bucket.owner_name
    if name:
        owner["DisplayName"] = name
    return owner


def checksum_algorithms(rec: ObjectRecord) -> list[str]:
    """ChecksumCRC32 -> CRC32, for the listing's ChecksumAlgorithm list."""
    return [name.removeprefix("Checksum") for name in rec.checksums]


def object_entry(rec: ObjectRecord, key: str, encode: Encode) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "Key": encode(key),
        "LastModified": timestamp(rec.last_modified),
        "ETag": rec.etag,
        "Size": rec.size,
        "StorageClass": rec.storage_class,
    }
    algorithms = checksum_algorithms(rec)
    if algorithms:
        entry["ChecksumAlgorithm"] = algorithms
        if rec.checksum_type:
            entry["ChecksumType"] = rec.checksum_type
    return entry


def listed_object(raw: bytes) -> ObjectRecord:
    """An object record for a listing, through the one record codec (it decodes inline bytes in
    C, cheaper than a second JSON path, and tolerates members newer code may add)."""
    return ObjectRecord.decode(raw)
