"""The lifecycle sweeper in a versioning bucket (versioning on, or suspended): what it does to
current versions, to noncurrent ones and to expired object delete markers.

- Expiration of a current version adds a delete marker (Enabled; Suspended: a null marker,
  which replaces a null version) dated midnight UTC of the day, as S3 Lifecycle does; the
  version stays, noncurrent.
- NoncurrentVersionExpiration removes a noncurrent version for good once it has been
  noncurrent NoncurrentDays (counted from its successor's creation, rounded up to the next
  midnight) and at least NewerNoncurrentVersions newer noncurrent versions exist (delete
  markers are not counted among those kept). Noncurrent delete markers expire the same way.
- ExpiredObjectDeleteMarker removes a delete marker that is the key's only version, and so
  does an Expiration by Days once the marker is that many days old (S3's "automatic
  ExpiredObjectDeleteMarker cleanup"); an Expiration by Date does not.
- NoncurrentVersionTransitions move noncurrent versions down the storage classes.

Every change is one of versioning_store's plans, committed with the key's head compare-and-set
as read before the key's versions were read and judged: any change of the key meanwhile fails
the commit, and the key is judged again from fresh reads. A current version is only changed
if it is still the record the objects scan judged.
"""

from __future__ import annotations

import math
from collections.abc import AsyncIterator, Callable, Container
from dataclasses import dataclass

from ownstack.core.context import RequestContext
from ownstack.core.errors import ServiceError
from ownstack.ports.errors import ConditionFailed
from ownstack.ports.meta import ABSENT, Check, Op, Put, Record, pages, prefix_end

from .base import canonical_user_id
from .deletions import guard
from .lifecycle_rules import (
    Compiled,
    CompiledConfig,
    Glance,
    can_transition,
    colder,
    due_after,
    glance,
    transition_allowed_by_size,
)
from .records import (
    BUCKETS,
    BucketRecord,
    ObjectRecord,
    heads_ns,
    is_marker,
    versions_ns,
)
from .versioning import VersioningOps
from .versioning_store import (
    SUSPENDED,
    KeyState,
    Located,
    decode_version,
    key_range,
    load_state,
    locate,
    plan_marker,
    plan_remove,
)
from .writes import discard_segments

_PAGE = 500
_MAX_STEPS = 1000
"""Changes made to one key in one pass at most (each is judged again from fresh reads)."""


@dataclass(frozen=True, slots=True)
class Due:
    index: int
    """The version's position, newest first."""
    storage_class: str = ""
    """The class to move it to; "" to remove it."""


def acts_on_versions(c: Compiled) -> bool:
    """Whether the rule acts on noncurrent versions or delete markers."""
    r = c.rule
    return bool(r.noncurrent_expiration or r.noncurrent_transitions or r.expiration)


def judge_versions(
    cfg: CompiledConfig,
    key: str,
    versions: list[Glance],
    now: float,
    day_s: int,
    refused: Container[str] = (),
) -> Due | None:
    """The first change due to one key's versions (newest first), oldest version first;
    versions whose removal was `refused` (Object Lock protects them) are left alone."""
    if len(versions) == 1 and versions[0].marker:
        return Due(0) if _marker_expired(cfg, key, versions[0], now, day_s) else None
    for i in range(len(versions) - 1, 0, -1):
        version = versions[i]
        if version.version_id in refused:
            continue
        since = versions[i - 1].last_modified
        kept_newer = sum(1 for v in versions[1:i] if not v.marker)
        due = _noncurrent_due(cfg, key, version, since, kept_newer, now, day_s)
        if due is not None:
            return Due(i, due)
    return None


def _matches(c: Compiled, key: str, version: Glance) -> bool:
    if version.marker:  # no size, no tags: only a key-only filter
        return not c.scope.tags and not c.scope.sized and key.startswith(c.scope.prefix)
    return c.scope.matches(key, version.size, version.tags)


