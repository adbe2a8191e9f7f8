"""State and lookups every S3 operation module shares. The operation modules are mixins over
`S3Base`; `S3Service` (service.py) composes them."""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass

from ownstack.core.clock import Clock
from ownstack.core.context import RequestContext
from ownstack.core.errors import ServiceError
from ownstack.ports.blobs import BlobStore
from ownstack.ports.meta import MetaStore, Record

from .memo import DecodedMemo
from .records import BUCKETS, BucketRecord, ObjectRecord, objects_ns
from .sse_keys import KeyRing

AuthorizeAction = Callable[[RequestContext, str, str], Awaitable[None]]
"""(ctx, action, resource ARN): returns when the caller holds the permission."""


@dataclass(frozen=True, slots=True)
class S3Limits:
    inline_max: int = 64 * 1024
    """Objects up to this size live inline in their metadata record (one commit, no file)."""
    max_object_size: int = 5 * 1024**4
    max_single_put: int = 5 * 1024**3
    min_part_size: int = 5 * 1024 * 1024
    max_parts: int = 10_000
    max_key_bytes: int = 1024
    max_delete_keys: int = 1000
    max_metadata_bytes: int = 2 * 1024
    lifecycle_interval_s: int = 3600
    """How often the lifecycle sweeper applies the buckets' lifecycle rules."""
    lifecycle_day_s: int = 86400
    """The length of a lifecycle "day" (tests only: scaled down so that Days=1 passes in
    seconds; docs/s3-lifecycle.md)."""


class S3Base:
    def __init__(
        self, meta: MetaStore, blobs: BlobStore, clock: Clock, limits: S3Limits | None = None
    ) -> None:
        self.meta = meta
        self.blobs = blobs
        self.clock = clock
        self.limits = limits or S3Limits()
        self._buckets = DecodedMemo(BucketRecord.decode, max_entries=1024, max_value=64 << 10)
        self._objects = DecodedMemo(ObjectRecord.decode, max_entries=1024, max_value=4096)
        self.sse_keys = KeyRing()
        """SSE-S3's key-encryption keys (app.py opens the data dir's key file)."""
        self.account_ids: Callable[[], Iterable[str]] = tuple
        """Every account id this server holds (app.py sets it): ACL grants name accounts by
        their canonical user ids, which acl.py checks against these."""
        self.authorize_action: AuthorizeAction | None = None
        """The gateway's check of one more IAM permission (app.py sets it; raises AccessDenied):
        Object Lock asks it for s3:BypassGovernanceRetention and s3:GetObjectRetention."""

    async def bucket(self, ctx: RequestContext, name: str) -> BucketRecord:
        """The bucket, or NoSuchBucket. Shared: read it, never change it."""
        rec = await self.meta.get(BUCKETS, name)
        if rec is None:
            raise no_such_bucket(name)
        return self._buckets.decoded(name, rec)

    async def object_record(self, bucket: BucketRecord, key: str) -> tuple[ObjectRecord, Record]:
        """The object and its raw record (for the version to compare-and-set), or NoSuchKey."""
        rec = await self.meta.get(objects_ns(bucket.id), key)
        if rec is None:
            raise no_such_key(key)
        return ObjectRecord.decode(rec.value), rec

    async def object_for_read(self, bucket: BucketRecord, key: str) -> ObjectRecord:
        """object_record for callers that only read it (GET, HEAD, attributes): possibly
        shared with other requests, so never to be changed."""
        rec = await self.meta.get(objects_ns(bucket.id), key)
        if rec is None:
            raise no_such_key(key)
        return self._objects.decoded((bucket.id, key), rec)


def no_such_bucket(name: str) -> ServiceError:
    return ServiceError(
        "NoSuchBucket", "The specified bucket does not exist", 404, fields={"BucketName": name}
    )


def no_such_key(key: str) -> ServiceError:
    return ServiceError("NoSuchKey", "The specified key does not exist.", 404, fields={"Key": key})


def header_not_implemented(header: str, detail: str = "") -> ServiceError:
    """S3's 501 for a header (or header value) that asks for what it does not do."""
    fields = {"Header": header, **({"additionalMessage": detail} if detail else {})}
    return ServiceError(
        "NotImplemented",
        "A header you provided implies functionality that is not implemented",
        501,
        fields=fields,
    )


@functools.lru_cache(maxsize=4096)
def canonical_user_id(account_id: str) -> str:
    """The owner's canonical user id (64 hex chars, as S3 shows in Owner/ID), stable per account.
    A pure function of the account id, memoised: every PutObject asks (~3 us of hashing)."""
    return hashlib.sha256(f"ownstack-canonical:{account_id}".encode()).hexdigest()
