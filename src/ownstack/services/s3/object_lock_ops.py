"""S3 Object Lock operations: Put/GetObjectLockConfiguration, Put/GetObjectRetention,
Put/GetObjectLegalHold, and the check before a version is removed for good (versioning.py's
`_before_version_removed`). The rules, and the lock headers of GET / HEAD, are in
object_lock.py; docs/s3-object-lock.md says what is enforced where.

Every change is a compare-and-set: the bucket's configuration through `update_bucket`, a
version's lock state on the record(s) it was read from (a version's versions_ns record and, when
current, its objects_ns copy), so a concurrent change of the same version makes it start over
from fresh reads and no check is made against a stale state.
"""

from __future__ import annotations

from ownstack.core.context import RequestContext
from ownstack.core.service import Params, Result
from ownstack.ports.errors import ConditionFailed

from .access import conflict, owned_bucket, update_bucket
from .object_lock import (
    BYPASS,
    BYPASS_ACTION,
    DENY,
    ENABLED,
    VersionLock,
    as_datetime,
    bucket_lock,
    check_future,
    lock_missing,
    may,
    no_lock_configuration,
    no_version_lock,
    parse_legal_hold,
    parse_lock_configuration,
    parse_retention,
    protected,
    removal_verdict,
    retention_change,
    version_lock,
    versioning_required,
)
from .records import BucketRecord, ObjectRecord
from .versioning import VersioningOps
from .versioning_read import named_version
from .versioning_store import Located, Version

_RETRIES = 20


class ObjectLockOps(VersioningOps):
    # --- the bucket's configuration ----------------------------------------------------------

    async def put_object_lock_configuration(self, ctx: RequestContext, params: Params) -> Result:
        document = params.get("ObjectLockConfiguration")

        def change(bucket: BucketRecord) -> None:
            # Checked on the record the change is compare-and-set on: a concurrent suspension
            # of versioning either lands first (and this fails) or fails itself.
            if bucket.versioning != ENABLED:
                raise versioning_required()
            bucket.object_lock = parse_lock_configuration(document).encode().decode()

        await update_bucket(self, ctx, params, change)
        return {}

    async def get_object_lock_configuration(self, ctx: RequestContext, params: Params) -> Result:
        bucket = await owned_bucket(self, ctx, params)
        config = bucket_lock(bucket.object_lock)
        if config is None:
            raise no_lock_configuration(bucket.name)
        return {"ObjectLockConfiguration": config.wire()}

    # --- a version's retention and legal hold ------------------------------------------------

    async def put_object_retention(self, ctx: RequestContext, params: Params) -> Result:
        mode, until_ms = parse_retention(params.get("Retention"))
        bucket = await self._lock_bucket(ctx, params)
        check_future(until_ms, self.clock.now())
        key = params["Key"]
        for _ in range(_RETRIES):
            rec, found = await named_version(self.meta, bucket, params, "PUT")
            lock = version_lock(rec.lock)
            verdict = retention_change(lock, mode, until_ms, self.clock.now())
            await self._allowed(ctx, bucket, key, verdict, params)
            lock.mode, lock.until_ms = mode, until_ms or 0
            if await self._rewrite(bucket, key, rec, found, lock):
                return {}
        raise conflict()

    async def get_object_retention(self, ctx: RequestContext, params: Params) -> Result:
        bucket = await self._lock_bucket(ctx, params)
        rec, _ = await named_version(self.meta, bucket, params, "GET")
        lock = version_lock(rec.lock)
        if not lock.mode:
            raise no_version_lock()
        return {"Retention": {"Mode": lock.mode, "RetainUntilDate": as_datetime(lock.until_ms)}}

    async def put_object_legal_hold(self, ctx: RequestContext, params: Params) -> Result:
        status = parse_legal_hold(params.get("LegalHold"))
        bucket = await self._lock_bucket(ctx, params)
        key = params["Key"]
        for _ in range(_RETRIES):
            rec, found = await named_version(self.meta, bucket, params, "PUT")
            lock = version_lock(rec.lock)
            lock.hold = status  # placed and removed freely (s3:PutObjectLegalHold)
            if await self._rewrite(bucket, key, rec, found, lock):
                return {}
        raise conflict()

    async def get_object_legal_hold(self, ctx: RequestContext, params: Params) -> Result:
        bucket = await self._lock_bucket(ctx, params)
        rec, _ = await named_version(self.meta, bucket, params, "GET")
        lock = version_lock(rec.lock)
        if not lock.hold:
            raise no_version_lock()
        return {"LegalHold": {"Status": lock.hold}}

    async def _lock_bucket(self, ctx: RequestContext, params: Params) -> BucketRecord:
        bucket = await owned_bucket(self, ctx, params)
        if not bucket.object_lock:
            raise lock_missing()
        return bucket

    async def _rewrite(
        self, bucket: BucketRecord, key: str, rec: ObjectRecord, found: Located, lock: VersionLock
    ) -> bool:
        """Store the version's new lock state where it was read; False when it changed since."""
        rec.lock = lock.text()
        try:
            await self.meta.commit(found.rewrite(bucket, key, rec))
        except ConditionFailed:
            return False
        return True

    # --- enforcement -------------------------------------------------------------------------

    async def _before_version_removed(
        self, ctx: RequestContext, bucket: BucketRecord, version: Version, params: Params
    ) -> None:
        """A version about to be removed for good (DeleteObject / DeleteObjects naming it,
        lifecycle expiring it): refused while its lock protects it, to every caller, the
        account's root included; a GOVERNANCE retention yields only to a bypass. Delete
        markers are never protected."""
        await super()._before_version_removed(ctx, bucket, version, params)
        if not isinstance(version, ObjectRecord) or not version.lock:
            return
        verdict = removal_verdict(version_lock(version.lock), self.clock.now())
        await self._allowed(ctx, bucket, str(params.get("Key") or ""), verdict, params)

    async def _allowed(
        self, ctx: RequestContext, bucket: BucketRecord, key: str, verdict: str, params: Params
    ) -> None:
        """Raise the lock's AccessDenied unless `verdict` allows the change: DENY never;
        BYPASS when the request asks for it and the caller holds s3:BypassGovernanceRetention."""
        if verdict == DENY:
            raise protected()
        if verdict != BYPASS:
            return
        if params.get("BypassGovernanceRetention") is not True:
            raise protected()
        if not await may(self, ctx, bucket, key, BYPASS_ACTION):
            raise protected()
