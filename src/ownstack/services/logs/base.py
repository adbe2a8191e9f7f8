"""State and lookups every CloudWatch Logs operation module shares. The operation modules are
mixins over `LogsBase`; `LogsService` (service.py) composes them."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable

from ownstack.core.access import ResourceFacts
from ownstack.core.clock import Clock
from ownstack.core.context import RequestContext
from ownstack.core.errors import ServiceError
from ownstack.core.service import Params
from ownstack.ports.errors import ConditionFailed
from ownstack.ports.logs import LogStore
from ownstack.ports.meta import Delete, MetaStore, Put, Record

from .errors import conflict, group_not_found, invalid_parameter, stream_not_found
from .records import (
    GONE,
    GROUPS,
    STREAMS,
    GoneRecord,
    GroupRecord,
    StreamRecord,
    group_key,
    parse_group_arn,
    stream_key,
)

DAY_MS = 86_400_000
UPDATE_ATTEMPTS = 5
Change = Callable[[GroupRecord], Awaitable[None] | None]


class LogsBase:
    def __init__(self, meta: MetaStore, logs: LogStore, clock: Clock, region: str) -> None:
        self.meta = meta
        self.logs = logs
        self.clock = clock
        self.region = region

    def now_ms(self) -> int:
        return int(self.clock.now() * 1000)

    def gone_key(self) -> str:
        """A new tombstone's key: tombstones sort by when they were made (sweep.py clears
        the old enough ones)."""
        return f"{self.now_ms():015d}/{uuid.uuid4().hex}"

    async def retire(
        self, ns: str, found: Record, gone: GoneRecord, missing: Callable[[], ServiceError]
    ) -> None:
        """Delete a group or stream record and leave its tombstone in one commit; `missing()`
        when someone deleted or changed it meanwhile (it is gone for this request)."""
        try:
            await self.meta.commit(
                [
                    Delete(ns, found.key, expect=found.version),
                    Put(GONE, self.gone_key(), gone.encode()),
                ]
            )
        except ConditionFailed:
            raise missing() from None

    def kept_from_ms(self, group: GroupRecord) -> int | None:
        """The oldest event time the group's retention keeps (None: it keeps everything).
        Reads never return what is older, whether or not the sweep has removed it yet."""
        if group.retention_days is None:
            return None
        return self.now_ms() - group.retention_days * DAY_MS

    async def find_group(self, region: str, account_id: str, name: str) -> GroupRecord | None:
        found = await self.meta.get(GROUPS, group_key(region, account_id, name))
        return None if found is None else GroupRecord.decode(found.value)

    async def group_named(self, ctx: RequestContext, name: str) -> GroupRecord:
        """The caller's log group `name`; raises ResourceNotFoundException."""
        found = await self.find_group(ctx.region, ctx.account_id, name)
        if found is None:
            raise group_not_found()
        return found

    async def group(self, ctx: RequestContext, params: Params) -> GroupRecord:
        """The group `logGroupName` or `logGroupIdentifier` (a name or an ARN) names; exactly
        one of them must be given."""
        name, identifier = params.get("logGroupName"), params.get("logGroupIdentifier")
        if name is not None and identifier is not None:
            raise invalid_parameter(
                "LogGroup name and LogGroup ARN are mutually exclusive parameters."
            )
        if identifier is None:
            if name is None:
                raise invalid_parameter("Should provide either name or ARN of the log group.")
            return await self.group_named(ctx, name)
        return await self.group_of_identifier(ctx, identifier)

    async def group_of_identifier(self, ctx: RequestContext, identifier: str) -> GroupRecord:
        if not identifier.startswith("arn:"):
            return await self.group_named(ctx, identifier)
        parsed = parse_group_arn(identifier)
        if parsed is None or parsed[0] != ctx.region or not ctx.may_use(parsed[1]):
            raise group_not_found()
        found = await self.find_group(*parsed)
        if found is None:
            raise group_not_found()
        return found

    async def find_stream(self, group: GroupRecord, name: str) -> StreamRecord | None:
        found = await self.meta.get(STREAMS, stream_key(group.id, name))
        return None if found is None else StreamRecord.decode(found.value)

    async def stream(self, group: GroupRecord, name: str) -> StreamRecord:
        found = await self.find_stream(group, name)
        if found is None:
            raise stream_not_found()
        return found

    async def update_group(self, ctx: RequestContext, name: str, change: Change) -> GroupRecord:
        """Read the caller's group `name`, let `change` modify it (it may raise), write it back
        if no one else did meanwhile (else start over)."""
        key = group_key(ctx.region, ctx.account_id, name)
        for _ in range(UPDATE_ATTEMPTS):
            current = await self.meta.get(GROUPS, key)
            if current is None:
                raise group_not_found()
            group = GroupRecord.decode(current.value)
            pending = change(group)
            if pending is not None:
                await pending
            try:
                await self.meta.commit([Put(GROUPS, key, group.encode(), expect=current.version)])
                return group
            except ConditionFailed:
                continue
        raise conflict()

    async def resource_facts(self, ctx: RequestContext, arn: str) -> ResourceFacts | None:
        """Owner and tags of the log group `arn` names (a stream: its group's), for the
        gateway's checks (aws:ResourceTag). Log groups have no resource policy of their own."""
        parsed = parse_group_arn(arn)
        group = None if parsed is None else await self.find_group(*parsed)
        if group is None:
            return None
        return ResourceFacts(group.account_id, "", group.tags)
