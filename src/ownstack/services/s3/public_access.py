"""Block Public Access at bucket level: Put/Get/DeletePublicAccessBlock and the four settings'
effects (S3 API Reference, PublicAccessBlockConfiguration):

- BlockPublicAcls: PutBucketAcl, PutObjectAcl, and object writes asking for a public ACL
  are refused (AccessDenied); a new bucket cannot be created with one.
- IgnorePublicAcls: public grants (AllUsers, AuthenticatedUsers) are ignored when a request is
  authorised (acl.requester_kinds' ignore_public).
- BlockPublicPolicy: PutBucketPolicy of a public policy (publicness.py) is refused.
- RestrictPublicBuckets: while the bucket policy is public, it lets in only the owner's
  account and AWS service principals (resource_facts hands others its Deny statements alone).

New buckets get all four (S3's default since April 2023). A bucket from a data dir of before
this setting existed has no configuration, as S3 left buckets created before that change.
The flags are kept in BucketRecord.public_access_block as four "0"/"1" characters in the order
of FLAGS, "" for no configuration.
"""

from __future__ import annotations

from ownstack.core.context import ANONYMOUS, SERVICE, RequestContext
from ownstack.core.errors import ServiceError
from ownstack.core.service import STATUS, Params, Result

from .access import owned_bucket, update_bucket
from .base import S3Base
from .publicness import is_public_policy, without_allows
from .records import BucketRecord

FLAGS = ("BlockPublicAcls", "IgnorePublicAcls", "BlockPublicPolicy", "RestrictPublicBuckets")
ALL_ON = "1111"
_BLOCK_ACLS, _IGNORE_ACLS, _BLOCK_POLICY, _RESTRICT = range(4)


def _flag(bucket: BucketRecord, index: int) -> bool:
    flags = bucket.public_access_block
    return len(flags) == len(FLAGS) and flags[index] == "1"


def blocks_public_acls(bucket: BucketRecord) -> bool:
    return _flag(bucket, _BLOCK_ACLS)


def ignores_public_acls(bucket: BucketRecord) -> bool:
    return _flag(bucket, _IGNORE_ACLS)


def refuse_public_policy(ctx: RequestContext, bucket: BucketRecord, text: str) -> None:
    """PutBucketPolicy under BlockPublicPolicy: a public policy is refused (AccessDenied)."""
    if _flag(bucket, _BLOCK_POLICY) and is_public_policy(text):
        raise blocked(
            ctx,
            bucket,
            "s3:PutBucketPolicy",
            f"arn:aws:s3:::{bucket.name}",
            "because public policies are blocked by the BlockPublicPolicy block public access"
            " setting.",
        )


def refuse_public_acl(ctx: RequestContext, bucket: BucketRecord, action: str, arn: str) -> None:
    """A public ACL asked for under BlockPublicAcls (the caller has checked it is public)."""
    if blocks_public_acls(bucket):
        raise blocked(
            ctx,
            bucket,
            action,
            arn,
            "because public access control lists (ACLs) are blocked by the BlockPublicAcls"
            " block public access setting",
        )


def blocked(
    ctx: RequestContext, bucket: BucketRecord, action: str, arn: str, reason: str
) -> ServiceError:
    """AccessDenied as S3 words a Block Public Access refusal; to callers outside the bucket
    owner's account, as every S3 denial, just "Access Denied"."""
    principal = ctx.principal
    if principal.kind == ANONYMOUS or principal.account_id != bucket.account_id:
        return ServiceError("AccessDenied", "Access Denied", 403)
    message = f'User: {principal.arn} is not authorized to perform: {action} on resource: "{arn}"'
    return ServiceError("AccessDenied", f"{message} {reason}", 403)


def effective_policy(ctx: RequestContext, bucket: BucketRecord) -> str:
    """The bucket policy as it applies to this caller: under RestrictPublicBuckets, a public
    policy keeps only its denials for callers outside the owner's account (AWS service
    principals excepted)."""
    text = bucket.policy
    if not text or not _flag(bucket, _RESTRICT):
        return text
    principal = ctx.principal
    if principal.kind == SERVICE:
        return text
    if principal.kind != ANONYMOUS and principal.account_id == bucket.account_id:
        return text
    return without_allows(text) if is_public_policy(text) else text


class PublicAccessOps(S3Base):
    async def put_public_access_block(self, ctx: RequestContext, params: Params) -> Result:
        config = params.get("PublicAccessBlockConfiguration") or {}
        flags = "".join("1" if config.get(name) is True else "0" for name in FLAGS)

        def change(bucket: BucketRecord) -> None:
            bucket.public_access_block = flags

        await update_bucket(self, ctx, params, change)
        return {}

    async def get_public_access_block(self, ctx: RequestContext, params: Params) -> Result:
        bucket = await owned_bucket(self, ctx, params)
        if not bucket.public_access_block:
            raise ServiceError(
                "NoSuchPublicAccessBlockConfiguration",
                "The public access block configuration was not found",
                404,
                fields={"BucketName": bucket.name},
            )
        config = {name: _flag(bucket, i) for i, name in enumerate(FLAGS)}
        return {"PublicAccessBlockConfiguration": config}

    async def delete_public_access_block(self, ctx: RequestContext, params: Params) -> Result:
        def change(bucket: BucketRecord) -> None:
            bucket.public_access_block = ""

        await update_bucket(self, ctx, params, change)
        return {STATUS: 204}
