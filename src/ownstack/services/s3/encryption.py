"""Server-side encryption of objects: which requests encrypt, with what key, and S3's errors.

Modes (AWS S3 User Guide, "Protecting data with server-side encryption"):
- SSE-S3 (`x-amz-server-side-encryption: AES256`, or the bucket's default encryption): the
  object is encrypted at rest under a data key that a key-encryption key of the data dir wraps
  (sse_keys.py, sse_cipher.py). Responses say `x-amz-server-side-encryption: AES256`.
- SSE-C (`x-amz-server-side-encryption-customer-algorithm/-key/-key-MD5`): the data key is
  wrapped under a key derived from the customer's key, which is never stored; every read must
  present the key again. Only over TLS (`ctx.scheme == "https"`), as on S3. Responses echo the
  algorithm and the key's MD5.
- SSE-KMS / DSSE-KMS (`aws:kms`, `aws:kms:dsse`, a KMS key id, an encryption context, a bucket
  key): 501 NotImplemented until ownstack has a KMS; never accepted and ignored.

What is encrypted by default: only what asks (a header, or the bucket's default encryption).
AWS encrypts every new object with SSE-S3; ownstack measured that on its 1 KiB PUT and GET hot
paths and kept plain storage as the default (figures in docs/s3-encryption.md). So a response
says AES256 only for an object that really is encrypted, and GetBucketEncryption of a bucket
without a configuration is AWS's 404 ServerSideEncryptionConfigurationNotFoundError. A copy of
an encrypted object is encrypted too (with SSE-S3 when the request names nothing else), so a
copy never quietly stores in the clear what was stored encrypted.

Request checks come in two steps: `refuse_unsupported_encryption(params)` (syntax, before the
bucket is looked up; every object operation calls it) and the per-operation functions below
(which know the bucket, the object or the upload, and whether the connection is TLS).
"""

from __future__ import annotations

import base64
import binascii
import functools
import hashlib
from collections.abc import AsyncIterable, Callable
from dataclasses import dataclass

from cryptography.exceptions import InvalidTag

from ownstack.core.context import RequestContext
from ownstack.core.errors import ServiceError, internal_error
from ownstack.core.service import Params, Result
from ownstack.ports.blobs import BlobRef, BlobStore

from .base import header_not_implemented
from .bucket_encryption import bucket_default
from .records import BucketRecord, ObjectRecord, PartRecord, UploadRecord
from .sse_cipher import (
    KMS_ALGORITHMS,
    SSE_C,
    SSE_S3,
    WRAP_AAD,
    Sealing,
    customer_data_key,
    customer_key_matches,
    customer_sealing,
    decode,
    encode,
    new_key,
)
from .sse_keys import KeyRing, KeyUnavailable
from .sse_store import Opened, Sealer, opened_from

_SSE_HEADER = "x-amz-server-side-encryption"
_CUSTOMER = ("SSECustomerAlgorithm", "SSECustomerKey", "SSECustomerKeyMD5")
_COPY_CUSTOMER = tuple(f"CopySource{name}" for name in _CUSTOMER)
_KMS = ("SSEKMSKeyId", "SSEKMSEncryptionContext")
_ANY = frozenset((*_CUSTOMER, *_COPY_CUSTOMER, *_KMS, "BucketKeyEnabled", "ServerSideEncryption"))
"""Every encryption member: one set test clears the common request (it names none)."""
_CUSTOMER_MESSAGE = "Requests specifying Server Side Encryption with Customer provided keys must"
_S3_OUTPUT: Result = {"ServerSideEncryption": SSE_S3}
_NONE: Result = {}


@dataclass(frozen=True, slots=True)
class CustomerKey:
    key: bytes
    md5: str
    """As the client sent it (base64), echoed in responses."""

    @property
    def output(self) -> Result:
        return {"SSECustomerAlgorithm": SSE_S3, "SSECustomerKeyMD5": self.md5}


