"""Tags of log groups (the only taggable resource ownstack has: destinations are not
implemented): TagResource, UntagResource, ListTagsForResource by ARN, and the legacy
TagLogGroup, UntagLogGroup, ListTagsLogGroup by name."""

from __future__ import annotations

import re
from collections.abc import Mapping

from ownstack.core.context import RequestContext
from ownstack.core.service import Params, Result

from .base import LogsBase
from .errors import group_not_found, invalid_parameter, too_many_tags
from .records import GroupRecord
from .validate import Problems

MAX_TAGS = 50
_GROUP_ARN = re.compile(r"arn:aws:logs:([^:]+):(\d{12}):log-group:([^:]+)")


def check_new_tags(tags: Mapping[str, str]) -> None:
    """Keys beginning with `aws:` are AWS's own."""
    for key in tags:
        if key.lower().startswith("aws:"):
            raise invalid_parameter(f"Tag keys beginning with 'aws:' are reserved: {key}")


class TagOps(LogsBase):
    async def tag_resource(self, ctx: RequestContext, params: Params) -> Result:
        problems = Problems()
        problems.length(params, "tags", 1, MAX_TAGS)
        problems.tags(params["tags"])
        problems.raise_any()
        name = self._group_of_arn(ctx, params["resourceArn"])
        await self._add(ctx, name, params["tags"], params["resourceArn"])
        return {}

    async def untag_resource(self, ctx: RequestContext, params: Params) -> Result:
        problems = Problems()
        problems.length(params, "tagKeys", 0, MAX_TAGS)
        problems.raise_any()
        name = self._group_of_arn(ctx, params["resourceArn"])
        await self._remove(ctx, name, params["tagKeys"])
        return {}

    async def list_tags_for_resource(self, ctx: RequestContext, params: Params) -> Result:
        group = await self.group_named(ctx, self._group_of_arn(ctx, params["resourceArn"]))
        return {"tags": dict(group.tags)}

    async def tag_log_group(self, ctx: RequestContext, params: Params) -> Result:
        problems = Problems()
        problems.group_name(params)
        problems.length(params, "tags", 1, MAX_TAGS)
        problems.tags(params["tags"])
        problems.raise_any()
        name = params["logGroupName"]
        group_arn = f"arn:aws:logs:{ctx.region}:{ctx.account_id}:log-group:{name}"
        await self._add(ctx, name, params["tags"], group_arn)
        return {}

    async def untag_log_group(self, ctx: RequestContext, params: Params) -> Result:
        problems = Problems()
        problems.group_name(params)
        problems.length(params, "tags", 1)
        problems.raise_any()
        await self._remove(ctx, params["logGroupName"], params["tags"])
        return {}

    async def list_tags_log_group(self, ctx: RequestContext, params: Params) -> Result:
        problems = Problems()
        problems.group_name(params)
        problems.raise_any()
        group = await self.group_named(ctx, params["logGroupName"])
        return {"tags": dict(group.tags)}

    def _group_of_arn(self, ctx: RequestContext, arn: str) -> str:
        """The name of the caller's log group a tagging ARN names (the form without `:*`)."""
        found = _GROUP_ARN.fullmatch(arn)
        if found is None:
            if arn.startswith("arn:aws:logs:"):
                raise group_not_found()  # another kind of resource: none exists here
            raise invalid_parameter(f"Invalid resource ARN: {arn}")
        region, account, name = found.groups()
        if region != ctx.region or not ctx.may_use(account):
            raise group_not_found()
        return name

    async def _add(self, ctx: RequestContext, name: str, tags: Mapping[str, str], arn: str) -> None:
        check_new_tags(tags)

        def add(group: GroupRecord) -> None:
            merged = {**group.tags, **tags}
            if len(merged) > MAX_TAGS:
                raise too_many_tags(arn)
            group.tags = merged

        await self.update_group(ctx, name, add)

    async def _remove(self, ctx: RequestContext, name: str, keys: list[str]) -> None:
        def remove(group: GroupRecord) -> None:
            group.tags = {k: v for k, v in group.tags.items() if k not in keys}

        await self.update_group(ctx, name, remove)
