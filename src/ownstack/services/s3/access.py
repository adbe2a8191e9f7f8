"""Who may use a bucket: only its owning account (IAM and bucket policies come later)."""

from __future__ import annotations

from ownstack.core.context import RequestContext
from ownstack.core.errors import ServiceError
from ownstack.core.service import Params

from .base import S3Base
from .records import BucketRecord


def access_denied() -> ServiceError:
    return ServiceError("AccessDenied", "Access Denied", 403)


def check_owner(ctx: RequestContext, bucket: BucketRecord, params: Params) -> None:
    """AccessDenied unless the caller's account owns the bucket (and ExpectedBucketOwner,
    when sent, names that account)."""
    if bucket.account_id != ctx.account_id:
        raise access_denied()
    expected = params.get("ExpectedBucketOwner")
    if expected is not None and expected != bucket.account_id:
        raise access_denied()


async def owned_bucket(svc: S3Base, ctx: RequestContext, params: Params) -> BucketRecord:
    """params["Bucket"], checked to exist (NoSuchBucket) and to belong to the caller."""
    bucket = await svc.bucket(ctx, params["Bucket"])
    check_owner(ctx, bucket, params)
    return bucket
