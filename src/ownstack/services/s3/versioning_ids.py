"""Version ids: what they look like, how they order, and the errors about them.

A version id is 32 characters of [0-9A-Za-z] (S3's are opaque strings of about that length).
Its first 11 are the version's order token: its sequence number `seq` counted down from the
largest 11-digit base-62 number, digits in ASCII order, so a key's versions sort newest first
in the metadata store's key order. The other 21 are random, so an id can be neither guessed
nor reused. The "null" version has no id of its own; it is stored under its token alone
(records.py). `seq` is the write's time in microseconds, or one more than the key's newest
version's when that is larger (heads_ns), so a key's versions are ordered as written.
"""

from __future__ import annotations

import secrets

from ownstack.core.errors import ServiceError

NULL = "null"
_DIGITS = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
_VALUE = {ch: i for i, ch in enumerate(_DIGITS)}
TOKEN_LEN = 11
ID_LEN = 32
_MAX_SEQ: int = 62**TOKEN_LEN - 1


def add_written_version_id(out: dict[str, object], version_id: str | None) -> None:
    """The x-amz-version-id a write (PutObject, POST, CopyObject, CompleteMultipartUpload)
    answers: the new version's id in an Enabled bucket. A write to a Suspended bucket stores
    the "null" version and S3 answers it with no x-amz-version-id at all (the PutObject
    reference's "versioning suspended" example has none), as for a bucket never versioned."""
    if version_id is not None and version_id != NULL:
        out["VersionId"] = version_id


def order_token(seq: int) -> str:
    """The fixed-width token that sorts versions with larger `seq` first."""
    value = _MAX_SEQ - seq
    out = []
    for _ in range(TOKEN_LEN):
        value, digit = divmod(value, 62)
        out.append(_DIGITS[digit])
    return "".join(reversed(out))


def seq_of(suffix: str) -> int:
    """The sequence number of a versions_ns suffix (an id, or a null version's token)."""
    value = 0
    for ch in suffix[:TOKEN_LEN]:
        value = value * 62 + _VALUE[ch]
    return _MAX_SEQ - value


def new_version_id(seq: int) -> str:
    rest = "".join(secrets.choice(_DIGITS) for _ in range(ID_LEN - TOKEN_LEN))
    return order_token(seq) + rest


def is_version_id(value: str) -> bool:
    """Whether `value` has the form of an id ownstack gives (not "null")."""
    return len(value) == ID_LEN and all(ch in _VALUE for ch in value)


def suffix_of(version_id: str, seq: int) -> str:
    """The versions_ns suffix of a version: its id, or the null version's token."""
    return order_token(seq) if version_id == NULL else version_id


def invalid_version_id(value: object, argument: str = "versionId") -> ServiceError:
    return ServiceError(
        "InvalidArgument",
        "Invalid version id specified",
        fields={"ArgumentName": argument, "ArgumentValue": str(value)},
    )


def check_version_id(version_id: object, argument: str = "versionId") -> None:
    """None (no version named), "null", or an id of ownstack's form; else InvalidArgument, as
    S3 answers an id it could never have given."""
    if version_id is None or version_id == NULL:
        return
    if not isinstance(version_id, str) or not is_version_id(version_id):
        raise invalid_version_id(version_id, argument)


def no_such_version(key: str, version_id: str) -> ServiceError:
    return ServiceError(
        "NoSuchVersion",
        "The specified version does not exist.",
        404,
        fields={"Key": key, "VersionId": version_id},
    )