# -- syntax (every object operation, before anything is looked up) ---------------------------


def refuse_unsupported_encryption(params: Params) -> None:
    """S3's 400s for malformed encryption members, 501 NotImplemented for SSE-KMS."""
    if _ANY.isdisjoint(params):
        return
    kind = params.get("ServerSideEncryption")
    if kind in KMS_ALGORITHMS:
        raise header_not_implemented(_SSE_HEADER)
    if any(params.get(name) is not None for name in _KMS):
        raise _invalid_argument(
            "Server Side Encryption with AWS KMS managed key requires HTTP header"
            " x-amz-server-side-encryption : aws:kms",
            f"{_SSE_HEADER}-aws-kms-key-id",
        )
    if params.get("BucketKeyEnabled") is True:  # S3 Bucket Keys are an SSE-KMS feature
        raise header_not_implemented(f"{_SSE_HEADER}-bucket-key-enabled")
    customer = customer_key(params)
    customer_key(params, copy_source=True)
    if kind is None:
        return
    if customer is not None:
        raise _invalid_argument(
            "Server Side Encryption with Customer provided key is incompatible with the"
            " encryption method specified",
            _SSE_HEADER,
            str(kind),
        )
    if kind != SSE_S3:
        raise _invalid_argument(
            "The encryption method specified is not supported", _SSE_HEADER, str(kind)
        )


def customer_key(params: Params, *, copy_source: bool = False) -> CustomerKey | None:
    """The request's SSE-C key (or its copy source's), checked as S3 checks it; None if the
    request names none."""
    prefix = "CopySource" if copy_source else ""
    header = f"x-amz-{'copy-source-' if copy_source else ''}server-side-encryption-customer"
    algorithm = params.get(f"{prefix}SSECustomerAlgorithm")
    key = params.get(f"{prefix}SSECustomerKey")
    md5 = params.get(f"{prefix}SSECustomerKeyMD5")
    if algorithm is None and key is None and md5 is None:
        return None
    if algorithm is None:
        raise _invalid_argument(
            f"{_CUSTOMER_MESSAGE} provide a valid encryption algorithm.", f"{header}-algorithm"
        )
    if algorithm != SSE_S3:
        raise ServiceError(
            "InvalidEncryptionAlgorithmError",
            "The encryption request you specified is not valid. The valid value is AES256.",
            fields={"ArgumentName": f"{header}-algorithm", "ArgumentValue": str(algorithm)},
        )
    if key is None:
        raise _invalid_argument(
            f"{_CUSTOMER_MESSAGE} provide an appropriate secret key.", f"{header}-key"
        )
    raw = _base64(str(key))
    if raw is None or len(raw) != 32:
        raise _invalid_argument(
            "The secret key was invalid for the specified algorithm.", f"{header}-key"
        )
    if md5 is None:
        raise _invalid_argument(
            f"{_CUSTOMER_MESSAGE} provide the client calculated MD5 of the secret key.",
            f"{header}-key-MD5",
        )
    digest = base64.b64encode(hashlib.md5(raw).digest()).decode()  # noqa: S324 - S3's check
    if str(md5) != digest:
        raise _invalid_argument(
            "The calculated MD5 hash of the key did not match the hash that was provided.",
            f"{header}-key-MD5",
        )
    return CustomerKey(raw, str(md5))


# -- writes ---------------------------------------------------------------------------------


def write_sealer(
    ctx: RequestContext,
    params: Params,
    bucket: BucketRecord,
    ring: KeyRing,
    source: ObjectRecord | None = None,
) -> Sealer | None:
    """How a new object (PutObject, CopyObject, CreateMultipartUpload) is encrypted: SSE-C when
    the request gives a key, SSE-S3 when it asks, when the bucket's default encryption says so,
    or when the object is a copy of an encrypted one; None (stored plain) otherwise."""
    if (
        not bucket.encryption
        and params.get("ServerSideEncryption") is None
        and params.get("SSECustomerAlgorithm") is None
        and (source is None or not source.sse)
    ):
        return None
    customer = _customer(ctx, params)
    if customer is not None:
        if bucket.encryption and bucket_default(bucket.encryption).blocks_customer_keys:
            raise ServiceError("AccessDenied", "Access Denied", 403)  # BlockedEncryptionTypes
        data_key = new_key()
        return Sealer(data_key, customer_sealing(customer.key, data_key), customer.output)
    data_key = new_key()
    return Sealer(data_key, Sealing(SSE_S3, ring.wrap(data_key, WRAP_AAD)), _S3_OUTPUT)


