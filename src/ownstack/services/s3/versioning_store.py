"""A versioning bucket's records (layout in records.py): reading a key's state, finding one of
its versions, and planning the ONE commit each versioning change is.

Every plan compare-and-sets the key's head record (heads_ns) as read first, before anything
else of the key: any other versioning write of the key commits a new head, so a plan whose
reads went stale fails its commit (ConditionFailed) and is planned again from fresh reads. It
also conditions the objects_ns record on what was read, so a write that bypassed versioning
(one that looked the bucket up before versioning was enabled) is never silently undone.

Invariants kept by every plan, for each key:
- objects_ns holds the newest version when that is not a delete marker (a copy of its
  versions_ns record), or a record written without versioning (seq 0, a "null" version that is
  the newest), and nothing else;
- at most one "null" version exists, and the head says where (null_seq);
- the head's seq is the newest version's; a key without versions has no head.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass, field

from ownstack.ports.meta import ABSENT, Check, Delete, Expect, MetaStore, Op, Put, Record

from .records import (
    BucketRecord,
    HeadRecord,
    MarkerRecord,
    ObjectRecord,
    Segment,
    heads_ns,
    is_marker,
    objects_ns,
    version_key,
    versions_ns,
)
from .versioning_ids import NULL, new_version_id, order_token, seq_of, suffix_of

ENABLED = "Enabled"
SUSPENDED = "Suspended"

Version = ObjectRecord | MarkerRecord


def decode_version(raw: bytes) -> Version:
    return MarkerRecord.decode(raw) if is_marker(raw) else ObjectRecord.decode(raw)


def key_range(key: str) -> tuple[str, str]:
    """[start, end) of `key`'s records in versions_ns."""
    return f"{key}\x00", f"{key}\x01"


@dataclass(slots=True)
class KeyState:
    """What a versioning change of one key is planned from (read head first)."""

    key: str
    head_raw: Record | None
    head: HeadRecord
    current_raw: Record | None
    current: ObjectRecord | None
    null_raw: Record | None = None
    """The null version's versions_ns record, when asked for and there is one."""

    @property
    def legacy(self) -> bool:
        """Whether objects_ns holds a record written without versioning (the newest)."""
        return self.current is not None and self.current.seq == 0

    def current_expect(self) -> Expect:
        return ABSENT if self.current_raw is None else self.current_raw.version


async def load_state(
    meta: MetaStore, bucket: BucketRecord, key: str, *, want_null: bool = False
) -> KeyState:
    head_raw = await meta.get(heads_ns(bucket.id), key)
    head = HeadRecord.decode(head_raw.value) if head_raw is not None else HeadRecord()
    current_raw = await meta.get(objects_ns(bucket.id), key)
    current = ObjectRecord.decode(current_raw.value) if current_raw is not None else None
    state = KeyState(key, head_raw, head, current_raw, current)
    if head.null_seq and (want_null or state.legacy):
        null_key = version_key(key, order_token(head.null_seq))
        state.null_raw = await meta.get(versions_ns(bucket.id), null_key)
    return state


@dataclass(slots=True)
class Located:
    """One version of a key, and where its records are."""

    version_id: str
    version: Version
    stored: Record | None
    """Its versions_ns record; None for a record written without versioning."""
    current: Record | None = None
    """Its objects_ns record, when it is the current version (and that was asked for)."""

    @property
    def is_marker(self) -> bool:
        return isinstance(self.version, MarkerRecord)

    def rewrite(self, bucket: BucketRecord, key: str, rec: ObjectRecord) -> list[Op]:
        """Compare-and-set puts of `rec` wherever this version is stored (tagging)."""
        value = rec.encode()
        ops: list[Op] = []
        if self.stored is not None:
            ops.append(Put(versions_ns(bucket.id), self.stored.key, value, self.stored.version))
        if self.current is not None:
            ops.append(Put(objects_ns(bucket.id), key, value, expect=self.current.version))
        return ops