def _marker_expired(cfg: CompiledConfig, key: str, marker: Glance, now: float, day_s: int) -> bool:
    for c in cfg.enabled:
        exp = c.rule.expiration
        if exp is None or not _matches(c, key, marker):
            continue
        if exp.delete_marker:
            return True
        # "When you specify the Days tag, Amazon S3 automatically performs
        # ExpiredObjectDeleteMarker cleanup when the delete markers are old enough to satisfy
        # the age criteria" (S3 User Guide); a Date does not.
        if exp.days is not None and due_after(marker.last_modified, exp.days, day_s) <= now:
            return True
    return False


def _noncurrent_due(
    cfg: CompiledConfig,
    key: str,
    version: Glance,
    since: float,
    kept_newer: int,
    now: float,
    day_s: int,
) -> str | None:
    """ "" when the version is due for removal, a class when due for a move, else None."""
    target: str | None = None
    for c in cfg.enabled:
        if not _matches(c, key, version):
            continue
        nve = c.rule.noncurrent_expiration
        if nve is not None and _counts(nve.days, nve.newer, since, kept_newer, now, day_s):
            return ""
        if version.marker:
            continue
        for t in c.rule.noncurrent_transitions:
            if not _counts(t.days, t.newer, since, kept_newer, now, day_s):
                continue
            if not transition_allowed_by_size(cfg, c, version.size, t.storage_class):
                continue
            if target is None or colder(t.storage_class, target):
                target = t.storage_class
    if target is None or version.marker:
        return None
    return target if can_transition(version.storage_class, target) else None


def _counts(
    days: int, newer: int | None, since: float, kept_newer: int, now: float, day_s: int
) -> bool:
    return due_after(since, days, day_s) <= now and (newer is None or kept_newer >= newer)


