"""Server-side encryption parameters ownstack does not implement are refused, not ignored.

Ignoring them would be worse than refusing: a client that sent an SSE-C key believes its object
is encrypted with it and that a GET without the key fails, and one that asked for aws:kms
believes KMS holds the key. Neither would be true. `AES256` (SSE-S3) is refused too (issue 16):
S3 encrypts every object with it and says so (`x-amz-server-side-encryption: AES256` on every
write and read); ownstack stores objects unencrypted, so answering 200 to a request for it would
claim encryption that is not there. It will be accepted, and echoed, once objects really are
encrypted at rest.
"""

from __future__ import annotations

from ownstack.core.service import Params

from .base import header_not_implemented

_CUSTOMER_KEY = (
    "SSECustomerAlgorithm",
    "SSECustomerKey",
    "SSECustomerKeyMD5",
    "CopySourceSSECustomerAlgorithm",
    "CopySourceSSECustomerKey",
    "CopySourceSSECustomerKeyMD5",
)
_KMS = ("SSEKMSKeyId", "SSEKMSEncryptionContext", "BucketKeyEnabled")
_ANY = frozenset((*_CUSTOMER_KEY, *_KMS, "ServerSideEncryption"))
"""Every encryption member: one set test clears the common request (it names none)."""


def refuse_unsupported_encryption(params: Params) -> None:
    """501 NotImplemented for SSE-C (customer keys), SSE-KMS and SSE-S3 requests."""
    if _ANY.isdisjoint(params):
        return
    for name in _CUSTOMER_KEY:
        if params.get(name) is not None:
            raise header_not_implemented("x-amz-server-side-encryption-customer-algorithm")
    kind = params.get("ServerSideEncryption")
    if kind is not None or any(params.get(n) is not None for n in _KMS):
        raise header_not_implemented("x-amz-server-side-encryption")