async def locate(
    meta: MetaStore,
    bucket: BucketRecord,
    key: str,
    version_id: str | None,
    *,
    with_current: bool = True,
) -> Located | None:
    """The version `version_id` of `key` (None: the current one, if not a delete marker), or
    None when there is no such version. `with_current`: also find its objects_ns record when
    it is the current version (what a change of the version must rewrite too)."""
    vns = versions_ns(bucket.id)
    if version_id is None or version_id == NULL:
        raw = await meta.get(objects_ns(bucket.id), key)
        if raw is not None:
            current = ObjectRecord.decode(raw.value)
            if version_id is None or current.version_id == NULL:
                if current.seq == 0:
                    return Located(current.version_id, current, None, raw)
                suffix = suffix_of(current.version_id, current.seq)
                stored = await meta.get(vns, version_key(key, suffix))
                return Located(current.version_id, current, stored, raw)
        if version_id is None:
            return None
        head_raw = await meta.get(heads_ns(bucket.id), key)
        null_seq = HeadRecord.decode(head_raw.value).null_seq if head_raw is not None else 0
        if not null_seq:
            return None
        stored = await meta.get(vns, version_key(key, order_token(null_seq)))
        return None if stored is None else Located(NULL, decode_version(stored.value), stored)
    stored = await meta.get(vns, version_key(key, version_id))
    if stored is None:
        return None
    found = Located(version_id, decode_version(stored.value), stored)
    if with_current and not found.is_marker:
        raw = await meta.get(objects_ns(bucket.id), key)
        if raw is not None and ObjectRecord.decode(raw.value).version_id == version_id:
            found.current = raw
    return found


async def newest_versions(meta: MetaStore, bucket: BucketRecord, key: str) -> list[Record]:
    """The key's two newest versions_ns records (fewer when it has fewer)."""
    start, end = key_range(key)
    return await meta.scan(versions_ns(bucket.id), start=start, end=end, limit=2)


async def latest_marker(meta: MetaStore, bucket: BucketRecord, key: str) -> MarkerRecord | None:
    """The delete marker that is `key`'s newest version, if it is one (objects_ns has none)."""
    start, end = key_range(key)
    newest = await meta.scan(versions_ns(bucket.id), start=start, end=end, limit=1)
    if newest and is_marker(newest[0].value):
        return MarkerRecord.decode(newest[0].value)
    return None


@dataclass(slots=True)
class Plan:
    ops: list[Op]
    version_id: str = NULL
    marker: bool = False
    """The change made (or removed) a delete marker."""
    removed: list[Version] = field(default_factory=list)
    """Versions the commit removes for good (their blobs are freed after it)."""

    def freed(self) -> list[Segment]:
        seen: dict[str, Segment] = {}
        for version in self.removed:
            if isinstance(version, ObjectRecord):
                seen.update((seg.blob_id, seg) for seg in version.segments)
        return list(seen.values())


def _head_op(bucket: BucketRecord, state: KeyState, head: HeadRecord | None) -> Op:
    """Compare-and-set of the head as read: a new value, or gone (None)."""
    ns = heads_ns(bucket.id)
    expect = ABSENT if state.head_raw is None else state.head_raw.version
    if head is not None:
        return Put(ns, state.key, head.encode(), expect=expect)
    if state.head_raw is None:
        return Check(ns, state.key, ABSENT)
    return Delete(ns, state.key, expect=expect)


def _prepare(bucket: BucketRecord, state: KeyState, now: float) -> tuple[int, Plan, int]:
    """What a new version (object or marker) does to the ones there: a new seq, the ops that
    keep or remove the current null version, and the null_seq that remains (before the new
    version's own). A record written without versioning is copied into versions_ns as the
    null version it is (Enabled), or replaced by the new null version (Suspended)."""
    seq = max(round(now * 1_000_000), state.head.seq + 2)
    plan = Plan([])
    null_seq = state.head.null_seq
    vns = versions_ns(bucket.id)
    suspended = bucket.versioning == SUSPENDED
    if state.null_raw is not None and (suspended or state.legacy):
        # Suspended: the new version is the null one. Legacy: the copied record is.
        plan.ops.append(Delete(vns, state.null_raw.key, expect=state.null_raw.version))
        plan.removed.append(decode_version(state.null_raw.value))
        null_seq = 0
    if state.legacy and state.current is not None:
        if suspended:
            plan.removed.append(state.current)
        else:
            kept = dataclasses.replace(state.current, seq=seq - 1)
            plan.ops.append(Put(vns, version_key(state.key, order_token(seq - 1)), kept.encode()))
            null_seq = seq - 1
    return seq, plan, null_seq


