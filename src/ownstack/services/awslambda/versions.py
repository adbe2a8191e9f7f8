"""Versions: PublishVersion and ListVersionsByFunction (CreateFunction and UpdateFunctionCode
publish through `published` too). Version numbers grow per function and are never reused,
even after the highest is deleted."""

from __future__ import annotations

import copy
from collections.abc import AsyncIterator
from typing import Any

from ownstack.core.context import RequestContext
from ownstack.core.service import STATUS, Params, Result
from ownstack.ports.meta import ABSENT, Op, Put

from .base import new_revision
from .errors import invalid, precondition_failed, state_conflict, update_in_progress
from .lookup import LookupOps
from .names import LATEST, FunctionRef, locate
from .paging import after, page
from .records import IN_PROGRESS, PENDING, VERSIONS, FunctionRecord, VersionRecord, version_key
from .render import configuration, listed
from .states import mark_pending
from .validate import checked


def published(fn: FunctionRecord, description: str, now: float) -> tuple[VersionRecord, list[Op]]:
    """A new version of `fn` from its $LATEST (changing `fn`: the counter, the last published
    configuration, $LATEST's RevisionId) and the write that stores it."""
    version = str(fn.next_version)
    fn.next_version += 1
    config = copy.deepcopy(fn.latest)
    config.description = description
    config.revision_id = new_revision()
    config.last_modified = now
    mark_pending(config, now)
    fn.published_config, fn.published_version = fn.latest.config_id, version
    fn.latest.revision_id = new_revision()
    record = VersionRecord(fn.id, version, config)
    key = version_key(f"{fn.region}/{fn.account_id}/{fn.name}", version)
    return record, [Put(VERSIONS, key, record.encode(), expect=ABSENT)]


def check_updatable(fn: FunctionRecord) -> None:
    """AWS refuses changes while the last one is still being applied."""
    config = fn.latest
    arn = f"arn:aws:lambda:{fn.region}:{fn.account_id}:function:{fn.name}"
    if config.update_status == IN_PROGRESS:
        raise update_in_progress(arn)
    if config.state == PENDING:
        raise state_conflict(PENDING)


class VersionOps(LookupOps):
    @checked
    async def publish_version(self, ctx: RequestContext, params: Params) -> Result:
        ref = locate(ctx, params["FunctionName"])
        ref = FunctionRef(ref.region, ref.account, ref.name)
        made: list[VersionRecord] = []

        async def publish(fn: FunctionRecord) -> list[Op]:
            made.clear()
            check_updatable(fn)
            revision = params.get("RevisionId")
            if revision and revision != fn.latest.revision_id:
                raise precondition_failed()
            sha = params.get("CodeSha256")
            if sha and sha != fn.latest.code.sha256:
                raise invalid(
                    f"CodeSHA256 ({sha}) is different from current CodeSHA256 in $LATEST "
                    f"({fn.latest.code.sha256}). Please try again with the CodeSHA256 in $LATEST."
                )
            if fn.published_config == fn.latest.config_id and fn.published_version:
                existing = await self.version(ref, fn.published_version)
                if existing is not None:
                    made.append(existing)
                    return []
            description = params.get("Description")
            record, ops = published(
                fn, fn.latest.description if description is None else description, self.now()
            )
            made.append(record)
            return ops

        fn = await self.change(ref, publish)
        record = made[0]
        self.settle_soon(ref, record.version)
        return {**configuration(fn, record.config, record.version, qualified=True), STATUS: 201}

    @checked
    async def list_versions_by_function(self, ctx: RequestContext, params: Params) -> Result:
        ref = locate(ctx, params["FunctionName"])
        ref = FunctionRef(ref.region, ref.account, ref.name)
        fn, _ = await self.function(ref)
        start = after(params.get("Marker"))

        async def items() -> AsyncIterator[tuple[str, dict[str, Any]]]:
            if not start:
                yield "0", listed(configuration(fn, fn.latest, LATEST, qualified=True))
            for record in await self.versions(ref):
                key = f"1{int(record.version):010d}"
                if key > start:
                    yield (
                        key,
                        listed(configuration(fn, record.config, record.version, qualified=True)),
                    )

        found, marker = await page(items(), params.get("MaxItems"))
        return {"Versions": found, **({"NextMarker": marker} if marker else {})}