def upload_encryption(
    ctx: RequestContext, params: Params, bucket: BucketRecord, upload: UploadRecord, ring: KeyRing
) -> Result:
    """CreateMultipartUpload: record the upload's encryption (its parts share its data key) and
    return the response members that state it."""
    sealer = write_sealer(ctx, params, bucket, ring)
    if sealer is None:
        return _NONE
    upload.sse = sealer.upload_record()
    return sealer.output


def part_sealer(
    ctx: RequestContext, params: Params, upload: UploadRecord, ring: KeyRing
) -> Sealer | None:
    """UploadPart / UploadPartCopy: the upload's encryption, for which an SSE-C upload needs the
    same customer key on every part."""
    customer = _customer(ctx, params)
    if not upload.sse:
        if customer is not None:
            raise not_applicable()
        return None
    sealing = decode(upload.sse)
    if sealing.mode != SSE_C:
        if customer is not None:
            raise not_applicable()
        return Sealer(_unwrap(ring, sealing), sealing, _S3_OUTPUT)
    if customer is None:
        raise ServiceError(
            "InvalidRequest",
            "The multipart upload initiate requested encryption. Subsequent part requests must"
            " include the appropriate encryption parameters.",
        )
    if not customer_key_matches(customer.key, sealing):
        raise _invalid_argument(
            "The provided encryption parameters did not match the ones used originally.",
            "x-amz-server-side-encryption-customer-key",
        )
    return Sealer(_customer_data_key(customer, sealing), sealing, customer.output)


def complete_encryption(obj: ObjectRecord, upload: UploadRecord, parts: list[PartRecord]) -> None:
    """CompleteMultipartUpload: the object is encrypted as its upload was, one IV per part."""
    if not upload.sse:
        return
    sealing = decode(upload.sse)
    if any(not part.sse for part in parts):
        raise internal_error()  # a part of an encrypted upload stored without encryption
    sealing.ivs = [part.sse for part in parts]
    obj.sse = encode(sealing)


def stored_encryption_output(obj: ObjectRecord) -> Result:
    """What a response that does not take the customer key (CompleteMultipartUpload) says."""
    if not obj.sse or _decoded(obj.sse).mode != SSE_S3:
        return _NONE
    return _S3_OUTPUT


# -- reads ----------------------------------------------------------------------------------


def read_output(ctx: RequestContext, params: Params, rec: ObjectRecord, ring: KeyRing) -> Result:
    """GET / HEAD: check the request's SSE-C key against the object; the members that say how
    it is encrypted ({} for a plain object)."""
    opened = read_opener(ctx, params, rec, ring)
    return _NONE if opened is None else opened.output


def read_opener(
    ctx: RequestContext, params: Params, rec: ObjectRecord, ring: KeyRing
) -> Opened | None:
    """GET: the object's data key, or None for a plain object."""
    if not rec.sse and params.get("SSECustomerAlgorithm") is None:
        return None
    customer = _customer(ctx, params)
    if not rec.sse:
        raise not_applicable()
    return _open(rec.sse, customer, ring)


def copy_source_opener(
    ctx: RequestContext, params: Params, source: ObjectRecord, ring: KeyRing
) -> Opened | None:
    """CopyObject / UploadPartCopy: the source's data key (SSE-C: from the copy-source key)."""
    customer = _customer(ctx, params, copy_source=True)
    if not source.sse:
        if customer is not None:
            raise not_applicable()
        return None
    return _open(source.sse, customer, ring)


