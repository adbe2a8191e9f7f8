"""S3 Object Ownership: Put/Get/DeleteBucketOwnershipControls and who owns what it decides
(S3 User Guide, "Controlling ownership of objects and disabling ACLs for your bucket").

- BucketOwnerEnforced (the default for new buckets): ACLs are disabled; the bucket owner owns
  every object, whoever wrote it and whatever ACL it had before.
- BucketOwnerPreferred: ACLs enabled; the bucket owner owns an object another account writes
  with the bucket-owner-full-control canned ACL, the writer any other.
- ObjectWriter: ACLs enabled; the writing account owns the object.
- No ownership controls (after DeleteBucketOwnershipControls): as ObjectWriter, S3's
  behaviour before Object Ownership existed; GetBucketOwnershipControls answers
  OwnershipControlsNotFoundError.

A bucket from a data dir of before ownership was kept ("") acts and reports as
BucketOwnerEnforced, the one setting ownstack had. An anonymous writer (a bucket ACL granting
AllUsers WRITE) owns nothing: its objects are the bucket owner's.
"""

from __future__ import annotations

from typing import Any

from ownstack.core.context import ANONYMOUS, RequestContext
from ownstack.core.errors import ServiceError
from ownstack.core.service import STATUS, Params, Result

from .access import owned_bucket, update_bucket
from .acl import grants_of, grants_others
from .base import S3Base, canonical_user_id
from .errors import malformed_xml
from .records import BucketRecord, ObjectRecord

ENFORCED = "BucketOwnerEnforced"
PREFERRED = "BucketOwnerPreferred"
WRITER = "ObjectWriter"
NO_CONTROLS = "none"
MODES = frozenset({ENFORCED, PREFERRED, WRITER})


def acls_enabled(bucket: BucketRecord) -> bool:
    return bucket.ownership not in ("", ENFORCED)


def bucket_owner_id(bucket: BucketRecord) -> str:
    return bucket.owner_id or canonical_user_id(bucket.account_id)


def object_owner_id(bucket: BucketRecord, rec: ObjectRecord) -> str:
    """Who owns the object now: the bucket owner when ACLs are disabled."""
    if not acls_enabled(bucket) or not rec.owner_id:
        return bucket_owner_id(bucket)
    return rec.owner_id


def writer_owns(ctx: RequestContext, bucket: BucketRecord, canned: str | None) -> str:
    """The owner of an object `ctx`'s caller writes with canned ACL `canned`."""
    if not acls_enabled(bucket) or ctx.principal.kind == ANONYMOUS:
        return bucket_owner_id(bucket)
    if bucket.ownership == PREFERRED and canned == "bucket-owner-full-control":
        return bucket_owner_id(bucket)
    return canonical_user_id(ctx.account_id)


def check_mode(value: Any, header: str) -> str:
    """An x-amz-object-ownership value (CreateBucket), or InvalidArgument."""
    if value not in MODES:
        raise ServiceError(
            "InvalidArgument",
            f"Invalid {header} header: {value}",
            fields={"ArgumentName": header, "ArgumentValue": str(value)},
        )
    return str(value)


def invalid_with_ownership() -> ServiceError:
    return ServiceError(
        "InvalidBucketAclWithObjectOwnership",
        "Bucket cannot have ACLs set with ObjectOwnership's BucketOwnerEnforced setting",
        400,
    )


def _requested_mode(params: Params) -> str:
    controls = params.get("OwnershipControls")
    rules = controls.get("Rules") if isinstance(controls, dict) else None
    if not isinstance(rules, list) or len(rules) != 1 or not isinstance(rules[0], dict):
        raise malformed_xml()
    mode = rules[0].get("ObjectOwnership")
    if mode not in MODES:
        raise malformed_xml()
    return str(mode)


class OwnershipOps(S3Base):
    async def put_bucket_ownership_controls(self, ctx: RequestContext, params: Params) -> Result:
        mode = _requested_mode(params)

        def change(bucket: BucketRecord) -> None:
            owner = bucket_owner_id(bucket)
            if mode == ENFORCED and grants_others(grants_of(bucket.acl, owner), owner):
                raise invalid_with_ownership()
            bucket.ownership = mode
            if mode == ENFORCED:
                bucket.acl = ""  # owner-only grants: the one ACL a bucket without ACLs has

        await update_bucket(self, ctx, params, change)
        return {}

    async def get_bucket_ownership_controls(self, ctx: RequestContext, params: Params) -> Result:
        bucket = await owned_bucket(self, ctx, params)
        if bucket.ownership == NO_CONTROLS:
            raise ServiceError(
                "OwnershipControlsNotFoundError",
                "The bucket ownership controls were not found",
                404,
                fields={"BucketName": bucket.name},
            )
        mode = bucket.ownership or ENFORCED
        return {"OwnershipControls": {"Rules": [{"ObjectOwnership": mode}]}}

    async def delete_bucket_ownership_controls(self, ctx: RequestContext, params: Params) -> Result:
        def change(bucket: BucketRecord) -> None:
            bucket.ownership = NO_CONTROLS

        await update_bucket(self, ctx, params, change)
        return {STATUS: 204}
