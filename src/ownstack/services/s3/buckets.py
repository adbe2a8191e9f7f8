"""Buckets: CreateBucket, DeleteBucket, HeadBucket, ListBuckets, GetBucketLocation."""

from __future__ import annotations

import contextlib
import re
import uuid
from collections.abc import AsyncIterator
from typing import Any

from ownstack.core.context import RequestContext
from ownstack.core.errors import ServiceError
from ownstack.core.service import Params, Result
from ownstack.core.tokens import opaque_token, token_text
from ownstack.ports.errors import ConditionFailed, PortError
from ownstack.ports.meta import ABSENT, Check, Delete, Put, prefix_end

from .access import check_owner
from .acl_ops import new_bucket_access
from .base import S3Base, canonical_user_id, no_such_bucket
from .deletions import BUCKET_DELETIONS, deletion_conflict, deletion_marker, operation_aborted
from .headers import timestamp
from .multipart_store import purge_uploads
from .names import check_bucket_name
from .object_lock import lock_on_create
from .records import BUCKETS, BucketRecord, objects_ns
from .subresource_store import purge_configurations
from .tagging import check_tags, tag_pairs
from .versioning_store import has_versions, purge_version_records

US_EAST_1 = "us-east-1"
_REGION = re.compile(r"[a-z]{2}(-[a-z]+)+-\d+")
_LEGACY_LOCATIONS = {"EU": "eu-west-1"}
_MAX_BUCKETS = 10_000
_DELETE_ATTEMPTS = 10


class BucketOps(S3Base):
    process_id = ""
    """Who this process is, named in the deletion markers it writes so that other processes
    sharing the meta store know whether it is alive (deletions.py); set by app.py."""

    async def create_bucket(self, ctx: RequestContext, params: Params) -> Result:
        name = params["Bucket"]
        check_bucket_name(name)
        config = params.get("CreateBucketConfiguration")
        region = bucket_region(ctx.region, config)
        rec = BucketRecord(
            name=name,
            id=uuid.uuid4().hex,
            account_id=ctx.account_id,
            region=region,
            created=self.clock.now(),
            owner_id=canonical_user_id(ctx.account_id),
            # Tags given at creation are the bucket's tag set, checked as PutBucketTagging's.
            tags=check_tags(tag_pairs(config), bucket=True),
        )
        new_bucket_access(rec, params, self.account_ids)  # ownership, ACL, Block Public Access
        lock_on_create(rec, params)  # Object Lock (and versioning with it): object_lock.py
        try:
            await self.meta.commit([Put(BUCKETS, name, rec.encode(), expect=ABSENT)])
        except ConditionFailed:
            await self._already_exists(ctx, name)
        return {"Location": f"/{name}"}

    async def _already_exists(self, ctx: RequestContext, name: str) -> None:
        """Raise the error for re-creating `name`, or return (200) for the legacy us-east-1
        case: the owner re-creating their own us-east-1 bucket there succeeds as a no-op."""
        raw = await self.meta.get(BUCKETS, name)
        if raw is None:  # deleted meanwhile: the name was taken when we tried
            raise _bucket_exists(name)
        existing = BucketRecord.decode(raw.value)
        if existing.account_id != ctx.account_id:
            raise _bucket_exists(name)
        if existing.region == US_EAST_1 and ctx.region == US_EAST_1:
            return
        raise ServiceError(
            "BucketAlreadyOwnedByYou",
            "Your previous request to create the named bucket succeeded and you already own it.",
            409,
            fields={"BucketName": name},
        )

    async def delete_bucket(self, ctx: RequestContext, params: Params) -> Result:
        name = params["Bucket"]
        raw = await self.meta.get(BUCKETS, name)
        if raw is None:
            raise no_such_bucket(name)
        bucket = BucketRecord.decode(raw.value)
        check_owner(ctx, bucket, params)
        # Two phases (deletions.py says why): mark, so no new object or upload can commit,
        # then scan and delete. A write committed before the marker is seen by the scan.
        marker = deletion_marker(bucket, self.process_id, self.clock.now())
        try:
            marked = await self.meta.commit([marker])
        except ConditionFailed as exc:  # another DeleteBucket is under way, or done
            raise await deletion_conflict(self.meta, bucket) from exc
        try:
            empty = not await self._has_objects(bucket)
        except BaseException:
            await self._unmark(bucket.id)
            raise
        if not empty:
            await self._unmark(bucket.id)
            raise ServiceError(
                "BucketNotEmpty",
                "The bucket you tried to delete is not empty",
                409,
                fields={"BucketName": name},
            )
        await self._delete_marked(name, raw.version, bucket.id, marked)
        # In-progress uploads do not keep a bucket ("All objects (including all object versions
        # and delete markers) in the bucket must be deleted before the bucket itself can be
        # deleted", S3 API Reference, DeleteBucket: only directory buckets also wait for their
        # uploads). They go with it, parts' bytes included. A crash before this ends leaves
        # records of a bucket that no longer exists: the orphan sweep reclaims their blobs.
        await purge_uploads(self.meta, self.blobs, bucket)
        await purge_version_records(self.meta, bucket)
        await purge_configurations(self.meta, bucket)  # subresource_store.py
        return {}

    async def _delete_marked(self, name: str, version: int, bucket_id: str, marked: int) -> None:
        """Delete the marked bucket's record. Its marker stays, as a tombstone: a write that
        looked the bucket up before this delete must still fail its guard afterwards. The
        delete is fenced on our marker (version `marked`): if another process's start cleared
        it meanwhile (this one stalled past its liveness lease), writes may have been
        acknowledged since, and deleting the bucket would lose them."""
        fence = Check(BUCKET_DELETIONS, bucket_id, marked)
        for _ in range(_DELETE_ATTEMPTS):
            try:
                await self.meta.commit([Delete(BUCKETS, name, expect=version), fence])
                return
            except ConditionFailed as failed:
                if failed.index == 1:
                    raise operation_aborted() from failed
            # Rewritten meanwhile (its tags), or gone: go on with what is there now.
            raw = await self.meta.get(BUCKETS, name)
            if raw is None or BucketRecord.decode(raw.value).id != bucket_id:
                return  # deleted meanwhile; the caller's intent (gone) stands
            version = raw.version
        await self._unmark(bucket_id)
        raise operation_aborted()

    async def _unmark(self, bucket_id: str) -> None:
        # Best effort: a marker left by a failing store blocks writes to the bucket until the
        # next start clears it, which is better than hiding the error that brought us here.
        with contextlib.suppress(PortError):
            await self.meta.commit([Delete(BUCKET_DELETIONS, bucket_id)])

    async def _has_objects(self, bucket: BucketRecord) -> bool:
        """Any object keeps a bucket from being deleted (in-progress uploads do not)."""
        if await self.meta.scan(objects_ns(bucket.id), limit=1):
            return True
        return await has_versions(self.meta, bucket)  # versions and delete markers too

    async def head_bucket(self, ctx: RequestContext, params: Params) -> Result:
        bucket = await self.bucket(ctx, params["Bucket"])
        check_owner(ctx, bucket, params)
        return {"BucketRegion": bucket.region, "AccessPointAlias": False}

    async def get_bucket_location(self, ctx: RequestContext, params: Params) -> Result:
        bucket = await self.bucket(ctx, params["Bucket"])
        check_owner(ctx, bucket, params)
        # us-east-1 buckets report an empty LocationConstraint, as S3 does.
        location = None if bucket.region == US_EAST_1 else bucket.region
        return {"LocationConstraint": location}

    async def list_buckets(self, ctx: RequestContext, params: Params) -> Result:
        limit = _max_buckets(params.get("MaxBuckets"))
        prefix = params.get("Prefix") or ""
        region = params.get("BucketRegion")
        start = _decode_token(params.get("ContinuationToken")) or prefix
        buckets: list[dict[str, Any]] = []
        last = ""
        truncated = False
        async for rec in self._scan_buckets(start, prefix_end(prefix) if prefix else None):
            if rec.account_id != ctx.account_id or (region and rec.region != region):
                continue
            if len(buckets) == limit:
                truncated = True
                break
            buckets.append(_bucket_entry(rec))
            last = rec.name
        out: Result = {
            "Buckets": buckets,
            "Owner": {"ID": canonical_user_id(ctx.account_id)},
        }
        if prefix:
            out["Prefix"] = prefix
        if truncated:
            out["ContinuationToken"] = opaque_token(last)
        return out

    async def _scan_buckets(self, start: str, end: str | None) -> AsyncIterator[BucketRecord]:
        """Every bucket record from `start` (inclusive, or just after a token's name)."""
        cursor = start
        while True:
            page = await self.meta.scan(BUCKETS, start=cursor, end=end, limit=1000)
            for raw in page:
                yield BucketRecord.decode(raw.value)
            if len(page) < 1000:
                return
            cursor = page[-1].key + "\x00"


