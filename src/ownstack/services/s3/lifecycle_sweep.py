"""The lifecycle sweeper: applies each bucket's lifecycle rules to what they cover.

One pass reads every bucket with a configuration and, for each, aborts the incomplete
multipart uploads whose DaysAfterInitiation passed, expires the current objects whose
Expiration is due (by Days, rounded up to the next midnight, or by Date) and moves the ones a
Transition is due for to its storage class; in a versioning bucket, expiring adds a delete
marker, and noncurrent versions and expired delete markers are seen to (lifecycle_versions.py).
Records are judged from a partial decode (lifecycle_rules.Glance): a pass reads every record
under its rules' prefixes, and decodes in full only what it changes.

Nothing is remembered between passes: what is due is recomputed from the records each time, so
a pass that dies midway (a crash, a lost lease) leaves nothing to resume, and the next pass, in
this process or another, does the rest.

Why it never removes what is not due, even racing writers: each object is judged from the
record a scan returned, and its delete (or rewrite) is a compare-and-set on that record's
version, so an object overwritten, retagged or deleted since is left for the next pass to
judge again. Uploads are aborted through AbortMultipartUpload itself (an upload's initiation
time never changes). Deletes go the way DeleteObject's go: the record first, then its blobs;
a crash in between leaves blobs no record names, which the start-up orphan sweep reclaims
(sweep.py).

Deletions are notified as S3 notifies lifecycle's (s3:LifecycleExpiration:Delete,
s3:LifecycleTransition), the outbox records in the same commit as the change.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass

from ownstack.core.context import SERVICE, Principal, RequestContext
from ownstack.core.errors import ServiceError
from ownstack.ports.errors import ConditionFailed
from ownstack.ports.meta import Delete, Put, Record, pages, prefix_end

from .lifecycle_rules import (
    CompiledConfig,
    acts_on_current,
    compiled,
    current_expiry,
    due_after,
    glance,
    transition_target,
)
from .lifecycle_versions import LifecycleVersionOps, acts_on_versions
from .multipart import MultipartOps
from .records import BUCKETS, BucketRecord, ObjectRecord, UploadRecord, objects_ns, uploads_ns
from .writes import discard_segments

log = logging.getLogger("ownstack.s3.lifecycle")
SERVICE_PRINCIPAL = "s3.amazonaws.com"
PAGE = 500

StillHeld = Callable[[], bool]


@dataclass(slots=True)
class SweepCounts:
    expired: int = 0
    transitioned: int = 0
    aborted: int = 0

    @property
    def total(self) -> int:
        return self.expired + self.transitioned + self.aborted


def lifecycle_context(bucket: BucketRecord, request_id: str) -> RequestContext:
    """S3 acting on its own, for the bucket's owner (as lifecycle events name it)."""
    principal = Principal(
        bucket.account_id,
        SERVICE_PRINCIPAL,
        SERVICE_PRINCIPAL,
        "lifecycle",
        kind=SERVICE,
        name=SERVICE_PRINCIPAL,
    )
    return RequestContext(
        request_id,
        bucket.account_id,
        bucket.region,
        principal,
        service="s3",
        operation="Lifecycle",
        source_ip=SERVICE_PRINCIPAL,
    )


