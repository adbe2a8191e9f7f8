"""ListSchedules (by group, name prefix and state) and ListScheduleGroups (by name prefix), in
name order (schedules: group, then name), MaxResults at a time (default 100), continued by an
opaque NextToken (the last key answered)."""

from __future__ import annotations

import base64
import binascii
from typing import Any

from ownstack.core.context import RequestContext
from ownstack.core.service import Params, Result
from ownstack.ports.meta import prefix_end

from .base import SchedulerBase
from .errors import validation
from .groups import render_group
from .records import DEFAULT_GROUP, GROUPS, SCHEDULES, GroupRecord, ScheduleRecord
from .validate import check_list_input

DEFAULT_PAGE = 100
SCAN_PAGE = 500


class ListOps(SchedulerBase):
    async def list_schedules(self, ctx: RequestContext, params: Params) -> Result:
        check_list_input(params)
        group = params.get("GroupName")
        base = f"{ctx.region}/{ctx.account_id}/"
        if group is not None:
            await self.group_named(ctx, group)
            base += f"{group}/"
        limit = params.get("MaxResults") or DEFAULT_PAGE
        start = _after(params.get("NextToken"), base)
        prefix, state = params.get("NamePrefix") or "", params.get("State")
        found: list[ScheduleRecord] = []
        end = prefix_end(base)
        while len(found) < limit:
            page = await self.meta.scan(SCHEDULES, start=start, end=end, limit=SCAN_PAGE)
            for stored in page:
                record = ScheduleRecord.decode(stored.value)
                if record.name.startswith(prefix) and (state is None or record.state == state):
                    found.append(record)
            if len(page) < SCAN_PAGE:
                break
            start = page[-1].key + "\0"
        out: Result = {"Schedules": [_summary(r) for r in found[:limit]]}
        if len(found) > limit:
            out["NextToken"] = _token(found[limit - 1].key)
        return out

    async def list_schedule_groups(self, ctx: RequestContext, params: Params) -> Result:
        check_list_input(params)
        base = f"{ctx.region}/{ctx.account_id}/"
        prefix = params.get("NamePrefix") or ""
        groups: dict[str, GroupRecord] = {}
        start = base + prefix
        while True:
            page = await self.meta.scan(
                GROUPS, start=start, end=prefix_end(base + prefix), limit=SCAN_PAGE
            )
            groups.update((g.name, g) for g in (GroupRecord.decode(r.value) for r in page))
            if len(page) < SCAN_PAGE:
                break
            start = page[-1].key + "\0"
        if DEFAULT_GROUP.startswith(prefix) and DEFAULT_GROUP not in groups:
            groups[DEFAULT_GROUP] = GroupRecord(DEFAULT_GROUP, ctx.region, ctx.account_id)
        after = _after(params.get("NextToken"), "")
        names = sorted(n for n in groups if n > after or not after)
        limit = params.get("MaxResults") or DEFAULT_PAGE
        out: Result = {"ScheduleGroups": [render_group(groups[n]) for n in names[:limit]]}
        if len(names) > limit:
            out["NextToken"] = _token(names[limit - 1])
        return out


def _summary(record: ScheduleRecord) -> dict[str, Any]:
    return {
        "Arn": record.arn,
        "CreationDate": record.created,
        "GroupName": record.group,
        "LastModificationDate": record.modified,
        "Name": record.name,
        "State": record.state,
        "Target": {"Arn": record.target["Arn"]},
    }


def _token(last: str) -> str:
    return base64.urlsafe_b64encode(last.encode()).decode()


def _after(token: str | None, base: str) -> str:
    """Where a listing continues: just after the key a NextToken names (which must lie under
    `base`), else at `base`."""
    if token is None:
        return base
    try:
        last = base64.urlsafe_b64decode(token.encode()).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise validation("Invalid NextToken.") from None
    if not last.startswith(base):
        raise validation("Invalid NextToken.")
    return last + "\0" if base else last
