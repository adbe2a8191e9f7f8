"""Default encryption of a bucket: Put/Get/DeleteBucketEncryption.

A bucket's configuration is one rule: ApplyServerSideEncryptionByDefault (SSEAlgorithm AES256),
BucketKeyEnabled (stored and returned; S3 Bucket Keys only change SSE-KMS, so it changes nothing
for AES256, as on S3) and BlockedEncryptionTypes (EncryptionType NONE or SSE-C: SSE-C blocks new
SSE-C writes with 403 AccessDenied; reads of existing SSE-C objects go on). It is kept on the
bucket's record (`BucketRecord.encryption`, JSON text) and applied by encryption.write_sealer to
every new object whose request names no encryption of its own.

aws:kms and aws:kms:dsse are 501 NotImplemented until ownstack has a KMS. A bucket without a
configuration answers GetBucketEncryption with S3's 404: ownstack does not encrypt by default
(encryption.py says why), and does not block SSE-C by default either.
"""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass
from typing import Any

from ownstack.core.context import RequestContext
from ownstack.core.errors import ServiceError
from ownstack.core.service import STATUS, Params, Result

from .access import owned_bucket, update_bucket
from .base import S3Base
from .errors import malformed_xml
from .records import BucketRecord
from .sse_cipher import KMS_ALGORITHMS, SSE_C, SSE_S3

_ENCRYPTION_TYPES = frozenset({"NONE", SSE_C})


@dataclass(frozen=True, slots=True)
class BucketDefault:
    algorithm: str
    bucket_key: bool
    blocked: tuple[str, ...]

    @property
    def blocks_customer_keys(self) -> bool:
        return SSE_C in self.blocked


@functools.lru_cache(maxsize=256)
def bucket_default(text: str) -> BucketDefault:
    """A bucket's stored configuration (non-empty `BucketRecord.encryption`), remembered: a write
    to a bucket with one reads it on every request."""
    stored = json.loads(text)
    return BucketDefault(
        stored["SSEAlgorithm"], stored["BucketKeyEnabled"], tuple(stored.get("Blocked", ()))
    )


class BucketEncryptionOps(S3Base):
    async def put_bucket_encryption(self, ctx: RequestContext, params: Params) -> Result:
        text = _configuration(params.get("ServerSideEncryptionConfiguration"))

        def change(bucket: BucketRecord) -> None:
            bucket.encryption = text

        await update_bucket(self, ctx, params, change)
        return {}

    async def get_bucket_encryption(self, ctx: RequestContext, params: Params) -> Result:
        bucket = await owned_bucket(self, ctx, params)
        if not bucket.encryption:
            raise ServiceError(
                "ServerSideEncryptionConfigurationNotFoundError",
                "The server side encryption configuration was not found",
                404,
                fields={"BucketName": bucket.name},
            )
        stored = bucket_default(bucket.encryption)
        rule: dict[str, Any] = {
            "ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": stored.algorithm},
            "BucketKeyEnabled": stored.bucket_key,
        }
        if stored.blocked:
            rule["BlockedEncryptionTypes"] = {"EncryptionType": list(stored.blocked)}
        return {"ServerSideEncryptionConfiguration": {"Rules": [rule]}}

    async def delete_bucket_encryption(self, ctx: RequestContext, params: Params) -> Result:
        def change(bucket: BucketRecord) -> None:
            bucket.encryption = ""

        await update_bucket(self, ctx, params, change)
        return {STATUS: 204}


def _configuration(document: Any) -> str:
    """The stored form of a PutBucketEncryption document, or S3's error for it."""
    if not isinstance(document, dict):
        raise malformed_xml()
    rules = document.get("Rules")
    if not isinstance(rules, list) or len(rules) != 1 or not isinstance(rules[0], dict):
        raise malformed_xml()
    rule = rules[0]
    default = rule.get("ApplyServerSideEncryptionByDefault")
    if not isinstance(default, dict):
        raise malformed_xml()
    algorithm = default.get("SSEAlgorithm")
    if algorithm in KMS_ALGORITHMS:
        raise ServiceError(
            "NotImplemented",
            "A header you provided implies functionality that is not implemented",
            501,
            fields={"additionalMessage": f"SSEAlgorithm {algorithm} needs a KMS"},
        )
    if algorithm != SSE_S3:
        raise malformed_xml()
    if default.get("KMSMasterKeyID") is not None:
        raise ServiceError(
            "InvalidArgument",
            "a KMSMasterKeyID is not applicable if the default sse algorithm is not aws:kms or"
            " aws:kms:dsse",
            fields={"ArgumentName": "ApplyServerSideEncryptionByDefault", "ArgumentValue": "null"},
        )
    bucket_key = rule.get("BucketKeyEnabled")
    if bucket_key is not None and not isinstance(bucket_key, bool):
        raise malformed_xml()
    stored: dict[str, Any] = {"SSEAlgorithm": SSE_S3, "BucketKeyEnabled": bool(bucket_key)}
    blocked = _blocked(rule.get("BlockedEncryptionTypes"))
    if blocked:
        stored["Blocked"] = blocked
    return json.dumps(stored)


def _blocked(value: Any) -> list[str]:
    if value is None:
        return []
    types = value.get("EncryptionType") if isinstance(value, dict) else None
    if types is None:
        return []
    if not isinstance(types, list) or any(t not in _ENCRYPTION_TYPES for t in types):
        raise malformed_xml()
    return list(dict.fromkeys(types))
