"""S3 versioning: Put/GetBucketVersioning, and the versioning forms of the object writes and
deletes (records in records.py, plans in versioning_store.py, docs/s3-versioning.md).

A bucket's state is BucketRecord.versioning: "" (never versioned: every path is the one it was
before versioning existed), "Enabled" or "Suspended". Each operation branches on it first.

MFA delete is not implemented (ownstack has no MFA devices to check a code against): a request
carrying x-amz-mfa gets 501 NotImplemented; MfaDelete=Enabled without it gets S3's answer to
a missing MFA (403 AccessDenied "Mfa Authentication must be used for this request"), and
MfaDelete=Disabled without it S3's MalformedXML.

`_before_version_removed` is the one place a version is about to be removed for good (a
DeleteObject/DeleteObjects naming it, or a write to a Suspended bucket replacing the null
version): Object Lock's retention checks hook in there.
"""

from __future__ import annotations

from typing import Any

from ownstack.core.context import RequestContext
from ownstack.core.errors import ServiceError
from ownstack.core.service import Params, Result
from ownstack.ports.errors import ConditionFailed

from .access import owned_bucket, update_bucket
from .base import canonical_user_id, header_not_implemented, no_such_key
from .conditions import etag_matches, precondition_failed
from .deletions import deletion_conflict, guard
from .errors import MALFORMED_XML
from .notify_ops import NotificationOps
from .object_lock import check_versioning_change
from .records import BucketRecord, ObjectRecord
from .versioning_store import (
    ENABLED,
    SUSPENDED,
    KeyState,
    Plan,
    Version,
    load_state,
    locate,
    newest_versions,
    plan_marker,
    plan_remove,
    plan_write,
)
from .writes import conflict, discard_segments

_RETRIES = 50
_MFA_STATES = ("Enabled", "Disabled")
_MFA_MISSING = "Mfa Authentication must be used for this request"


def refuse_mfa(params: Params) -> None:
    """x-amz-mfa asks for an MFA check ownstack cannot make: 501, never ignored."""
    if params.get("MFA") is not None:
        raise header_not_implemented("x-amz-mfa", "MFA delete is not implemented")


def _malformed() -> ServiceError:
    return ServiceError("MalformedXML", MALFORMED_XML)


def _versioning_status(config: Any) -> str | None:
    """The Status to set (None: leave it), after S3's checks of the document."""
    if not isinstance(config, dict):
        raise _malformed()
    status, mfa = config.get("Status"), config.get("MFADelete")
    if status is not None and status not in (ENABLED, SUSPENDED):
        raise _malformed()
    if mfa is not None:
        if mfa not in _MFA_STATES:
            raise _malformed()
        if mfa == "Enabled":
            raise ServiceError(
                "AccessDenied", "Mfa Authentication must be used for this request", 403
            )
        raise _malformed()  # S3 takes MfaDelete only together with x-amz-mfa
    return None if status is None else str(status)


def _check_write_conditions(key: str, current: ObjectRecord | None, params: Params) -> None:
    """If-None-Match: * (no current version) and If-Match (the current version's ETag)."""
    if_none_match = params.get("IfNoneMatch")
    if if_none_match is not None:
        if str(if_none_match).strip() != "*":
            raise header_not_implemented("If-None-Match")
        if current is not None:
            raise precondition_failed("If-None-Match")
    if_match = params.get("IfMatch")
    if if_match is not None:
        if current is None:
            raise no_such_key(key)
        if not etag_matches(current.etag, if_match):
            raise precondition_failed("If-Match")


