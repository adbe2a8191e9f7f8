"""The S3 service: every implemented operation, composed from the per-area mixins."""

from __future__ import annotations

from .acl_ops import AclOps
from .attributes import AttributesOps
from .bucket_encryption import BucketEncryptionOps
from .bucket_policy import BucketPolicyOps
from .buckets import BucketOps
from .copy import CopyOps
from .cors_ops import CorsOps
from .delete_objects import DeleteObjectsOps
from .lifecycle_ops import LifecycleOps
from .listing import ListingOps
from .multipart import MultipartOps
from .notify_ops import NotificationOps
from .object_lock_ops import ObjectLockOps
from .objects import ObjectOps
from .ownership import OwnershipOps
from .public_access import PublicAccessOps
from .subresource_configs import SubresourceConfigOps
from .subresources import SubresourceOps
from .sweep import SweepOps
from .tagging import TaggingOps


class S3Service(
    BucketOps,
    ObjectOps,
    CopyOps,
    TaggingOps,
    BucketPolicyOps,
    AclOps,
    OwnershipOps,
    PublicAccessOps,
    BucketEncryptionOps,
    AttributesOps,
    ListingOps,
    DeleteObjectsOps,
    LifecycleOps,
    MultipartOps,
    SweepOps,
    SubresourceOps,
    SubresourceConfigOps,
    ObjectLockOps,
    NotificationOps,
    CorsOps,
):
    """Constructed as S3Base is: S3Service(meta, blobs, clock, limits=None)."""
