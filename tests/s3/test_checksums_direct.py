"""The shared checksum helpers: digests, algorithm selection, upload verification."""

from __future__ import annotations

import base64
import hashlib

import pytest
from awscrt import checksums as crt

from ownstack.core.errors import ServiceError
from ownstack.services.s3.checksums import (
    ALGORITHMS,
    Digester,
    checksum_algorithms,
    verify_upload,
)

DATA = b"The quick brown fox jumps over the lazy dog"


def b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode()


EXPECTED = {
    "CRC32": b64(crt.crc32(DATA).to_bytes(4, "big")),
    "CRC32C": b64(crt.crc32c(DATA).to_bytes(4, "big")),
    "CRC64NVME": b64(crt.crc64nvme(DATA).to_bytes(8, "big")),
    "SHA1": b64(hashlib.sha1(DATA).digest()),
    "SHA256": b64(hashlib.sha256(DATA).digest()),
}


def test_known_vectors() -> None:
    # CRC32 of this sentence is the classic 0x414FA339.
    assert EXPECTED["CRC32"] == b64(bytes.fromhex("414fa339"))
    assert EXPECTED["CRC32C"] == b64(bytes.fromhex("22620404"))


def test_digests_are_chunking_independent() -> None:
    whole = Digester(ALGORITHMS)
    whole.update(DATA)
    pieces = Digester(ALGORITHMS)
    for i in range(0, len(DATA), 5):
        pieces.update(DATA[i : i + 5])
    for alg in ALGORITHMS:
        assert whole.checksum_b64(alg) == pieces.checksum_b64(alg) == EXPECTED[alg]
    assert pieces.size == len(DATA)
    assert pieces.md5_hex() == hashlib.md5(DATA).hexdigest()
    assert pieces.md5_b64() == b64(hashlib.md5(DATA).digest())


def test_checksum_algorithms() -> None:
    assert checksum_algorithms({}) == []
    assert checksum_algorithms({"ChecksumAlgorithm": "crc32c"}) == ["CRC32C"]
    assert checksum_algorithms({"ChecksumSHA1": "x", "ChecksumAlgorithm": "SHA1"}) == ["SHA1"]
    with pytest.raises(ServiceError) as info:
        checksum_algorithms({"ChecksumAlgorithm": "MD4"})
    assert info.value.code == "InvalidRequest"


def digested(*algorithms: str) -> Digester:
    d = Digester(algorithms)
    d.update(DATA)
    return d


@pytest.mark.parametrize("alg", ALGORITHMS)
def test_verify_each_algorithm(alg: str) -> None:
    member = f"Checksum{alg}"
    assert verify_upload(digested(alg), {member: EXPECTED[alg]}, {}) == {member: EXPECTED[alg]}
    trailer = {f"x-amz-checksum-{alg.lower()}": EXPECTED[alg]}
    assert verify_upload(digested(alg), {"ChecksumAlgorithm": alg}, trailer) == {
        member: EXPECTED[alg]
    }
    other = EXPECTED["SHA256"] if alg == "SHA1" else EXPECTED["SHA1"]
    wrong = other if len(base64.b64decode(other)) == len(base64.b64decode(EXPECTED[alg])) else None
    if wrong is None:
        wrong = b64(bytes(len(base64.b64decode(EXPECTED[alg]))))
    with pytest.raises(ServiceError) as info:
        verify_upload(digested(alg), {member: wrong}, {})
    assert (info.value.code, info.value.message) == (
        "BadDigest",
        f"The {alg} you specified did not match the calculated checksum.",
    )


def test_verify_rejections() -> None:
    with pytest.raises(ServiceError) as info:
        verify_upload(digested("CRC32"), {"ChecksumCRC32": "not base64!"}, {})
    assert (info.value.code, info.value.message) == (
        "InvalidRequest",
        "Value for x-amz-checksum-crc32 header is invalid.",
    )
    both = {"ChecksumCRC32": EXPECTED["CRC32"], "ChecksumSHA1": EXPECTED["SHA1"]}
    with pytest.raises(ServiceError) as info:
        verify_upload(digested("CRC32", "SHA1"), both, {})
    assert info.value.message == (
        "Expecting a single x-amz-checksum- header. Multiple checksum Types are not allowed."
    )
    with pytest.raises(ServiceError) as info:
        verify_upload(digested(), {"ContentMD5": b64(b"short")}, {})
    assert (info.value.code, info.value.message) == (
        "InvalidDigest",
        "The Content-MD5 you specified was invalid.",
    )
    md5 = b64(hashlib.md5(DATA).digest())
    assert verify_upload(digested(), {"ContentMD5": md5}, {}) == {}
