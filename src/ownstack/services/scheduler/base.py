"""State and lookups every Scheduler operation module shares. The operation modules are mixins
over `SchedulerBase`; `SchedulerService` (service.py) composes them.

What Scheduler needs from the rest of ownstack arrives as plain callables (app.py wires them):
the gateway's `authorize_action` (iam:PassRole at CreateSchedule, the execution role's own
permission for each delivery), the identity directory's role lookup, and the events bus."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Mapping

from ownstack.core.access import ResourceFacts
from ownstack.core.clock import Clock
from ownstack.core.context import RequestContext
from ownstack.events.bus import Delivery
from ownstack.identity.model import RoleInfo
from ownstack.ports.meta import MetaStore, Record

from .errors import group_not_found, schedule_not_found
from .records import (
    DEFAULT_GROUP,
    GROUPS,
    SCHEDULES,
    GroupRecord,
    ScheduleRecord,
    group_key,
    parse_group_arn,
    parse_schedule_arn,
    schedule_key,
)
from .timing import MINUTE_S

Authorize = Callable[[RequestContext, str, str, Mapping[str, tuple[str, ...]]], Awaitable[None]]
"""The gateway's authorize_action: raises the service's AccessDenied ServiceError."""
RoleOf = Callable[[str, str], Awaitable[RoleInfo | None]]
"""The identity directory's role lookup: (account, role name) -> the role, None if none."""
Deliver = Callable[[Delivery], Awaitable[None]]
"""The events bus: raises DeliveryFailed."""


class SchedulerBase:
    holder_id = ""
    """Names this process in the lease of the firing loop (set by the app)."""
    rate_minute_s = MINUTE_S
    """Seconds a minute of a rate() expression lasts (limits.scheduler.minute_s; AWS: 60)."""

    def __init__(self, meta: MetaStore, clock: Clock, region: str) -> None:
        self.meta = meta
        self.clock = clock
        self.region = region
        self.authorize: Authorize | None = None
        self.role_of: RoleOf | None = None
        self.deliver: Deliver | None = None
        self._wake: asyncio.Event | None = None

    def connect(self, authorize: Authorize, role_of: RoleOf, deliver: Deliver) -> None:
        self.authorize, self.role_of, self.deliver = authorize, role_of, deliver

    @property
    def wake(self) -> asyncio.Event:
        """Set when a schedule's timing changed: the firing loop looks again at once."""
        if self._wake is None:
            self._wake = asyncio.Event()
        return self._wake

    async def find_group(self, region: str, account_id: str, name: str) -> GroupRecord | None:
        """The group; `default` always exists (a record only once something was written)."""
        found = await self.meta.get(GROUPS, group_key(region, account_id, name))
        if found is not None:
            return GroupRecord.decode(found.value)
        if name == DEFAULT_GROUP:
            return GroupRecord(DEFAULT_GROUP, region, account_id)
        return None

    async def group_named(self, ctx: RequestContext, name: str) -> GroupRecord:
        found = await self.find_group(ctx.region, ctx.account_id, name)
        if found is None:
            raise group_not_found(name)
        return found

    async def schedule_named(
        self, ctx: RequestContext, group: str, name: str
    ) -> tuple[ScheduleRecord, Record]:
        """The caller's schedule and its stored record; ResourceNotFoundException otherwise
        (for its group first, when that is what is missing)."""
        key = schedule_key(ctx.region, ctx.account_id, group, name)
        found = await self.meta.get(SCHEDULES, key)
        if found is None:
            await self.group_named(ctx, group)
            raise schedule_not_found(name)
        return ScheduleRecord.decode(found.value), found

    async def resource_facts(self, ctx: RequestContext, arn: str) -> ResourceFacts | None:
        """Owner and tags of a schedule group (a schedule: its owner), for the gateway's checks
        (aws:ResourceTag). Scheduler resources have no resource policy."""
        group = parse_group_arn(arn)
        if group is not None:
            found = await self.find_group(*group)
            return None if found is None else ResourceFacts(found.account_id, "", found.tags)
        schedule = parse_schedule_arn(arn)
        if schedule is None:
            return None
        stored = await self.meta.get(SCHEDULES, schedule_key(*schedule))
        return None if stored is None else ResourceFacts(schedule[1])
