"""Function states as AWS reports them: a configuration is created `Pending` (StateReason "The
function is being created.", StateReasonCode "Creating") and becomes `Active` once its code and
layers are unpacked where sandboxes mount them; an update sets LastUpdateStatus `InProgress`
until the same preparation is done, then `Successful`. Preparation failing makes them `Failed`.

Settling runs in the background right after the write, so a function is Active within
milliseconds, yet every client sees it pass through Pending as on AWS (boto3's
function_active_v2 / function_updated_v2 waiters work). A write whose settling never ran (the
process stopped) is settled at the next start, or by the first read that finds it stale.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator

from ownstack.ports.errors import ConditionFailed
from ownstack.ports.meta import Put, Record

from .base import LambdaBase, new_revision
from .names import FunctionRef
from .records import (
    ACTIVE,
    FAILED,
    FUNCTIONS,
    IN_PROGRESS,
    PENDING,
    SUCCESSFUL,
    VERSIONS,
    FunctionConfig,
    FunctionRecord,
    VersionRecord,
    version_key,
)

STALE_S = 2.0
CREATING = ("The function is being created.", "Creating")
log = logging.getLogger("ownstack.lambda")


def unsettled(config: FunctionConfig) -> bool:
    return config.state == PENDING or config.update_status == IN_PROGRESS


def mark_pending(config: FunctionConfig, now: float) -> None:
    config.state, (config.state_reason, config.state_code) = PENDING, CREATING
    config.update_status = config.update_reason = config.update_code = ""
    config.changed_at = now


def mark_updating(config: FunctionConfig, now: float) -> None:
    config.update_status, (config.update_reason, config.update_code) = IN_PROGRESS, CREATING
    config.changed_at = now


class StateOps(LambdaBase):
    def settle_soon(self, ref: FunctionRef, version: str | None = None) -> None:
        self.background(self.settle(ref, version))

    async def settle(self, ref: FunctionRef, version: str | None = None) -> None:
        try:
            if version is None:
                await self._settle_latest(ref)
            else:
                await self._settle_version(ref, version)
        except Exception:
            log.exception("settling %s (version %s) failed", ref.unqualified_arn, version)

    async def fresh(self, ref: FunctionRef, fn: FunctionRecord) -> FunctionRecord:
        """`fn`, settled first if its settling is overdue (its writer's task never ran)."""
        if unsettled(fn.latest) and self.now() - fn.latest.changed_at > STALE_S:
            await self._settle_latest(ref)
            found = await self.find_function(ref)
            return found or fn
        return fn

    async def fresh_version(self, ref: FunctionRef, record: VersionRecord) -> VersionRecord:
        if unsettled(record.config) and self.now() - record.config.changed_at > STALE_S:
            await self._settle_version(ref, record.version)
            return await self.version(ref, record.version) or record
        return record

    async def _settle_latest(self, ref: FunctionRef) -> None:
        while True:
            fn, raw = await self.function(ref)
            if not unsettled(fn.latest):
                return
            await self._prepare(fn.latest, latest=True)
            fn.generation += 1
            try:
                await self.meta.commit([Put(FUNCTIONS, ref.key, fn.encode(), expect=raw.version)])
                return
            except ConditionFailed:
                continue

    async def _settle_version(self, ref: FunctionRef, version: str) -> None:
        key = version_key(ref.key, version)
        while True:
            raw = await self.meta.get(VERSIONS, key)
            if raw is None:
                return
            record = VersionRecord.decode(raw.value)
            if not unsettled(record.config):
                return
            await self._prepare(record.config, latest=False)
            try:
                await self.meta.commit([Put(VERSIONS, key, record.encode(), expect=raw.version)])
                return
            except ConditionFailed:
                continue

    async def _prepare(self, config: FunctionConfig, *, latest: bool) -> None:
        """Unpack the code and layers, then mark the configuration settled (or Failed).
        $LATEST reports LastUpdateStatus from its creation on; published versions never do."""
        if latest and config.state == PENDING:
            config.update_status = IN_PROGRESS
        try:
            await self.code.code_dir(config.code)
            for use in config.layers:
                await self.code.code_dir(use.code)
        except Exception as exc:  # any failure leaves the function unusable: say so
            log.warning("preparing code %s failed: %r", config.code.blob_id, exc)
            reason = "ownstack could not prepare the function's code."
            if config.state == PENDING:
                config.state, config.state_reason, config.state_code = (
                    FAILED,
                    reason,
                    "InternalError",
                )
            if config.update_status == IN_PROGRESS:
                config.update_status, config.update_reason = FAILED, reason
                config.update_code = "InternalError"
        else:
            if config.state == PENDING:
                config.state, config.state_reason, config.state_code = ACTIVE, "", ""
            if config.update_status == IN_PROGRESS:
                config.update_status = SUCCESSFUL
                config.update_reason = config.update_code = ""
        config.revision_id = new_revision()

    async def settle_all(self) -> None:
        """At start: settle whatever a previous process left Pending or InProgress."""
        async for raw in self._everything(FUNCTIONS):
            fn = FunctionRecord.decode(raw.value)
            if unsettled(fn.latest):
                await self.settle(FunctionRef(fn.region, fn.account_id, fn.name))
        async for raw in self._everything(VERSIONS):
            record = VersionRecord.decode(raw.value)
            if unsettled(record.config):
                region, account, name, _ = raw.key.split("/", 3)
                await self.settle(FunctionRef(region, account, name), record.version)

    async def _everything(self, ns: str) -> AsyncIterator[Record]:
        start = ""
        while True:
            page = await self.meta.scan(ns, start=start, limit=500)
            for record in page:
                yield record
            if len(page) < 500:
                return
            start = page[-1].key + "\x00"
