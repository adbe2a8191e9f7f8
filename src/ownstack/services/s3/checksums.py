"""Content-MD5 and the flexible checksums (x-amz-checksum-*) S3 computes, verifies and stores.

One `Digester` sees every byte of an upload exactly once (as the blob store's observer), so the
MD5 ETag and every requested checksum cost a single pass over the data.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from collections.abc import Callable, Iterable, Mapping

from awscrt import checksums as crt

from ownstack.core.errors import ServiceError
from ownstack.core.service import Params

ALGORITHMS = ("CRC32", "CRC32C", "CRC64NVME", "SHA1", "SHA256")

_CRC: dict[str, tuple[Callable[[bytes, int], int], int]] = {
    "CRC32": (crt.crc32, 4),
    "CRC32C": (crt.crc32c, 4),
    "CRC64NVME": (crt.crc64nvme, 8),
}
_SHA = {"SHA1": hashlib.sha1, "SHA256": hashlib.sha256}
_DIGEST_BYTES = {"CRC32": 4, "CRC32C": 4, "CRC64NVME": 8, "SHA1": 20, "SHA256": 32}


def member(algorithm: str) -> str:
    """The model member carrying `algorithm`'s value: "CRC32" -> "ChecksumCRC32"."""
    return f"Checksum{algorithm}"


def header(algorithm: str) -> str:
    """The header carrying `algorithm`'s value: "CRC32" -> "x-amz-checksum-crc32"."""
    return f"x-amz-checksum-{algorithm.lower()}"


_MEMBERS = tuple((alg, member(alg), header(alg)) for alg in ALGORITHMS)
"""(algorithm, member, header) for every algorithm: every PutObject looks each one up in its
params twice, and formatting the names each time was ~1/3 of that lookup."""


DEFAULT_CHECKSUM = "CRC64NVME"
"""What S3 computes and stores for an upload that names no checksum algorithm (a PutObject;
for a multipart upload, the full-object combination of its parts')."""


class Digester:
    """MD5 (always) plus the requested checksums over a stream of chunks."""

    def __init__(self, algorithms: Iterable[str] = ()) -> None:
        self.size = 0
        self._md5 = hashlib.md5()  # noqa: S324 - S3's ETag is MD5 by definition
        self._crcs: dict[str, int] = {}
        self._shas: dict[str, hashlib._Hash] = {}
        for alg in algorithms:
            if alg in _CRC:
                self._crcs[alg] = 0
            elif alg in _SHA:
                self._shas[alg] = _SHA[alg]()

    def update(self, chunk: bytes) -> None:
        self.size += len(chunk)
        self._md5.update(chunk)
        for alg, value in self._crcs.items():
            self._crcs[alg] = _CRC[alg][0](chunk, value)
        for sha in self._shas.values():
            sha.update(chunk)

    def computes(self, algorithm: str) -> bool:
        return algorithm in self._crcs or algorithm in self._shas

    def md5_hex(self) -> str:
        return self._md5.hexdigest()

    def md5_b64(self) -> str:
        return base64.b64encode(self._md5.digest()).decode()

    def checksum_b64(self, algorithm: str) -> str:
        if algorithm in self._crcs:
            width = _CRC[algorithm][1]
            return base64.b64encode(self._crcs[algorithm].to_bytes(width, "big")).decode()
        return base64.b64encode(self._shas[algorithm].digest()).decode()


def checksum_algorithms(params: Params) -> list[str]:
    """The algorithms an upload asks for: ChecksumAlgorithm (set by the SDKs' default integrity
    protection, x-amz-sdk-checksum-algorithm) and every Checksum<ALG> value sent."""
    found: list[str] = []
    requested = params.get("ChecksumAlgorithm")
    if isinstance(requested, str) and requested:
        alg = requested.upper()
        if alg not in ALGORITHMS:
            raise ServiceError(
                "InvalidRequest", "Value for x-amz-sdk-checksum-algorithm header is invalid."
            )
        found.append(alg)
    for alg, name, _ in _MEMBERS:
        if params.get(name) is not None and alg not in found:
            found.append(alg)
    return found


def verify_upload(
    digester: Digester, params: Params, trailers: Mapping[str, str]
) -> dict[str, str]:
    """Check Content-MD5 and the sent checksums against what was received; return the
    checksums to store and echo, by member name."""
    verify_md5(digester, params.get("ContentMD5"))
    sent = _sent_checksums(params, trailers)
    if len(sent) > 1:
        raise ServiceError(
            "InvalidRequest",
            "Expecting a single x-amz-checksum- header. Multiple checksum Types are not allowed.",
        )
    for alg, value in sent.items():
        _check_format(alg, value)
        if not digester.computes(alg):
            # A trailer for an algorithm the request never declared: we did not hash for it.
            raise ServiceError(
                "InvalidRequest",
                "The value specified in the x-amz-trailer header is not supported",
            )
        if digester.checksum_b64(alg) != value:
            raise ServiceError(
                "BadDigest", f"The {alg} you specified did not match the calculated checksum."
            )
    algorithms = list(sent) or checksum_algorithms(params)
    return {member(alg): digester.checksum_b64(alg) for alg in algorithms}


def verify_md5(digester: Digester, content_md5: object) -> None:
    """InvalidDigest for a malformed Content-MD5, BadDigest when it does not match."""
    if content_md5 is None:
        return
    if not isinstance(content_md5, str) or not is_md5_b64(content_md5):
        raise ServiceError("InvalidDigest", "The Content-MD5 you specified was invalid.")
    if content_md5 != digester.md5_b64():
        raise ServiceError(
            "BadDigest", "The Content-MD5 you specified did not match what we received."
        )


def is_md5_b64(value: str) -> bool:
    try:
        return len(base64.b64decode(value, validate=True)) == 16
    except (binascii.Error, ValueError):
        return False


def _sent_checksums(params: Params, trailers: Mapping[str, str]) -> dict[str, str]:
    sent: dict[str, str] = {}
    for alg, name, header_name in _MEMBERS:
        value = params.get(name)
        if value is None:
            value = trailers.get(header_name)
        if value is not None:
            sent[alg] = str(value)
    return sent


def _check_format(algorithm: str, value: str) -> None:
    """A checksum value that is not base64 of the algorithm's digest size is invalid, not a
    mismatch (AWS: InvalidRequest naming the header)."""
    try:
        ok = len(base64.b64decode(value, validate=True)) == _DIGEST_BYTES[algorithm]
    except (binascii.Error, ValueError):
        ok = False
    if not ok:
        raise ServiceError("InvalidRequest", f"Value for {header(algorithm)} header is invalid.")


def trailers_of(body: object) -> Mapping[str, str]:
    """The aws-chunked trailers of a consumed request body ({} when there were none)."""
    trailers = getattr(body, "trailers", None)
    return trailers if isinstance(trailers, Mapping) else {}
