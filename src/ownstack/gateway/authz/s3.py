"""S3: how requests name buckets and objects and carry condition keys, and the operations whose
permission is not the action of the same name.

The exceptions follow AWS's "Required permissions for Amazon S3 API operations"
(https://docs.aws.amazon.com/AmazonS3/latest/userguide/using-with-s3-policy-actions.html) and the
Permissions section of each operation's API page (CopyObject, PutObject, DeleteObjects,
GetObjectAttributes, DeleteBucketTagging...). Everything not listed is `s3:<Operation>`.
"""

from __future__ import annotations

from collections.abc import Mapping

from .conditions import REQUEST_TAG, TAG_KEYS, from_param, request_tags, tag_keys
from .derive import ExceptionFactory, Rules, ServiceSpec, fill, renamed
from .model import Builder, ConditionFn, Params, Requirement, Scope
from .s3_objects import OBJECT_EXCEPTIONS


def _conditions() -> dict[str, ConditionFn]:
    params = {
        "s3:prefix": "Prefix",
        "s3:delimiter": "Delimiter",
        "s3:max-keys": "MaxKeys",
        "s3:versionid": "VersionId",
        "s3:x-amz-acl": "ACL",
        "s3:x-amz-server-side-encryption": "ServerSideEncryption",
        "s3:x-amz-server-side-encryption-aws-kms-key-id": "SSEKMSKeyId",
        "s3:x-amz-server-side-encryption-customer-algorithm": "SSECustomerAlgorithm",
        "s3:x-amz-copy-source": "CopySource",
        "s3:x-amz-metadata-directive": "MetadataDirective",
        "s3:x-amz-storage-class": "StorageClass",
        "s3:x-amz-website-redirect-location": "WebsiteRedirectLocation",
        "s3:x-amz-grant-full-control": "GrantFullControl",
        "s3:x-amz-grant-read": "GrantRead",
        "s3:x-amz-grant-read-acp": "GrantReadACP",
        "s3:x-amz-grant-write": "GrantWrite",
        "s3:x-amz-grant-write-acp": "GrantWriteACP",
        "s3:x-amz-object-ownership": "ObjectOwnership",
        "s3:if-match": "IfMatch",
        "s3:if-none-match": "IfNoneMatch",
        "s3:object-lock-mode": "ObjectLockMode",
        "s3:object-lock-retain-until-date": "ObjectLockRetainUntilDate",
        "s3:object-lock-legal-hold": "ObjectLockLegalHoldStatus",
    }
    found: dict[str, ConditionFn] = {key: from_param(key, member) for key, member in params.items()}
    found["s3:locationconstraint"] = from_param(
        "s3:locationconstraint", "CreateBucketConfiguration", "LocationConstraint"
    )
    # Object tags: PutObject's x-amz-tagging string, PutObjectTagging's TagSet.
    found["s3:requestobjecttag/<key>"] = request_tags("s3:requestobjecttag/", ["Tagging"])
    found["s3:requestobjecttagkeys"] = tag_keys("s3:requestobjecttagkeys", ["Tagging"])
    # Bucket tags given at creation (CreateBucketConfiguration.Tags).
    found[REQUEST_TAG] = _created_bucket_tags(request_tags("aws:requesttag/", ["Tags"]))
    found[TAG_KEYS] = _created_bucket_tags(tag_keys(TAG_KEYS, ["Tags"]))
    return found


def _created_bucket_tags(add: ConditionFn) -> ConditionFn:
    def add_nested(params: Mapping[str, object], out: dict[str, tuple[str, ...]]) -> None:
        configuration = params.get("CreateBucketConfiguration")
        if isinstance(configuration, Mapping):
            add(configuration, out)

    return add_nested


