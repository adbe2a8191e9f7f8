"""Checksums of multipart uploads: the upload's algorithm and type, per-part values, and the
object's checksum at completion (COMPOSITE: checksum of the parts' checksums, "-N" suffixed;
FULL_OBJECT: the CRC of the whole object, combined from the parts' CRCs without re-reading)."""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Callable, Sequence

from awscrt import checksums as crt

from ownstack.core.errors import ServiceError
from ownstack.core.service import Params

from .checksums import ALGORITHMS, header, member
from .errors import invalid_request
from .records import PartRecord

COMPOSITE = "COMPOSITE"
FULL_OBJECT = "FULL_OBJECT"

_COMBINE: dict[str, tuple[Callable[[int, int, int], int], int]] = {
    "CRC32": (crt.combine_crc32, 4),
    "CRC32C": (crt.combine_crc32c, 4),
    "CRC64NVME": (crt.combine_crc64nvme, 8),
}
_COMPOSITE_HASH: dict[str, Callable[[bytes], bytes]] = {
    "CRC32": lambda data: crt.crc32(data).to_bytes(4, "big"),
    "CRC32C": lambda data: crt.crc32c(data).to_bytes(4, "big"),
    "SHA1": lambda data: hashlib.sha1(data).digest(),  # noqa: S324 - S3's algorithm
    "SHA256": lambda data: hashlib.sha256(data).digest(),
}


def upload_checksum(params: Params) -> tuple[str, str]:
    """(algorithm, type) of CreateMultipartUpload, validated as S3 does; ("", "") for none."""
    algorithm = str(params.get("ChecksumAlgorithm") or "").upper()
    kind = str(params.get("ChecksumType") or "").upper()
    if not algorithm:
        if kind:
            raise invalid_request(
                "The x-amz-checksum-type header can only be used with the"
                " x-amz-checksum-algorithm header."
            )
        return "", ""
    if algorithm not in ALGORITHMS:
        raise invalid_request("Checksum algorithm provided is unsupported.")
    if kind not in ("", COMPOSITE, FULL_OBJECT):
        raise invalid_request("Value for x-amz-checksum-type header is invalid.")
    if not kind:
        kind = FULL_OBJECT if algorithm == "CRC64NVME" else COMPOSITE
    if kind == FULL_OBJECT and algorithm not in _COMBINE:
        raise invalid_request(
            f"The {kind} checksum type cannot be used with the {algorithm.lower()}"
            " checksum algorithm."
        )
    if kind == COMPOSITE and algorithm not in _COMPOSITE_HASH:
        raise invalid_request(
            f"The {kind} checksum type cannot be used with the {algorithm.lower()}"
            " checksum algorithm."
        )
    return algorithm, kind


def check_part_algorithms(upload_algorithm: str, sent: Sequence[str]) -> None:
    """A part must carry the upload's checksum type, not another one."""
    for alg in sent:
        if upload_algorithm and alg != upload_algorithm:
            raise invalid_request(
                "Checksum Type mismatch occurred, expected checksum Type:"
                f" {upload_algorithm.lower()}, actual checksum Type: {alg.lower()}"
            )


def object_checksum(algorithm: str, kind: str, parts: Sequence[PartRecord]) -> str | None:
    """The completed object's checksum value (base64, "-N" for composite), or None when a part
    lacks its checksum (uploaded before / without one)."""
    name = member(algorithm)
    values = [part.checksums.get(name) for part in parts]
    if any(v is None for v in values):
        return None
    raw = [base64.b64decode(v or "") for v in values]
    if kind == FULL_OBJECT:
        return _combined_crc(algorithm, raw, [part.size for part in parts])
    digest = _COMPOSITE_HASH[algorithm](b"".join(raw))
    return f"{base64.b64encode(digest).decode()}-{len(parts)}"


def default_object_checksum(parts: Sequence[PartRecord]) -> str | None:
    """S3's default for an upload naming no algorithm: the full-object CRC64NVME, combined from
    the parts' default_crc64 values (base64); None when a part lacks one (stored before they
    were kept)."""
    if not all(part.default_crc64 for part in parts):
        return None
    raw = [base64.b64decode(part.default_crc64) for part in parts]
    return _combined_crc("CRC64NVME", raw, [part.size for part in parts])


def _combined_crc(algorithm: str, raw: Sequence[bytes], sizes: Sequence[int]) -> str:
    """The CRC of the concatenated parts (base64), from each part's CRC and size."""
    combine, width = _COMBINE[algorithm]
    crc = int.from_bytes(raw[0], "big")
    for value, size in zip(raw[1:], sizes[1:], strict=True):
        crc = combine(crc, int.from_bytes(value, "big"), size)
    return base64.b64encode(crc.to_bytes(width, "big")).decode()


def check_sent_object_checksum(algorithm: str, computed: str, params: Params) -> None:
    """CompleteMultipartUpload may carry the whole object's checksum: it must match."""
    sent = params.get(member(algorithm))
    if sent is None:
        return
    if not _same_digest_size(str(sent).split("-")[0], computed.split("-")[0]):
        # Not a value of this algorithm at all: malformed, not a mismatch (as for PutObject).
        raise invalid_request(f"Value for {header(algorithm)} header is invalid.")
    if str(sent) != computed and str(sent).split("-")[0] != computed.split("-")[0]:
        raise ServiceError(
            "BadDigest", f"The {algorithm} you specified did not match the calculated checksum."
        )


def _same_digest_size(sent_b64: str, computed_b64: str) -> bool:
    try:
        sent = base64.b64decode(sent_b64, validate=True)
    except ValueError:  # binascii.Error
        return False
    return len(sent) == len(base64.b64decode(computed_b64))
