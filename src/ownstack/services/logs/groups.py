"""Log groups: CreateLogGroup, DeleteLogGroup, PutRetentionPolicy, DeleteRetentionPolicy."""

from __future__ import annotations

import uuid

from ownstack.core.context import RequestContext
from ownstack.core.service import Params, Result
from ownstack.ports.errors import ConditionFailed
from ownstack.ports.meta import ABSENT, Put

from .base import LogsBase
from .errors import group_exists, group_not_found, invalid_parameter, not_implemented_setting
from .records import GROUPS, STANDARD, GoneRecord, GroupRecord, group_key
from .sweep import clear_gone
from .tags import check_new_tags
from .validate import LOG_CLASSES, RETENTION_DAYS, Problems


class GroupOps(LogsBase):
    async def create_log_group(self, ctx: RequestContext, params: Params) -> Result:
        problems = Problems()
        problems.group_name(params)
        problems.length(params, "kmsKeyId", 0, 256)
        problems.length(params, "tags", 1, 50)
        problems.tags(params.get("tags"))
        problems.enum(params, "logGroupClass", LOG_CLASSES)
        problems.raise_any()
        name: str = params["logGroupName"]
        check_new_tags(params.get("tags") or {})
        if name.startswith("aws/"):
            raise invalid_parameter("Log group names can't start with the string aws/")
        self._refuse_unsupported(ctx, params)
        group = GroupRecord(
            name=name,
            region=ctx.region,
            account_id=ctx.account_id,
            id=uuid.uuid4().hex,
            created=self.clock.now(),
            tags=dict(params.get("tags") or {}),
            log_class=params.get("logGroupClass") or STANDARD,
        )
        key = group_key(ctx.region, ctx.account_id, name)
        try:
            await self.meta.commit([Put(GROUPS, key, group.encode(), expect=ABSENT)])
        except ConditionFailed:
            raise group_exists() from None
        return {}

    @staticmethod
    def _refuse_unsupported(ctx: RequestContext, params: Params) -> None:
        """What ownstack does not carry out is refused, never accepted and ignored: a KMS key
        (ownstack has no KMS: to it, no key exists), the DELIVERY class, deletion protection."""
        key = params.get("kmsKeyId")
        if key is not None:
            arn = f"arn:aws:logs:{ctx.region}:{ctx.account_id}:log-group:{params['logGroupName']}"
            raise invalid_parameter(
                f"The specified KMS key does not exist or is not allowed to be used with Arn"
                f" '{arn}'"
            )
        if params.get("logGroupClass") == "DELIVERY":
            raise not_implemented_setting(
                "The DELIVERY log group class is not implemented by ownstack."
            )
        if params.get("deletionProtectionEnabled"):
            raise not_implemented_setting("Deletion protection is not implemented by ownstack.")

    async def delete_log_group(self, ctx: RequestContext, params: Params) -> Result:
        problems = Problems()
        problems.group_name(params)
        problems.raise_any()
        key = group_key(ctx.region, ctx.account_id, params["logGroupName"])
        found = await self.meta.get(GROUPS, key)
        if found is None:
            raise group_not_found()
        group = GroupRecord.decode(found.value)
        gone = GoneRecord(group.log, group_id=group.id)
        await self.retire(GROUPS, found, gone, group_not_found)
        await clear_gone(self.meta, self.logs, gone)
        return {}

    async def put_retention_policy(self, ctx: RequestContext, params: Params) -> Result:
        problems = Problems()
        problems.group_name(params)
        problems.enum(params, "retentionInDays", RETENTION_DAYS)
        problems.raise_any()
        days: int = params["retentionInDays"]

        def keep(group: GroupRecord) -> None:
            group.retention_days = days

        await self.update_group(ctx, params["logGroupName"], keep)
        return {}

    async def delete_retention_policy(self, ctx: RequestContext, params: Params) -> Result:
        problems = Problems()
        problems.group_name(params)
        problems.raise_any()

        def keep_all(group: GroupRecord) -> None:
            group.retention_days = None

        await self.update_group(ctx, params["logGroupName"], keep_all)
        return {}