# Bucket operations whose action has another name (AWS's page, "Bucket operations"). A Delete
# of a bucket sub-resource is authorised as its Put.
_BUCKET_RENAMES = {
    "HeadBucket": "ListBucket",
    "ListObjects": "ListBucket",
    "ListObjectsV2": "ListBucket",
    "ListObjectVersions": "ListBucketVersions",
    "ListMultipartUploads": "ListBucketMultipartUploads",
    "ListBuckets": "ListAllMyBuckets",
    "DeleteBucketCors": "PutBucketCORS",
    "GetBucketEncryption": "GetEncryptionConfiguration",
    "PutBucketEncryption": "PutEncryptionConfiguration",
    "DeleteBucketEncryption": "PutEncryptionConfiguration",
    "GetBucketLifecycle": "GetLifecycleConfiguration",
    "GetBucketLifecycleConfiguration": "GetLifecycleConfiguration",
    "PutBucketLifecycle": "PutLifecycleConfiguration",
    "PutBucketLifecycleConfiguration": "PutLifecycleConfiguration",
    "DeleteBucketLifecycle": "PutLifecycleConfiguration",
    "GetBucketNotificationConfiguration": "GetBucketNotification",
    "PutBucketNotificationConfiguration": "PutBucketNotification",
    "GetPublicAccessBlock": "GetBucketPublicAccessBlock",
    "PutPublicAccessBlock": "PutBucketPublicAccessBlock",
    "DeletePublicAccessBlock": "PutBucketPublicAccessBlock",
    "GetBucketReplication": "GetReplicationConfiguration",
    "PutBucketReplication": "PutReplicationConfiguration",
    "DeleteBucketReplication": "PutReplicationConfiguration",
    "GetObjectLockConfiguration": "GetBucketObjectLockConfiguration",
    "PutObjectLockConfiguration": "PutBucketObjectLockConfiguration",
    "GetBucketAccelerateConfiguration": "GetAccelerateConfiguration",
    "PutBucketAccelerateConfiguration": "PutAccelerateConfiguration",
    "GetBucketAnalyticsConfiguration": "GetAnalyticsConfiguration",
    "ListBucketAnalyticsConfigurations": "GetAnalyticsConfiguration",
    "PutBucketAnalyticsConfiguration": "PutAnalyticsConfiguration",
    "DeleteBucketAnalyticsConfiguration": "PutAnalyticsConfiguration",
    "GetBucketInventoryConfiguration": "GetInventoryConfiguration",
    "ListBucketInventoryConfigurations": "GetInventoryConfiguration",
    "PutBucketInventoryConfiguration": "PutInventoryConfiguration",
    "DeleteBucketInventoryConfiguration": "PutInventoryConfiguration",
    "GetBucketMetricsConfiguration": "GetMetricsConfiguration",
    "ListBucketMetricsConfigurations": "GetMetricsConfiguration",
    "PutBucketMetricsConfiguration": "PutMetricsConfiguration",
    "DeleteBucketMetricsConfiguration": "PutMetricsConfiguration",
    "GetBucketIntelligentTieringConfiguration": "GetIntelligentTieringConfiguration",
    "ListBucketIntelligentTieringConfigurations": "GetIntelligentTieringConfiguration",
    "PutBucketIntelligentTieringConfiguration": "PutIntelligentTieringConfiguration",
    "DeleteBucketIntelligentTieringConfiguration": "PutIntelligentTieringConfiguration",
    "DeleteBucketOwnershipControls": "PutBucketOwnershipControls",
    "SelectObjectContent": "GetObject",
}


def _create_bucket(rules: Rules, members: frozenset[str]) -> Builder:
    """s3:CreateBucket; a bucket created with Object Lock enabled also needs
    s3:PutBucketObjectLockConfiguration and s3:PutBucketVersioning (CreateBucket's page)."""
    create = rules.rule("CreateBucket", members)
    lock = rules.rule("PutBucketObjectLockConfiguration", members)
    versioning = rules.rule("PutBucketVersioning", members)

    def build(params: Params, scope: Scope) -> tuple[Requirement, ...]:
        if params.get("ObjectLockEnabledForBucket") is True:
            return (create(params, scope), lock(params, scope), versioning(params, scope))
        return (create(params, scope),)

    return build


def _exceptions() -> dict[str, ExceptionFactory]:
    table: dict[str, ExceptionFactory] = {op: renamed(a) for op, a in _BUCKET_RENAMES.items()}
    table.update(OBJECT_EXCEPTIONS)
    table["CreateBucket"] = _create_bucket
    return table


def s3_spec() -> ServiceSpec:
    return ServiceSpec(
        prefix="s3",
        # Only general purpose buckets and their objects: ownstack has no access points.
        resolvers={
            "bucket": fill(BucketName="Bucket"),
            "object": fill(BucketName="Bucket", ObjectName="Key"),
        },
        conditions=_conditions(),
        exceptions=_exceptions(),
    )
