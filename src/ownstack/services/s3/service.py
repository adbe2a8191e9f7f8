"""The S3 service: every implemented operation, composed from the per-area mixins."""

from __future__ import annotations

from .attributes import AttributesOps
from .bucket_policy import BucketPolicyOps
from .buckets import BucketOps
from .copy import CopyOps
from .delete_objects import DeleteObjectsOps
from .listing import ListingOps
from .multipart import MultipartOps
from .notify_ops import NotificationOps
from .objects import ObjectOps
from .sweep import SweepOps
from .tagging import TaggingOps


class S3Service(
    BucketOps,
    ObjectOps,
    CopyOps,
    TaggingOps,
    BucketPolicyOps,
    AttributesOps,
    ListingOps,
    DeleteObjectsOps,
    MultipartOps,
    SweepOps,
    NotificationOps,
):
    """Constructed as S3Base is: S3Service(meta, blobs, clock, limits=None)."""