class VersioningOps(NotificationOps):
    async def put_bucket_versioning(self, ctx: RequestContext, params: Params) -> Result:
        refuse_mfa(params)
        status = _versioning_status(params.get("VersioningConfiguration"))
        if status is None:
            await owned_bucket(self, ctx, params)  # nothing to change: still an owner's call
            return {}

        def change(bucket: BucketRecord) -> None:
            check_versioning_change(bucket, status)  # Object Lock keeps it Enabled
            bucket.versioning = status

        await update_bucket(self, ctx, params, change)
        return {}

    async def get_bucket_versioning(self, ctx: RequestContext, params: Params) -> Result:
        bucket = await owned_bucket(self, ctx, params)
        # A bucket never versioned answers an empty document (no Status); MfaDelete is never
        # shown, as for a bucket never configured with it.
        return {"Status": bucket.versioning} if bucket.versioning else {}

    async def _before_version_removed(
        self, ctx: RequestContext, bucket: BucketRecord, version: Version, params: Params
    ) -> None:
        """Called before a commit that removes `version` for good; raise to refuse it (Object
        Lock will). A no-op while nothing protects versions."""
        return None

    async def _removing(
        self, ctx: RequestContext, bucket: BucketRecord, plan: Plan, params: Params
    ) -> None:
        for version in plan.removed:
            await self._before_version_removed(ctx, bucket, version, params)

    async def _put_version(
        self,
        ctx: RequestContext,
        bucket: BucketRecord,
        key: str,
        rec: ObjectRecord,
        params: Params,
        event: str,
    ) -> str:
        """Commit `rec` as the key's newest version (sets its version_id and seq), honouring
        If-None-Match / If-Match; free the bytes of a null version it replaced. Returns the
        version id."""
        suspended = bucket.versioning == SUSPENDED
        for _ in range(_RETRIES):
            state = await load_state(self.meta, bucket, key, want_null=suspended)
            _check_write_conditions(key, state.current, params)
            plan = plan_write(bucket, state, rec, self.clock.now())
            await self._removing(ctx, bucket, plan, params)
            notes = self.notes(
                ctx, bucket, event, key, rec.size, rec.etag, version_id=plan.version_id
            )
            if await self._commit_plan(bucket, plan, notes):
                await discard_segments(self.blobs, plan.freed())
                return plan.version_id
        raise conflict()

    async def _commit_plan(self, bucket: BucketRecord, plan: Plan, notes: Any) -> bool:
        """Commit the plan (with the bucket's deletion guard and the outbox records); False
        when what it was planned from changed meanwhile."""
        try:
            await self.meta.commit([*plan.ops, guard(bucket.id), *notes])
        except ConditionFailed as exc:
            if exc.index == len(plan.ops):
                raise await deletion_conflict(self.meta, bucket) from exc
            return False
        return True

    async def _delete_version(
        self,
        ctx: RequestContext,
        bucket: BucketRecord,
        key: str,
        version_id: str | None,
        params: Params,
    ) -> Result:
        """DeleteObject in a versioning bucket: without a version id, a new delete marker;
        with one, that version removed for good (none such: nothing to do, as S3 answers)."""
        for _ in range(_RETRIES):
            if version_id is None:
                plan = await self._plan_marker(ctx, bucket, key, params)
                event = "ObjectRemoved:DeleteMarkerCreated"
            else:
                found = await self._plan_removal(bucket, key, version_id, params)
                if found is None:
                    return {"VersionId": version_id}
                plan, event = found, "ObjectRemoved:Delete"
            await self._removing(ctx, bucket, plan, params)
            notes = self.notes(ctx, bucket, event, key, version_id=plan.version_id)
            if await self._commit_plan(bucket, plan, notes):
                await discard_segments(self.blobs, plan.freed())
                result: Result = {"VersionId": plan.version_id}
                if plan.marker:
                    result["DeleteMarker"] = True
                return result
        raise conflict()

    async def _plan_marker(
        self, ctx: RequestContext, bucket: BucketRecord, key: str, params: Params
    ) -> Plan:
        suspended = bucket.versioning == SUSPENDED
        state = await load_state(self.meta, bucket, key, want_null=suspended)
        if_match = params.get("IfMatch")
        if if_match is not None:
            if state.current is None:
                raise no_such_key(key)
            if not etag_matches(state.current.etag, if_match):
                raise precondition_failed("If-Match")
        owner = canonical_user_id(ctx.account_id)
        return plan_marker(bucket, state, owner, self.clock.now())

    async def _plan_removal(
        self, bucket: BucketRecord, key: str, version_id: str, params: Params
    ) -> Plan | None:
        state: KeyState = await load_state(self.meta, bucket, key)
        target = await locate(self.meta, bucket, key, version_id)
        if target is None:
            return None
        if_match = params.get("IfMatch")
        if if_match is not None:
            etag = target.version.etag if isinstance(target.version, ObjectRecord) else ""
            if not etag_matches(etag, if_match):
                raise precondition_failed("If-Match")
        newest = await newest_versions(self.meta, bucket, key)
        return plan_remove(bucket, state, target, newest)