def plan_write(bucket: BucketRecord, state: KeyState, rec: ObjectRecord, now: float) -> Plan:
    """`rec` becomes the key's newest version (PutObject, CopyObject, multipart completion);
    sets its version_id and seq."""
    seq, plan, null_seq = _prepare(bucket, state, now)
    if bucket.versioning == SUSPENDED:
        rec.version_id, null_seq = NULL, seq
    else:
        rec.version_id = new_version_id(seq)
    rec.seq = seq
    value = rec.encode()
    key = state.key
    plan.ops += [
        Put(objects_ns(bucket.id), key, value, expect=state.current_expect()),
        Put(versions_ns(bucket.id), version_key(key, suffix_of(rec.version_id, seq)), value),
        _head_op(bucket, state, HeadRecord(seq, null_seq)),
    ]
    plan.version_id = rec.version_id
    return plan


def plan_marker(bucket: BucketRecord, state: KeyState, owner_id: str, now: float) -> Plan:
    """A delete marker becomes the key's newest version (DeleteObject without a version)."""
    seq, plan, null_seq = _prepare(bucket, state, now)
    suspended = bucket.versioning == SUSPENDED
    version_id = NULL if suspended else new_version_id(seq)
    if suspended:
        null_seq = seq
    marker = MarkerRecord(version_id=version_id, last_modified=now, seq=seq, owner_id=owner_id)
    key, ons = state.key, objects_ns(bucket.id)
    if state.current_raw is not None:
        plan.ops.append(Delete(ons, key, expect=state.current_raw.version))
    else:
        plan.ops.append(Check(ons, key, ABSENT))
    vkey = version_key(key, suffix_of(version_id, seq))
    plan.ops.append(Put(versions_ns(bucket.id), vkey, marker.encode()))
    plan.ops.append(_head_op(bucket, state, HeadRecord(seq, null_seq)))
    plan.version_id, plan.marker = version_id, True
    return plan


def plan_remove(
    bucket: BucketRecord, state: KeyState, target: Located, newest: Sequence[Record]
) -> Plan:
    """Remove version `target` for good (DeleteObject with a version id). `newest`: the key's
    two newest versions_ns records. If it was the newest, the next one becomes the newest: the
    current object again, or a delete marker."""
    key = state.key
    ons = objects_ns(bucket.id)
    plan = Plan([], target.version_id, target.is_marker, [target.version])
    gone = target.stored.key if target.stored is not None else None
    if target.stored is not None:
        plan.ops.append(Delete(versions_ns(bucket.id), gone or "", expect=target.stored.version))
    rest = [r for r in newest if r.key != gone]
    after = rest[0] if rest else None
    is_current = state.current is not None and state.current.version_id == target.version_id
    newest_gone = bool(newest) and newest[0].key == gone
    head_seq = state.head.seq
    if is_current or (state.current is None and newest_gone):
        if after is not None and not is_marker(after.value):
            plan.ops.append(Put(ons, key, after.value, expect=state.current_expect()))
        elif state.current_raw is not None:
            plan.ops.append(Delete(ons, key, expect=state.current_raw.version))
        else:
            plan.ops.append(Check(ons, key, ABSENT))
        head_seq = seq_of(after.key.rsplit("\x00", 1)[1]) if after is not None else 0
    null_seq = state.head.null_seq
    if target.version_id == NULL and target.stored is not None:
        null_seq = 0
    # A key left without versions_ns records has no head (a record written without
    # versioning, if one is left, needs none).
    head = HeadRecord(head_seq, null_seq) if after is not None else None
    plan.ops.append(_head_op(bucket, state, head))
    return plan


async def has_versions(meta: MetaStore, bucket: BucketRecord) -> bool:
    """Any version or delete marker keeps a bucket from being deleted, as on S3."""
    return bool(await meta.scan(versions_ns(bucket.id), limit=1))


async def purge_version_records(meta: MetaStore, bucket: BucketRecord) -> None:
    """After DeleteBucket deleted `bucket` (it had no versions left): drop any head record
    left (none should be: a key's last version takes its head with it)."""
    for ns in (heads_ns(bucket.id), versions_ns(bucket.id)):
        while page := await meta.scan(ns, limit=1000):
            await meta.commit([Delete(ns, rec.key) for rec in page])