def bucket_region(endpoint_region: str, config: Any) -> str:
    """The region a CreateBucket puts the bucket in, from its LocationConstraint."""
    constraint = (config or {}).get("LocationConstraint") or ""
    if not constraint:
        if endpoint_region == US_EAST_1:
            return US_EAST_1
        raise _illegal_location("unspecified")
    region = _LEGACY_LOCATIONS.get(constraint, constraint)
    if region == US_EAST_1 or _REGION.fullmatch(region) is None:
        # S3 rejects an explicit us-east-1: that region is expressed by no constraint at all.
        raise ServiceError(
            "InvalidLocationConstraint",
            "The specified location-constraint is not valid",
            fields={"LocationConstraint": constraint},
        )
    # The us-east-1 (global) endpoint may create buckets in any region; others only their own.
    if endpoint_region not in (US_EAST_1, region):
        raise _illegal_location(constraint)
    return region


def _illegal_location(constraint: str) -> ServiceError:
    return ServiceError(
        "IllegalLocationConstraintException",
        f"The {constraint} location constraint is incompatible for the region specific"
        " endpoint this request was sent to.",
    )


def _bucket_exists(name: str) -> ServiceError:
    return ServiceError(
        "BucketAlreadyExists",
        "The requested bucket name is not available. The bucket namespace is shared by all"
        " users of the system. Please select a different name and try again.",
        409,
        fields={"BucketName": name},
    )


def _bucket_entry(rec: BucketRecord) -> dict[str, Any]:
    return {"Name": rec.name, "CreationDate": timestamp(rec.created), "BucketRegion": rec.region}


def _max_buckets(value: Any) -> int:
    if value is None:
        return _MAX_BUCKETS
    count = int(value)
    if not 1 <= count <= _MAX_BUCKETS:
        raise ServiceError(
            "InvalidArgument",
            "Argument max-buckets must be an integer between 1 and 10000",
            fields={"ArgumentName": "max-buckets", "ArgumentValue": str(value)},
        )
    return count


def _decode_token(token: Any) -> str:
    """The scan start after a continuation token (the last name returned, plus NUL)."""
    if not token:
        return ""
    name = token_text(str(token))
    if name is None:
        raise ServiceError(
            "InvalidArgument",
            "The continuation token provided is incorrect",
            fields={"ArgumentName": "continuation-token"},
        )
    return name + "\x00"
