"""Request settings S3 would honour but ownstack cannot yet: refused with AWS's error, never
accepted and dropped (a client told "200" believes the setting holds).

ACLs: every ownstack bucket behaves as one with Object Ownership "bucket owner enforced", S3's
default for new buckets since April 2023. There, "All S3 PUT requests must either specify the
bucket-owner-full-control canned ACL or not specify an ACL, or these requests will fail"; other
ACLs "fail with a 400 error and return the AccessControlListNotSupported error code" (S3 User
Guide, "Troubleshooting" under Object Ownership). `private` is the ACL such a bucket has, so
asking for it changes nothing either. Grant headers (x-amz-grant-*) are ACLs too: refused.

Object Lock: a bucket created with it enabled keeps objects from deletion; ownstack has no
Object Lock, so CreateBucket asking for it gets 501 NotImplemented (as SSE-KMS does), and an
object write carrying retention or a legal hold gets S3's answer for a bucket without Object
Lock (400 InvalidRequest "Bucket is missing Object Lock Configuration").
"""

from __future__ import annotations

from ownstack.core.errors import ServiceError
from ownstack.core.service import Params

from .base import header_not_implemented

ACCEPTED_ACLS = frozenset({"private", "bucket-owner-full-control"})
_GRANTS = ("GrantFullControl", "GrantRead", "GrantReadACP", "GrantWrite", "GrantWriteACP")
_OBJECT_LOCK = ("ObjectLockMode", "ObjectLockRetainUntilDate", "ObjectLockLegalHoldStatus")


def refuse_unsupported_acl(params: Params) -> None:
    """AccessControlListNotSupported for an ACL other than the two a BucketOwnerEnforced bucket
    takes, and for any grant header."""
    acl = params.get("ACL")
    granted = any(params.get(name) is not None for name in _GRANTS)
    if granted or (acl is not None and acl not in ACCEPTED_ACLS):
        raise ServiceError("AccessControlListNotSupported", "The bucket does not allow ACLs", 400)


def refuse_unsupported_bucket_settings(params: Params) -> None:
    """CreateBucket: ACLs as above; Object Lock and an Object Ownership other than
    BucketOwnerEnforced (the only one ownstack implements) are not implemented."""
    if params.get("ObjectLockEnabledForBucket") is True:
        raise header_not_implemented("x-amz-bucket-object-lock-enabled")
    ownership = params.get("ObjectOwnership")
    if ownership is not None and ownership != "BucketOwnerEnforced":
        raise header_not_implemented("x-amz-object-ownership")
    refuse_unsupported_acl(params)


def refuse_unsupported_object_settings(params: Params) -> None:
    """PutObject, CopyObject, CreateMultipartUpload: ACLs as above; Object Lock retention or
    legal hold, which no ownstack bucket has."""
    refuse_unsupported_acl(params)
    if any(params.get(name) is not None for name in _OBJECT_LOCK):
        raise ServiceError("InvalidRequest", "Bucket is missing Object Lock Configuration", 400)
