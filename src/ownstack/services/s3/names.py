"""Validation of bucket names, object keys and user metadata, with AWS's errors."""

from __future__ import annotations

import re
from collections.abc import Mapping

from ownstack.core.errors import ServiceError

_BUCKET_CHARS = re.compile(r"[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]")
_IP_LIKE = re.compile(r"\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}")
_RESERVED_PREFIXES = ("xn--", "sthree-", "amzn-s3-demo-")
_RESERVED_SUFFIXES = ("-s3alias", "--ol-s3", ".mrap", "--x-s3", "--table-s3")


def is_valid_bucket_name(name: str) -> bool:
    """AWS's general purpose bucket naming rules."""
    if _BUCKET_CHARS.fullmatch(name) is None:
        return False
    # Each dot-separated label starts and ends with a letter or digit (the DNS rule S3 still
    # applies: "a.-b" and "a-.b" are refused), which also rules out "..".
    if ".-" in name or "-." in name or ".." in name or _IP_LIKE.fullmatch(name):
        return False
    return not (name.startswith(_RESERVED_PREFIXES) or name.endswith(_RESERVED_SUFFIXES))


def check_bucket_name(name: str) -> None:
    if not is_valid_bucket_name(name):
        raise ServiceError(
            "InvalidBucketName", "The specified bucket is not valid.", fields={"BucketName": name}
        )


def check_key(key: str, max_bytes: int) -> None:
    size = len(key.encode("utf-8", "surrogatepass"))
    if size > max_bytes:
        raise ServiceError(
            "KeyTooLongError",
            "Your key is too long",
            fields={"Size": str(size), "MaxSizeAllowed": str(max_bytes)},
        )


def check_metadata(metadata: Mapping[str, str], max_bytes: int) -> dict[str, str]:
    """User metadata with names lower-cased (as S3 returns them); MetadataTooLarge when the
    UTF-8 bytes of all names and values exceed the limit."""
    normalized = {name.lower(): value for name, value in metadata.items()}
    size = sum(len(k.encode()) + len(v.encode()) for k, v in normalized.items())
    if size > max_bytes:
        raise ServiceError(
            "MetadataTooLarge",
            "Your metadata headers exceed the maximum allowed metadata size.",
            fields={"Size": str(size), "MaxSizeAllowed": str(max_bytes)},
        )
    return normalized


STORAGE_CLASSES = frozenset(
    {
        "STANDARD",
        "REDUCED_REDUNDANCY",
        "STANDARD_IA",
        "ONEZONE_IA",
        "INTELLIGENT_TIERING",
        "GLACIER",
        "DEEP_ARCHIVE",
        "GLACIER_IR",
        "OUTPOSTS",
        "SNOW",
        "EXPRESS_ONEZONE",
        "FSX_OPENZFS",
    }
)
ARCHIVED_CLASSES = frozenset({"GLACIER", "DEEP_ARCHIVE"})
"""Objects in these classes must be restored before a GET (InvalidObjectState)."""


def storage_class(value: object) -> str:
    """x-amz-storage-class, defaulting to STANDARD; InvalidStorageClass when unknown."""
    if value is None or value == "":
        return "STANDARD"
    if value not in STORAGE_CLASSES:
        raise ServiceError(
            "InvalidStorageClass",
            "The storage class you specified is not valid",
            fields={"StorageClassRequested": str(value)},
        )
    return str(value)