class LifecycleSweepOps(MultipartOps, LifecycleVersionOps):
    async def sweep_lifecycle(self, still_held: StillHeld) -> SweepCounts:
        """One pass over every bucket with a lifecycle configuration; stops early (between
        pages) once `still_held` turns False: another process has taken the sweep over."""
        counts = SweepCounts()
        async for page in pages(self.meta, BUCKETS):
            for raw in page:
                if not still_held():
                    return counts
                bucket = BucketRecord.decode(raw.value)
                if not bucket.lifecycle:
                    continue
                try:
                    await self._sweep_bucket(bucket, still_held, counts)
                except Exception:  # one bucket's failure never stops the others' sweep
                    log.exception("lifecycle: sweeping bucket %s failed", bucket.name)
        return counts

    async def _sweep_bucket(
        self, bucket: BucketRecord, still_held: StillHeld, counts: SweepCounts
    ) -> None:
        cfg = compiled(bucket.lifecycle)
        if not cfg.enabled:
            return
        ctx = lifecycle_context(bucket, secrets.token_hex(8).upper())
        if any(c.rule.abort_days is not None for c in cfg.enabled):
            counts.aborted += await self._abort_uploads(ctx, bucket, cfg, still_held)
        if cfg.touches_current:
            await self._sweep_current(ctx, bucket, cfg, still_held, counts)
        if bucket.versioning:
            scopes = [c.scope.prefix for c in cfg.enabled if acts_on_versions(c)]
            for prefix in _scan_prefixes(scopes):
                removed, moved = await self._sweep_versions(ctx, bucket, cfg, prefix, still_held)
                counts.expired += removed
                counts.transitioned += moved

    async def _abort_uploads(
        self, ctx: RequestContext, bucket: BucketRecord, cfg: CompiledConfig, still_held: StillHeld
    ) -> int:
        rules = [c for c in cfg.enabled if c.rule.abort_days is not None]
        day_s, aborted = self.limits.lifecycle_day_s, 0
        async for page in pages(self.meta, uploads_ns(bucket.id), size=PAGE):
            if not still_held():
                return aborted
            now = self.clock.now()
            for raw in page:
                upload = UploadRecord.decode(raw.value)
                due = any(
                    upload.key.startswith(c.scope.prefix)
                    and due_after(upload.initiated, c.rule.abort_days or 0, day_s) <= now
                    for c in rules
                )
                if due and await self._abort(ctx, bucket, upload):
                    aborted += 1
            await asyncio.sleep(0)
        return aborted

    async def _abort(self, ctx: RequestContext, bucket: BucketRecord, upload: UploadRecord) -> bool:
        params = {"Bucket": bucket.name, "Key": upload.key, "UploadId": upload.upload_id}
        try:
            await self.abort_multipart_upload(ctx, params)
        except ServiceError as exc:  # completed or aborted meanwhile; the bucket is gone
            log.debug("lifecycle: upload %s not aborted: %s", upload.upload_id, exc.code)
            return False
        return True

    async def _sweep_current(
        self,
        ctx: RequestContext,
        bucket: BucketRecord,
        cfg: CompiledConfig,
        still_held: StillHeld,
        counts: SweepCounts,
    ) -> None:
        prefixes = _scan_prefixes([c.scope.prefix for c in cfg.enabled if acts_on_current(c.rule)])
        for prefix in prefixes:
            async for page in self._object_pages(bucket, prefix):
                if not still_held():
                    return
                for raw in page:
                    await self._judge(ctx, bucket, cfg, raw, counts)
                await asyncio.sleep(0)

    def _object_pages(self, bucket: BucketRecord, prefix: str) -> AsyncIterator[list[Record]]:
        return pages(
            self.meta, objects_ns(bucket.id), start=prefix, end=prefix_end(prefix), size=PAGE
        )

    async def _judge(
        self,
        ctx: RequestContext,
        bucket: BucketRecord,
        cfg: CompiledConfig,
        raw: Record,
        counts: SweepCounts,
    ) -> None:
        """Expire or transition one current object if a rule says it is due now."""
        obj = glance(raw.value)
        now, day_s = self.clock.now(), self.limits.lifecycle_day_s
        found = current_expiry(cfg, raw.key, obj.size, obj.tags, obj.last_modified, day_s)
        if found is not None and found[0] <= now:
            fresh = await self._fresh_bucket(bucket)
            if fresh is None:
                return
            if fresh.versioning or obj.seq:
                counts.expired += await self._expire_current_version(ctx, fresh, raw)
            else:
                counts.expired += await self._expire(ctx, bucket, raw)
            return
        target = transition_target(
            cfg, raw.key, obj.size, obj.tags, obj.last_modified, obj.storage_class, now, day_s
        )
        if target is None:
            return
        if obj.seq:  # a version's record: its versions_ns copy moves with it
            counts.transitioned += await self._transition_current_version(ctx, bucket, raw, target)
        else:
            counts.transitioned += await self._transition(ctx, bucket, raw, target)

    async def _expire(self, ctx: RequestContext, bucket: BucketRecord, raw: Record) -> int:
        """Delete the object the scan saw, if it is still that version (else: next pass)."""
        notes = self.notes(ctx, bucket, "LifecycleExpiration:Delete", raw.key)
        try:
            await self.meta.commit([Delete(objects_ns(bucket.id), raw.key, raw.version), *notes])
        except ConditionFailed:
            return 0
        await discard_segments(self.blobs, ObjectRecord.segments_of(raw.value))
        return 1

    async def _transition(
        self,
        ctx: RequestContext,
        bucket: BucketRecord,
        raw: Record,
        target: str,
    ) -> int:
        """Rewrite the record with its new storage class (same bytes, same Last-Modified)."""
        obj = ObjectRecord.decode(raw.value)
        obj.storage_class, obj.transitioned = target, True
        notes = self.notes(ctx, bucket, "LifecycleTransition", raw.key, obj.size, obj.etag)
        put = Put(objects_ns(bucket.id), raw.key, obj.encode(), expect=raw.version)
        try:
            await self.meta.commit([put, *notes])
        except ConditionFailed:
            return 0
        return 1


def _scan_prefixes(prefixes: list[str]) -> list[str]:
    """The fewest key ranges covering every prefix: one that another starts is dropped."""
    kept: list[str] = []
    for prefix in sorted(set(prefixes)):
        if not kept or not prefix.startswith(kept[-1]):
            kept.append(prefix)
    return kept
