"""Who may use a bucket: its owning account, or another whose request the gateway has
authorised through the bucket's policy (RequestContext.may_use)."""

from __future__ import annotations

from collections.abc import Callable

from ownstack.core.context import RequestContext
from ownstack.core.errors import ServiceError
from ownstack.core.service import Params
from ownstack.ports.errors import ConditionFailed
from ownstack.ports.meta import Put

from .base import S3Base, no_such_bucket
from .records import BUCKETS, BucketRecord

# A bucket record rewritten under another writer is read again and the change re-applied.
# Each lost race means another writer's commit landed, so this bounds starvation, not
# progress: with N writers on one bucket a request needs at most N tries. S3 applies
# concurrent settings writes last-writer-wins (ceph/s3-tests puts one bucket's ACL from 50
# threads at once, every put answered 200), so the bound is set well past such bursts
# rather than at 5, where the 6th concurrent writer got a spurious 409 OperationAborted.
_RETRIES = 64


def access_denied() -> ServiceError:
    return ServiceError("AccessDenied", "Access Denied", 403)


def check_owner(ctx: RequestContext, bucket: BucketRecord, params: Params) -> None:
    """AccessDenied unless the caller's account owns the bucket or its policy let the caller
    in (and ExpectedBucketOwner, when sent, names the owner)."""
    if not ctx.may_use(bucket.account_id):
        raise access_denied()
    expected = params.get("ExpectedBucketOwner")
    if expected is not None and expected != bucket.account_id:
        raise access_denied()


async def owned_bucket(svc: S3Base, ctx: RequestContext, params: Params) -> BucketRecord:
    """params["Bucket"], checked to exist (NoSuchBucket) and to belong to the caller."""
    bucket = await svc.bucket(ctx, params["Bucket"])
    check_owner(ctx, bucket, params)
    return bucket


async def update_bucket(
    svc: S3Base, ctx: RequestContext, params: Params, change: Callable[[BucketRecord], None]
) -> BucketRecord:
    """Read params["Bucket"], check the caller may use it, let `change` modify the record,
    and write it back unless someone else wrote it meanwhile (then start over)."""
    name = params["Bucket"]
    for _ in range(_RETRIES):
        raw = await svc.meta.get(BUCKETS, name)
        if raw is None:
            raise no_such_bucket(name)
        bucket = BucketRecord.decode(raw.value)
        check_owner(ctx, bucket, params)
        change(bucket)
        try:
            await svc.meta.commit([Put(BUCKETS, bucket.name, bucket.encode(), expect=raw.version)])
            return bucket
        except ConditionFailed:
            continue
    raise conflict()


def conflict() -> ServiceError:
    return ServiceError(
        "OperationAborted",
        "A conflicting conditional operation is currently in progress against this resource."
        " Please try again.",
        409,
    )