def _open(text: str, customer: CustomerKey | None, ring: KeyRing) -> Opened:
    sealing = _decoded(text)
    if sealing.mode != SSE_C:
        if customer is not None:
            raise not_applicable()
        return _opened_s3(ring, text)
    if customer is None:
        raise ServiceError(
            "InvalidRequest",
            "The object was stored using a form of Server Side Encryption. The correct"
            " parameters must be provided to retrieve the object.",
        )
    if not customer_key_matches(customer.key, sealing):
        raise ServiceError("AccessDenied", "Access Denied", 403)
    return opened_from(_customer_data_key(customer, sealing), sealing, customer.output)


# -- shared ---------------------------------------------------------------------------------


@functools.lru_cache(maxsize=1024)
def _decoded(text: str) -> Sealing:
    """A stored sealing, decoded once while it is read often (never change what it returns)."""
    return decode(text)


@functools.lru_cache(maxsize=1024)
def _opened_s3(ring: KeyRing, text: str) -> Opened:
    """An SSE-S3 object opened once while it is read often (a GET checks it, then reads it).
    Keyed by the ring too: each service (process) has its own."""
    sealing = _decoded(text)
    return opened_from(_unwrap(ring, sealing), sealing, _S3_OUTPUT)


def _customer(
    ctx: RequestContext, params: Params, *, copy_source: bool = False
) -> CustomerKey | None:
    """customer_key, refused over plain HTTP (before anything is said of the object)."""
    customer = customer_key(params, copy_source=copy_source)
    if customer is not None:
        require_secure(ctx)
    return customer


def require_secure(ctx: RequestContext) -> None:
    """SSE-C keys travel in headers: S3 takes them only over TLS."""
    if ctx.scheme != "https":
        raise ServiceError(
            "InvalidRequest", f"{_CUSTOMER_MESSAGE} be made over a secure connection."
        )


def not_applicable() -> ServiceError:
    return ServiceError(
        "InvalidRequest", "The encryption parameters are not applicable to this object."
    )


def _unwrap(ring: KeyRing, sealing: Sealing) -> bytes:
    try:
        return ring.unwrap(sealing.key, WRAP_AAD)
    except KeyUnavailable as exc:
        raise internal_error() from exc


def _customer_data_key(customer: CustomerKey, sealing: Sealing) -> bytes:
    try:
        return customer_data_key(customer.key, sealing)
    except InvalidTag as exc:  # the check matched but the wrapped key does not open: altered
        raise internal_error() from exc


def _base64(text: str) -> bytes | None:
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        return None


def _invalid_argument(message: str, name: str, value: str | None = None) -> ServiceError:
    fields = {"ArgumentName": name}
    if value is not None:
        fields["ArgumentValue"] = value
    return ServiceError("InvalidArgument", message, fields=fields)


def sealed(sealer: Sealer | None, rec: ObjectRecord) -> Result:
    """After a write stored `rec`'s bytes: record their encryption in it; the response members
    that state it ({} for a plain object)."""
    if sealer is None:
        return _NONE
    sealer.finish(rec)
    return sealer.output


async def put_part_blob(
    blobs: BlobStore,
    chunks: AsyncIterable[bytes],
    observe: Callable[[bytes], None],
    sealer: Sealer | None,
) -> BlobRef:
    """A part's blob (UploadPart, UploadPartCopy): `blobs.put`, through `sealer` if the upload
    is encrypted; `observe` sees the plaintext either way."""
    if sealer is None:
        return await blobs.put(chunks, observe=observe)
    return await sealer.put_blob(blobs, chunks, observe)


def sealed_part(sealer: Sealer | None, part: PartRecord) -> Result:
    """sealed() for a part: its IV (and an SSE-C part's ETag) into `part`."""
    if sealer is None:
        return _NONE
    sealer.finish_part(part)
    return sealer.output