class LifecycleVersionOps(VersioningOps):
    async def _fresh_bucket(self, bucket: BucketRecord) -> BucketRecord | None:
        """The bucket as stored now (its versioning state may have changed since the pass
        began); None when it is gone or re-created."""
        raw = await self.meta.get(BUCKETS, bucket.name)
        if raw is None:
            return None
        fresh = BucketRecord.decode(raw.value)
        return fresh if fresh.id == bucket.id else None

    async def _expire_current_version(
        self, ctx: RequestContext, bucket: BucketRecord, raw: Record
    ) -> int:
        """A delete marker over the current version the scan saw (if it still is)."""
        state = await load_state(
            self.meta, bucket, raw.key, want_null=bucket.versioning == SUSPENDED
        )
        if state.current_raw is None or state.current_raw.version != raw.version:
            return 0
        day_s = self.limits.lifecycle_day_s
        midnight = float(math.floor(self.clock.now() / day_s) * day_s)
        owner = bucket.owner_id or canonical_user_id(bucket.account_id)
        plan = plan_marker(bucket, state, owner, midnight)
        try:
            await self._removing(ctx, bucket, plan, {})  # a protected version stays
        except ServiceError:
            return 0
        event = "LifecycleExpiration:DeleteMarkerCreated"
        notes = self.notes(ctx, bucket, event, raw.key, version_id=plan.version_id)
        try:
            await self.meta.commit([*plan.ops, guard(bucket.id), *notes])
        except ConditionFailed:
            return 0
        await discard_segments(self.blobs, plan.freed())
        return 1

    async def _transition_current_version(
        self, ctx: RequestContext, bucket: BucketRecord, raw: Record, target: str
    ) -> int:
        """Move the current version to `target` in both its records (objects_ns and
        versions_ns), each compare-and-set on what was read."""
        found = await locate(self.meta, bucket, raw.key, None)
        if found is None or found.current is None or found.current.version != raw.version:
            return 0
        rec = ObjectRecord.decode(raw.value)
        rec.storage_class, rec.transitioned = target, True
        notes = self.notes(
            ctx, bucket, "LifecycleTransition", raw.key, rec.size, rec.etag, rec.version_id
        )
        try:
            await self.meta.commit([*found.rewrite(bucket, raw.key, rec), *notes])
        except ConditionFailed:
            return 0
        return 1

    async def _sweep_versions(
        self,
        ctx: RequestContext,
        bucket: BucketRecord,
        cfg: CompiledConfig,
        prefix: str,
        still_held: Callable[[], bool],
    ) -> tuple[int, int]:
        """Noncurrent versions and expired delete markers under `prefix`: (removed, moved)."""
        removed = moved = 0
        day_s = self.limits.lifecycle_day_s
        async for key, records in self._version_groups(bucket, prefix):
            if not still_held():
                break
            versions = [glance(r.value) for r in records]
            if judge_versions(cfg, key, versions, self.clock.now(), day_s) is None:
                continue
            gone, shifted = await self._settle_key(ctx, bucket, cfg, key)
            removed, moved = removed + gone, moved + shifted
        return removed, moved

    async def _version_groups(
        self, bucket: BucketRecord, prefix: str
    ) -> AsyncIterator[tuple[str, list[Record]]]:
        """Each key's versions_ns records under `prefix`, newest first, one key at a time."""
        key, group = "", list[Record]()
        ns = versions_ns(bucket.id)
        async for page in pages(self.meta, ns, start=prefix, end=prefix_end(prefix), size=_PAGE):
            for rec in page:
                name = rec.key.rsplit("\x00", 1)[0]
                if group and name != key:
                    yield key, group
                    group = []
                key = name
                group.append(rec)
        if group:
            yield key, group

    async def _settle_key(
        self, ctx: RequestContext, bucket: BucketRecord, cfg: CompiledConfig, key: str
    ) -> tuple[int, int]:
        """Make every change due to `key`'s versions, one commit each, judged each time from
        the key's head and versions as read just before."""
        removed = moved = 0
        day_s = self.limits.lifecycle_day_s
        refused: set[str] = set()  # versions Object Lock protects: the others are still judged
        for _ in range(_MAX_STEPS):
            state = await load_state(self.meta, bucket, key)
            if state.legacy:  # a record written without versioning is newest: left alone
                break
            start, end = key_range(key)
            ns = versions_ns(bucket.id)
            records = [r async for page in pages(self.meta, ns, start=start, end=end) for r in page]
            glances = [glance(r.value) for r in records]
            due = judge_versions(cfg, key, glances, self.clock.now(), day_s, refused)
            if due is None:
                break
            target = records[due.index]
            if due.storage_class:
                done = await self._move_version(ctx, bucket, state, target, due)
                moved += max(done, 0)
            else:
                version = decode_version(target.value)
                located = Located(version.version_id, version, target)
                done = await self._remove_version(ctx, bucket, state, located, records[:2])
                removed += max(done, 0)
                if done < 0:
                    refused.add(version.version_id)
                    continue
            if done < 0:
                break
        return removed, moved

    async def _remove_version(
        self,
        ctx: RequestContext,
        bucket: BucketRecord,
        state: KeyState,
        target: Located,
        newest: list[Record],
    ) -> int:
        """1 removed, 0 raced (judge again), -1 refused (leave the key)."""
        plan = plan_remove(bucket, state, target, newest)
        try:
            await self._removing(ctx, bucket, plan, {})
        except ServiceError:
            return -1
        notes = self.notes(
            ctx, bucket, "LifecycleExpiration:Delete", state.key, version_id=target.version_id
        )
        try:
            await self.meta.commit([*plan.ops, *notes])
        except ConditionFailed:
            return 0
        await discard_segments(self.blobs, plan.freed())
        return 1

    async def _move_version(
        self, ctx: RequestContext, bucket: BucketRecord, state: KeyState, raw: Record, due: Due
    ) -> int:
        """Rewrite a noncurrent version with its new class, the head unchanged meanwhile."""
        if is_marker(raw.value):
            return -1
        rec = ObjectRecord.decode(raw.value)
        rec.storage_class, rec.transitioned = due.storage_class, True
        head = state.head_raw
        ops: list[Op] = [
            Put(versions_ns(bucket.id), raw.key, rec.encode(), expect=raw.version),
            Check(heads_ns(bucket.id), state.key, ABSENT if head is None else head.version),
        ]
        notes = self.notes(
            ctx, bucket, "LifecycleTransition", state.key, rec.size, rec.etag, rec.version_id
        )
        try:
            await self.meta.commit([*ops, *notes])
        except ConditionFailed:
            return 0
        return 1
