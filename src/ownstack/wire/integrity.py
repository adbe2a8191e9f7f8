"""Integrity of the request bodies the wire layer reads whole (S3's XML and raw-string payloads).

S3 checks these before the operation runs, so a damaged request changes nothing:

- Content-MD5, when sent, must be base64 of 16 bytes (else InvalidDigest) and match the body
  (else BadDigest).
- One x-amz-checksum-<algorithm>, when sent (as a header, or as an aws-chunked trailer, which
  the chunked decoder copies into the headers), must be base64 of the algorithm's digest size
  (else InvalidRequest) and match the body (else BadDigest).
- An operation whose model says `httpChecksum.requestChecksumRequired` (or the older
  `httpChecksumRequired`) must carry one of the two (else InvalidRequest).

Streaming uploads (PutObject, UploadPart) are verified by the S3 service as it stores them; the
codes and messages here are the same ones it uses.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from collections.abc import Callable
from dataclasses import dataclass

from awscrt import checksums as crt
from botocore.model import OperationModel

from ownstack.core.errors import ServiceError
from ownstack.core.http import Headers

CONTENT_MD5 = "content-md5"


def _crc(fn: Callable[[bytes, int], int], width: int) -> Callable[[bytes], bytes]:
    return lambda data: fn(data, 0).to_bytes(width, "big")


def _hashlib(name: str) -> Callable[[bytes], bytes]:
    return lambda data: hashlib.new(name, data).digest()


DIGESTS: dict[str, Callable[[bytes], bytes]] = {
    "CRC32": _crc(crt.crc32, 4),
    "CRC32C": _crc(crt.crc32c, 4),
    "CRC64NVME": _crc(crt.crc64nvme, 8),
    "SHA1": _hashlib("sha1"),
    "SHA256": _hashlib("sha256"),
    "SHA512": _hashlib("sha512"),
    "MD5": _hashlib("md5"),
    "XXHASH64": crt.XXHash.compute_xxhash64,
    "XXHASH3": crt.XXHash.compute_xxhash3_64,
    "XXHASH128": crt.XXHash.compute_xxhash3_128,
}
"""Every algorithm of the S3 model's ChecksumAlgorithm enum -> its digest of a whole body."""

DIGEST_SIZES = {alg: len(fn(b"")) for alg, fn in DIGESTS.items()}


def checksum_header(algorithm: str) -> str:
    """The header carrying `algorithm`'s value: "CRC32" -> "x-amz-checksum-crc32"."""
    return f"x-amz-checksum-{algorithm.lower()}"


_BY_HEADER = {checksum_header(alg): alg for alg in DIGESTS}
CHECKSUM_HEADERS = frozenset(_BY_HEADER)


def checksum_b64(algorithm: str, data: bytes) -> str:
    """`algorithm`'s digest of `data`, base64 as S3 sends and expects it."""
    return base64.b64encode(DIGESTS[algorithm](data)).decode()


@dataclass(frozen=True, slots=True)
class BodyRule:
    """What one operation's request body must prove."""

    required: bool
    """Content-MD5 or an x-amz-checksum-* header is mandatory."""
    checksum_headers: frozenset[str]
    """The x-amz-checksum-* headers that are digests of this request's body. An operation that
    binds one as an input member gives it another meaning (CompleteMultipartUpload: the whole
    object's checksum), so it is not checked against the body."""


def requires_checksum(op: OperationModel) -> bool:
    """Whether the model makes Content-MD5 or an x-amz-checksum-* header mandatory."""
    if op.http_checksum.get("requestChecksumRequired"):
        return True
    return bool(op.http_checksum_required)


def body_rule(op: OperationModel) -> BodyRule:
    """`op`'s rule, from its model (computed once per operation by the codec)."""
    shape = op.input_shape
    members = shape.members.values() if shape is not None else ()
    bound = {
        str(m.serialization.get("name", "")).lower()
        for m in members
        if m.serialization.get("location") == "header"
    }
    return BodyRule(requires_checksum(op), CHECKSUM_HEADERS - bound)


def verify_body(data: bytes, headers: Headers, rule: BodyRule) -> None:
    """Raise S3's error when the body's Content-MD5 or x-amz-checksum-* is wrong, or when a
    required digest is missing. An empty body is not asked for a digest: the operation's
    missing-body error is the one that says what is wrong."""
    content_md5 = headers.get(CONTENT_MD5)
    sent = _sent_checksums(headers, rule.checksum_headers)
    if rule.required and data and content_md5 is None and not sent:
        raise missing_checksum()
    if content_md5 is not None:
        _verify_md5(data, content_md5)
    if len(sent) > 1:
        raise ServiceError(
            "InvalidRequest",
            "Expecting a single x-amz-checksum- header. Multiple checksum Types are not allowed.",
        )
    for algorithm, value in sent.items():
        _verify_checksum(data, algorithm, value)


def missing_checksum() -> ServiceError:
    return ServiceError(
        "InvalidRequest",
        "Missing required header for this request: Content-MD5 OR x-amz-checksum-*",
    )


def _sent_checksums(headers: Headers, names: frozenset[str]) -> dict[str, str]:
    # Headers are few; the algorithms are many and mostly absent.
    return {_BY_HEADER[name]: value for name, value in headers.items() if name in names}


def _verify_md5(data: bytes, content_md5: str) -> None:
    decoded = _decoded(content_md5)
    if decoded is None or len(decoded) != 16:
        raise ServiceError("InvalidDigest", "The Content-MD5 you specified was invalid.")
    if decoded != hashlib.md5(data).digest():  # noqa: S324 - Content-MD5 is MD5 by definition
        raise ServiceError(
            "BadDigest", "The Content-MD5 you specified did not match what we received."
        )


def _verify_checksum(data: bytes, algorithm: str, value: str) -> None:
    decoded = _decoded(value)
    if decoded is None or len(decoded) != DIGEST_SIZES[algorithm]:
        raise ServiceError(
            "InvalidRequest", f"Value for {checksum_header(algorithm)} header is invalid."
        )
    if decoded != DIGESTS[algorithm](data):
        raise ServiceError(
            "BadDigest", f"The {algorithm} you specified did not match the calculated checksum."
        )


def _decoded(value: str) -> bytes | None:
    try:
        return base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        return None
