"""Reading one version of an object (GET, HEAD, GetObjectAttributes, CopyObject's source) and
S3's answers about delete markers."""

from __future__ import annotations

from email.utils import formatdate

from ownstack.core.errors import ServiceError
from ownstack.core.service import Params
from ownstack.ports.meta import MetaStore

from .base import S3Base, no_such_key
from .records import BucketRecord, MarkerRecord, ObjectRecord
from .versioning_ids import NULL, check_version_id, no_such_version
from .versioning_store import Located, latest_marker, locate


def deleted_key(key: str, marker: MarkerRecord) -> ServiceError:
    """NoSuchKey for a key whose current version is a delete marker: S3 says so in headers."""
    exc = no_such_key(key)
    exc.headers = {"x-amz-delete-marker": "true", "x-amz-version-id": marker.version_id}
    return exc


def marker_not_allowed(method: str, marker: MarkerRecord) -> ServiceError:
    """What S3 answers a request for a delete marker's version: 405, with Last-Modified."""
    return ServiceError(
        "MethodNotAllowed",
        "The specified method is not allowed against this resource.",
        405,
        fields={"Method": method, "ResourceType": "DeleteMarker"},
        headers={
            "x-amz-delete-marker": "true",
            "x-amz-version-id": marker.version_id,
            "Last-Modified": formatdate(marker.last_modified, usegmt=True),
            "Allow": "DELETE",
        },
    )


async def read_version(
    svc: S3Base, bucket: BucketRecord, key: str, version_id: str | None, method: str
) -> ObjectRecord:
    """The version `version_id` of `key` (None: the current one) to read; NoSuchKey (marked
    when the current version is a delete marker), NoSuchVersion, or 405 for a marker's id."""
    if version_id is None or (version_id == NULL and not bucket.versioning):
        try:
            return await svc.object_for_read(bucket, key)
        except ServiceError as exc:
            if exc.code != "NoSuchKey" or not bucket.versioning:
                raise
            marker = await latest_marker(svc.meta, bucket, key)
            if marker is not None:
                raise deleted_key(key, marker) from exc
            raise
    if not bucket.versioning:  # never versioned: "null" is the only version there is
        raise no_such_version(key, version_id)
    found = await locate(svc.meta, bucket, key, version_id, with_current=False)
    if found is None:
        raise no_such_version(key, version_id)
    if isinstance(found.version, MarkerRecord):
        raise marker_not_allowed(method, found.version)
    return found.version


async def source_version(
    svc: S3Base, bucket: BucketRecord, key: str, version_id: str | None
) -> ObjectRecord:
    """A copy's source (CopyObject, UploadPartCopy): the current object, or the version the
    copy source names; a delete marker named by its id is refused as S3 refuses it."""
    if version_id is None or (version_id == NULL and not bucket.versioning):
        rec, _ = await svc.object_record(bucket, key)
        return rec
    if not bucket.versioning:
        raise no_such_version(key, version_id)
    found = await locate(svc.meta, bucket, key, version_id, with_current=False)
    if found is None:
        raise no_such_version(key, version_id)
    if isinstance(found.version, MarkerRecord):
        raise ServiceError(
            "InvalidRequest",
            "The source of a copy request may not specifically refer to a delete marker by"
            " version id.",
        )
    return found.version


async def named_version(
    meta: MetaStore, bucket: BucketRecord, params: Params, method: str
) -> tuple[ObjectRecord, Located]:
    """The object version a sub-resource call (tagging, retention, legal hold) names
    (VersionId, else the current one) and where its records are: NoSuchKey / NoSuchVersion
    when there is none, 405 for a delete marker."""
    key, version_id = params["Key"], params.get("VersionId")
    check_version_id(version_id)
    if not bucket.versioning and version_id not in (None, NULL):
        raise no_such_version(key, str(version_id))
    found = await locate(meta, bucket, key, version_id)
    if found is None:
        raise no_such_key(key) if version_id is None else no_such_version(key, version_id)
    if isinstance(found.version, MarkerRecord):
        raise marker_not_allowed(method, found.version)
    return found.version, found
