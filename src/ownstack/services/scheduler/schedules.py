"""Schedules: CreateSchedule, GetSchedule, UpdateSchedule, DeleteSchedule.

UpdateSchedule replaces the whole schedule, as AWS documents: members left out take their
defaults again. A schedule's timing (its next tick) is computed at each change and kept in
its record with its entry in the due index, in the same commit."""

from __future__ import annotations

import math
from typing import Any

from ownstack.core.context import RequestContext
from ownstack.core.service import Params, Result
from ownstack.ports.errors import ConditionFailed
from ownstack.ports.meta import ABSENT, Check, Delete, Op

from .base import SchedulerBase
from .errors import busy, conflict, schedule_exists, schedule_not_found
from .records import (
    ACTIVE,
    DEFAULT_GROUP,
    DUE,
    GROUPS,
    SCHEDULES,
    GroupRecord,
    ScheduleRecord,
    group_key,
    new_id,
)
from .settings import Settings, read_settings
from .ticks import first_tick, schedule_ops, set_next
from .tokens import remember, seen, token_key
from .validate import check_name, check_schedule_input

PASSED_TO = {"iam:passedtoservice": ("scheduler.amazonaws.com",)}


class ScheduleOps(SchedulerBase):
    async def create_schedule(self, ctx: RequestContext, params: Params) -> Result:
        check_schedule_input(params)
        group, group_version = await self._group_for_schedules(
            ctx, params.get("GroupName") or DEFAULT_GROUP
        )
        now = self.clock.now()
        settings = read_settings(params, now)
        await self._may_pass(ctx, settings)
        token = params.get("ClientToken") or ""
        record = ScheduleRecord(
            name=params["Name"],
            group=group.name,
            region=ctx.region,
            account_id=ctx.account_id,
            id=new_id(),
            expression="",
            timezone="UTC",
            flexible={},
            target={},
            created=now,
            modified=now,
            anchor=now,
            client_token=token,
        )
        _apply(record, settings, now, retimed=True)
        set_next(record, first_tick(record, now, self.rate_minute_s))
        ops: list[Op] = schedule_ops(record, "", ABSENT)
        if group_version is not None:  # not a group deleted (or being deleted) meanwhile
            gkey = group_key(ctx.region, ctx.account_id, group.name)
            ops.append(Check(GROUPS, gkey, group_version))
        try:
            await self.meta.commit(ops)
        except ConditionFailed:
            return await self._created_before(ctx, record, token)
        self.wake.set()
        return {"ScheduleArn": record.arn}

    async def get_schedule(self, ctx: RequestContext, params: Params) -> Result:
        check_name(params, group_member=True)
        group = params.get("GroupName") or DEFAULT_GROUP
        record, _ = await self.schedule_named(ctx, group, params["Name"])
        return render(record)

    async def update_schedule(self, ctx: RequestContext, params: Params) -> Result:
        check_schedule_input(params)
        group = params.get("GroupName") or DEFAULT_GROUP
        record, stored = await self.schedule_named(ctx, group, params["Name"])
        now = self.clock.now()
        settings = read_settings(params, now)
        await self._may_pass(ctx, settings)
        old_due = record.due_key
        retimed = (record.expression, record.timezone, record.start) != (
            settings.expression,
            settings.timezone,
            settings.start,
        )
        _apply(record, settings, now, retimed=retimed)
        record.modified = now
        set_next(record, first_tick(record, now, self.rate_minute_s))
        try:
            await self.meta.commit(schedule_ops(record, old_due, stored.version))
        except ConditionFailed:
            raise busy() from None
        self.wake.set()
        return {"ScheduleArn": record.arn}

    async def delete_schedule(self, ctx: RequestContext, params: Params) -> Result:
        check_name(params, group_member=True)
        group = params.get("GroupName") or DEFAULT_GROUP
        name = params["Name"]
        token = params.get("ClientToken")
        now = self.clock.now()
        resource = f"{ctx.region}/{ctx.account_id}/{group}/{name}"
        key = token_key("DeleteSchedule", resource, token) if token else ""
        if key and await seen(self.meta, key, now):
            return {}
        record, stored = await self.schedule_named(ctx, group, name)
        ops: list[Op] = [Delete(SCHEDULES, record.key, expect=stored.version)]
        if record.due_key:
            ops.append(Delete(DUE, record.due_key))
        if key:
            ops.append(remember(key, now))
        try:
            await self.meta.commit(ops)
        except ConditionFailed:
            raise schedule_not_found(name) from None  # deleted (or changed) meanwhile
        return {}

    async def _group_for_schedules(
        self, ctx: RequestContext, name: str
    ) -> tuple[GroupRecord, int | None]:
        """The group new schedules go to, and its record's version (None: the default group
        without a record)."""
        stored = await self.meta.get(GROUPS, group_key(ctx.region, ctx.account_id, name))
        if stored is None:
            return await self.group_named(ctx, name), None
        group = GroupRecord.decode(stored.value)
        if group.state != ACTIVE:
            raise conflict(f"Schedule group {name} is being deleted.")
        return group, stored.version

    async def _may_pass(self, ctx: RequestContext, settings: Settings) -> None:
        """The caller passes the execution role to Scheduler: iam:PassRole, as AWS requires."""
        if self.authorize is not None:
            await self.authorize(ctx, "iam:PassRole", settings.target["RoleArn"], PASSED_TO)

    async def _created_before(
        self, ctx: RequestContext, record: ScheduleRecord, token: str
    ) -> Result:
        """A retried CreateSchedule (same ClientToken) answers as the first did; anything else
        that exists already is a conflict."""
        found = await self.meta.get(SCHEDULES, record.key)
        if found is None:
            group = await self.group_named(ctx, record.group)  # the group went meanwhile
            raise conflict(f"Schedule group {group.name} changed; try again.")
        existing = ScheduleRecord.decode(found.value)
        if token and existing.client_token == token:
            return {"ScheduleArn": existing.arn}
        raise schedule_exists(record.name)


def _apply(record: ScheduleRecord, settings: Settings, now: float, *, retimed: bool) -> None:
    record.expression = settings.expression
    record.timezone = settings.timezone
    record.flexible = settings.flexible
    record.target = settings.target
    record.state = settings.state
    record.action_after_completion = settings.action_after_completion
    record.description = settings.description
    record.start, record.end = settings.start, settings.end
    if retimed:
        # A rate() schedule starts now (to the next whole second) unless it has a StartDate.
        record.anchor = float(math.ceil(now))
        record.last_fired = None


def render(record: ScheduleRecord) -> dict[str, Any]:
    """GetSchedule's answer."""
    out: dict[str, Any] = {
        "ActionAfterCompletion": record.action_after_completion,
        "Arn": record.arn,
        "CreationDate": record.created,
        "FlexibleTimeWindow": record.flexible,
        "GroupName": record.group,
        "LastModificationDate": record.modified,
        "Name": record.name,
        "ScheduleExpression": record.expression,
        "ScheduleExpressionTimezone": record.timezone,
        "State": record.state,
        "Target": record.target,
    }
    if record.description is not None:
        out["Description"] = record.description
    if record.start is not None:
        out["StartDate"] = record.start
    if record.end is not None:
        out["EndDate"] = record.end
    return out
