"""The cipher of S3 server-side encryption, and how an object's encryption is recorded.

Construction: AES-256 in counter mode (CTR), one random 256-bit data key per object (per
multipart upload, shared by its parts) and one random 128-bit initial counter block (IV) per
stored piece (the inline bytes, the blob of a PUT or a copy, each part's blob).

Why CTR: it is a stream cipher whose keystream can start at any byte, so
- a ranged GET, a `partNumber` GET and an UploadPartCopy range decrypt exactly the bytes they
  send (counter = IV + offset // 16, then skip offset % 16 bytes): no read amplification, no
  decryption of the bytes before the range;
- ciphertext is exactly as long as plaintext, so every size and offset the S3 code keeps (segment
  sizes, part sizes, Content-Range, the blob port's ranges) stays what it is for a plain object,
  and the encryption is a transform on the byte stream, not a change of layout.
Chunked AES-GCM would also seek (by whole chunks) and would authenticate each chunk, at the cost
of a tag per chunk (stored sizes differ from object sizes, every offset needs mapping) and of
decrypting whole chunks around a range's ends. The threat SSE-S3 answers is storage read by
someone who should not (a disk, a backup, an upstream blob store): confidentiality. Integrity of
the bytes is covered as for a plain object, by the MD5 / CRC checksums S3 keeps and returns.

Counter blocks never repeat under one key: a data key encrypts one piece (a PUT, a copy) or the
parts of one upload, each part (and each re-upload of a part number) under its own random IV, and
a part is at most 5 GiB (2^28 blocks): the chance that two of an upload's 10,000 parts' counter
ranges overlap is below 2^-70.

Data keys are stored wrapped (AES-256-GCM, authenticated), never in the clear:
- SSE-S3: by a key-encryption key of the key file (sse_keys.py);
- SSE-C: by a key derived from the customer's key and a random per-object salt, HMAC-SHA256
  (customer key, label + salt). The customer key is never stored; a second salted HMAC of it
  (the "check") tells a wrong key (403 AccessDenied) from a right one, as S3 does ("Amazon S3
  stores a randomly salted HMAC value of the encryption key to validate future requests").

The record of an object's encryption (`ObjectRecord.sse`, `UploadRecord.sse`) is a `Sealing` as
JSON text; a part keeps only its IV (`PartRecord.sse`). A plain object has "".
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os

import msgspec
from cryptography.hazmat.primitives.ciphers import Cipher, CipherContext, algorithms, modes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

SSE_S3 = "AES256"
SSE_C = "SSE-C"
KMS_ALGORITHMS = frozenset({"aws:kms", "aws:kms:dsse"})
KEY_BYTES = 32
IV_BYTES = 16
_BLOCK = 16
_COUNTERS = 1 << 128
_NONCE = 12
WRAP_AAD = b"ownstack-s3-sse-v1"
_WRAP_LABEL = b"ownstack-s3-sse-c-wrap"
_CHECK_LABEL = b"ownstack-s3-sse-c-check"
_ETAG_LABEL = b"ownstack-s3-sse-c-etag"


class Sealing(msgspec.Struct, omit_defaults=True):
    mode: str
    """SSE_S3 or SSE_C."""
    key: str
    """The wrapped data key: `<kek id>:<base64>` (SSE-S3) or base64 (SSE-C)."""
    ivs: list[str] = []
    """One base64 IV per stored piece: the inline bytes, or each segment in order."""
    salt: str = ""
    check: str = ""
    """SSE-C: base64 salt and salted HMAC of the customer key."""


_ENCODER = msgspec.json.Encoder()
_DECODER = msgspec.json.Decoder(Sealing)


def encode(sealing: Sealing) -> str:
    return _ENCODER.encode(sealing).decode()


def decode(text: str) -> Sealing:
    return _DECODER.decode(text)


def b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode()


def unb64(text: str) -> bytes:
    return base64.b64decode(text)


def new_key() -> bytes:
    return os.urandom(KEY_BYTES)


def new_iv() -> bytes:
    return os.urandom(IV_BYTES)


class Ctr:
    """The AES-256-CTR transform (encryption and decryption are the same) of a stream encrypted
    from its byte 0 under (key, iv), positioned at byte `offset`; feed it bytes in order."""

    __slots__ = ("_ctx",)

    def __init__(self, key: bytes, iv: bytes, offset: int = 0) -> None:
        block, skip = divmod(offset, _BLOCK)
        counter = (int.from_bytes(iv, "big") + block) % _COUNTERS
        self._ctx: CipherContext = Cipher(
            algorithms.AES(key), modes.CTR(counter.to_bytes(_BLOCK, "big"))
        ).encryptor()
        if skip:
            self._ctx.update(bytes(skip))

    def update(self, data: bytes) -> bytes:
        return self._ctx.update(data)


def crypt(key: bytes, iv: bytes, offset: int, data: bytes) -> bytes:
    """`data`, which sits at `offset` of a stream under (key, iv), encrypted or decrypted."""
    if not data:
        return b""
    return Ctr(key, iv, offset).update(data)


def _derive(customer_key: bytes, label: bytes, salt: bytes) -> bytes:
    return hmac.new(customer_key, label + salt, hashlib.sha256).digest()


def customer_sealing(customer_key: bytes, data_key: bytes) -> Sealing:
    """An SSE-C object's record: `data_key` wrapped under the customer's key, and the check."""
    salt = os.urandom(16)
    nonce = os.urandom(_NONCE)
    sealed = AESGCM(_derive(customer_key, _WRAP_LABEL, salt)).encrypt(nonce, data_key, WRAP_AAD)
    check = _derive(customer_key, _CHECK_LABEL, salt)
    return Sealing(SSE_C, b64(nonce + sealed), salt=b64(salt), check=b64(check))


def customer_key_matches(customer_key: bytes, sealing: Sealing) -> bool:
    expected = unb64(sealing.check)
    return hmac.compare_digest(_derive(customer_key, _CHECK_LABEL, unb64(sealing.salt)), expected)


def customer_data_key(customer_key: bytes, sealing: Sealing) -> bytes:
    """The data key of an SSE-C record; the caller has checked the key (customer_key_matches).
    Raises cryptography's InvalidTag if the record was altered."""
    raw = unb64(sealing.key)
    wrapping = _derive(customer_key, _WRAP_LABEL, unb64(sealing.salt))
    return AESGCM(wrapping).decrypt(raw[:_NONCE], raw[_NONCE:], WRAP_AAD)


def customer_etag(data_key: bytes, md5_hex: str) -> str:
    """An SSE-C object's (or part's) ETag: 32 hex digits that are not the MD5 of its bytes (as
    on S3, where "objects encrypted by SSE-C ... have ETags that are not an MD5 digest of their
    object data"), and reveal nothing of it; stable for the object."""
    digest = hmac.new(data_key, _ETAG_LABEL + bytes.fromhex(md5_hex), hashlib.sha256)
    return f'"{digest.hexdigest()[:32]}"'
