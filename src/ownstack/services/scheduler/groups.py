"""Schedule groups: CreateScheduleGroup, GetScheduleGroup, DeleteScheduleGroup, and their tags
(TagResource, UntagResource, ListTagsForResource: only schedule groups take tags).

Deleting a group deletes its schedules: the group is marked DELETING (GetScheduleGroup shows
it, no schedule may be added), its schedules go page by page, then the group. A deletion cut
short (a crash) is finished by the firing loop's housekeeping (`finish_deletions`)."""

from __future__ import annotations

import contextlib
from collections.abc import Callable

from ownstack.core.context import RequestContext
from ownstack.core.service import Params, Result
from ownstack.ports.errors import ConditionFailed
from ownstack.ports.meta import ABSENT, Delete, MetaStore, Op, Put, pages, prefix_end

from .base import SchedulerBase
from .errors import busy, group_exists, group_not_found, validation
from .records import (
    DEFAULT_GROUP,
    DELETING,
    DUE,
    GROUPS,
    SCHEDULES,
    GroupRecord,
    ScheduleRecord,
    group_key,
    parse_group_arn,
)
from .tokens import remember, seen, token_key
from .validate import check_name, check_resource_arn

UPDATE_ATTEMPTS = 5
Retag = Callable[[dict[str, str]], dict[str, str]]
PURGE_PAGE = 100


class GroupOps(SchedulerBase):
    async def create_schedule_group(self, ctx: RequestContext, params: Params) -> Result:
        check_name(params)
        name: str = params["Name"]
        now = self.clock.now()
        tags = {t["Key"]: t["Value"] for t in params.get("Tags") or []}
        token = params.get("ClientToken") or ""
        group = GroupRecord(name, ctx.region, ctx.account_id, now, now, tags=tags)
        group.client_token = token
        key = group_key(ctx.region, ctx.account_id, name)
        if name == DEFAULT_GROUP:
            raise group_exists(name)
        try:
            await self.meta.commit([Put(GROUPS, key, group.encode(), expect=ABSENT)])
        except ConditionFailed:
            found = await self.find_group(ctx.region, ctx.account_id, name)
            if found is not None and token and found.client_token == token:
                return {"ScheduleGroupArn": found.arn}
            raise group_exists(name) from None
        return {"ScheduleGroupArn": group.arn}

    async def get_schedule_group(self, ctx: RequestContext, params: Params) -> Result:
        check_name(params)
        group = await self.group_named(ctx, params["Name"])
        return render_group(group)

    async def delete_schedule_group(self, ctx: RequestContext, params: Params) -> Result:
        check_name(params)
        name: str = params["Name"]
        if name == DEFAULT_GROUP:
            raise validation("Cannot delete the default schedule group.")
        now = self.clock.now()
        token = params.get("ClientToken")
        key = group_key(ctx.region, ctx.account_id, name)
        remembered = token_key("DeleteScheduleGroup", key, token) if token else ""
        if remembered and await seen(self.meta, remembered, now):
            return {}
        stored = await self.meta.get(GROUPS, key)
        if stored is None:
            raise group_not_found(name)
        group = GroupRecord.decode(stored.value)
        group.state, group.modified = DELETING, now
        ops: list[Op] = [Put(GROUPS, key, group.encode(), expect=stored.version)]
        if remembered:
            ops.append(remember(remembered, now))
        try:
            await self.meta.commit(ops)
        except ConditionFailed:
            raise busy() from None
        await purge_group(self.meta, group)
        return {}

    async def tag_resource(self, ctx: RequestContext, params: Params) -> Result:
        check_resource_arn(params)
        added = {t["Key"]: t["Value"] for t in params["Tags"]}
        await self._retag(ctx, params["ResourceArn"], lambda tags: {**tags, **added})
        return {}

    async def untag_resource(self, ctx: RequestContext, params: Params) -> Result:
        check_resource_arn(params)
        keys = set(params["TagKeys"])
        await self._retag(ctx, params["ResourceArn"], lambda tags: _without(tags, keys))
        return {}

    async def list_tags_for_resource(self, ctx: RequestContext, params: Params) -> Result:
        check_resource_arn(params)
        group = await self._group_of_arn(ctx, params["ResourceArn"])
        return {"Tags": [{"Key": k, "Value": v} for k, v in group.tags.items()]}

    async def _group_of_arn(self, ctx: RequestContext, arn: str) -> GroupRecord:
        parsed = parse_group_arn(arn)
        if parsed is None or parsed[0] != ctx.region or not ctx.may_use(parsed[1]):
            raise group_not_found(arn.rpartition("/")[2])
        found = await self.find_group(*parsed)
        if found is None:
            raise group_not_found(parsed[2])
        return found

    async def _retag(self, ctx: RequestContext, arn: str, change: Retag) -> None:
        """Read the group, replace its tags by change(tags), write it back unless someone else
        did meanwhile (then start over)."""
        for _ in range(UPDATE_ATTEMPTS):
            group = await self._group_of_arn(ctx, arn)
            key = group_key(group.region, group.account_id, group.name)
            stored = await self.meta.get(GROUPS, key)
            group.tags = change(group.tags)
            expect = ABSENT if stored is None else stored.version  # default: first record
            try:
                await self.meta.commit([Put(GROUPS, key, group.encode(), expect=expect)])
                return
            except ConditionFailed:
                continue
        raise busy()


def _without(tags: dict[str, str], keys: set[str]) -> dict[str, str]:
    return {k: v for k, v in tags.items() if k not in keys}


def render_group(group: GroupRecord) -> Result:
    out: Result = {"Arn": group.arn, "Name": group.name, "State": group.state}
    if group.created is not None:
        out["CreationDate"] = group.created
    if group.modified is not None:
        out["LastModificationDate"] = group.modified
    return out


async def purge_group(meta: MetaStore, group: GroupRecord) -> None:
    """Delete a DELETING group's schedules, then the group (repeatable after a crash)."""
    prefix = f"{group.region}/{group.account_id}/{group.name}/"
    while True:
        page = await meta.scan(SCHEDULES, start=prefix, end=prefix_end(prefix), limit=PURGE_PAGE)
        for stored in page:
            record = ScheduleRecord.decode(stored.value)
            ops: list[Op] = [Delete(SCHEDULES, stored.key, expect=stored.version)]
            if record.due_key:
                ops.append(Delete(DUE, record.due_key))
            try:
                await meta.commit(ops)
            except ConditionFailed:
                continue  # changed meanwhile (fired): the next page finds it again
        if not page:
            break
    key = group_key(group.region, group.account_id, group.name)
    stored_group = await meta.get(GROUPS, key)
    if stored_group is not None and GroupRecord.decode(stored_group.value).state == DELETING:
        with contextlib.suppress(ConditionFailed):  # tagged meanwhile: the next pass deletes it
            await meta.commit([Delete(GROUPS, key, expect=stored_group.version)])


async def finish_deletions(meta: MetaStore) -> int:
    """Finish every group deletion cut short; how many groups were finished."""
    finished = 0
    async for page in pages(meta, GROUPS, size=500):
        for stored in page:
            group = GroupRecord.decode(stored.value)
            if group.state == DELETING:
                await purge_group(meta, group)
                finished += 1
    return finished
