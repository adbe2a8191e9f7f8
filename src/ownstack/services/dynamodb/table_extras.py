"""Table settings beside the table itself: tags (TagResource, UntagResource,
ListTagsOfResource), time to live (UpdateTimeToLive, DescribeTimeToLive), and the account
answers DescribeLimits and DescribeEndpoints."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

from ownstack.core.context import RequestContext
from ownstack.core.service import Params, Result
from ownstack.ports.errors import ConditionFailed

from .base import DynamoDbBase
from .errors import INVALID, resource_not_found, table_not_found, validation
from .records import TableRecord
from .table_constraints import Violations, check_table_op_name, valid_name
from .table_tags import merged_tags, wire_tags

DEFAULT_CAPACITY_LIMIT = 40000
"""AWS's default account and table read/write capacity quotas (DescribeLimits)."""
ENDPOINT_CACHE_MINUTES = 1440


class TableExtraOps(DynamoDbBase):
    async def tag_resource(self, ctx: RequestContext, params: Params) -> Result:
        arn = params["ResourceArn"]
        tags = params.get("Tags") or []
        name = self._tagged_table_name(ctx, arn)
        if not tags:
            raise validation("Atleast one Tag needs to be provided as Input.")
        await self._change(ctx, name, arn, lambda t: _with_tags(t, merged_tags(t.tags, tags)))
        return {}

    async def untag_resource(self, ctx: RequestContext, params: Params) -> Result:
        arn = params["ResourceArn"]
        keys = params.get("TagKeys") or []
        name = self._tagged_table_name(ctx, arn)
        if not keys:
            raise validation("Atleast one Tag Key needs to be provided as Input.")
        for key in keys:
            if key == "" or len(key) > 128:
                raise validation(f"The Tag Key provided is invalid, Key: {key}")
        await self._change(
            ctx,
            name,
            arn,
            lambda t: _with_tags(t, {k: v for k, v in t.tags.items() if k not in keys}),
        )
        return {}

    async def list_tags_of_resource(self, ctx: RequestContext, params: Params) -> Result:
        arn = params["ResourceArn"]
        found = await self.find_table(ctx, self._tagged_table_name(ctx, arn))
        if found is None:
            raise _arn_not_found(arn)
        # At most 50 tags: all of them in one page (no NextToken).
        return {"Tags": wire_tags(found[0].tags)}

    def _tagged_table_name(self, ctx: RequestContext, arn: str) -> str:
        """The table a tagging ResourceArn names (a table ARN of the caller's region)."""
        if not arn.startswith("arn:"):
            raise validation(INVALID + f"ARNs must start with 'arn:': {arn}")
        parts = arn.split(":", 5)
        resource = parts[5].split("/") if len(parts) == 6 else []
        if len(resource) > 2 and resource[0] == "table" and parts[2] == "dynamodb":
            raise validation(
                INVALID + "Invalid resource arn provided, only table or stream is accepted."
                f" Provided resource arn: {arn}"
            )
        valid = (
            len(resource) == 2
            and parts[1] == "aws"
            and parts[2] == "dynamodb"
            and parts[3] == ctx.region
            and resource[0] == "table"
            and valid_name(resource[1])
        )
        if not valid:
            raise validation(f"Invalid TableArn: Invalid ResourceArn provided as input {arn}")
        if not ctx.may_use(parts[4]):
            raise _arn_not_found(arn)
        return arn

    async def _change(
        self,
        ctx: RequestContext,
        name: str,
        arn: str | None,
        change: Callable[[TableRecord], TableRecord],
    ) -> TableRecord:
        """Apply `change` to the table's record with a compare-and-set (retried on a race)."""
        while True:
            found = await self.find_table(ctx, name)
            if found is None:
                raise table_not_found(name) if arn is None else _arn_not_found(arn)
            table, version = found
            changed = change(table)
            try:
                await self.meta.commit([self.table_put(changed, version)])
                return changed
            except ConditionFailed:
                continue

    async def update_time_to_live(self, ctx: RequestContext, params: Params) -> Result:
        name = params["TableName"]
        check_table_op_name(name)
        spec = params["TimeToLiveSpecification"]
        v = Violations()
        v.not_null(spec.get("Enabled"), "timeToLiveSpecification.enabled")
        attribute = spec.get("AttributeName")
        if v.not_null(attribute, "timeToLiveSpecification.attributeName"):
            v.length(attribute, "timeToLiveSpecification.attributeName", 1, 255)
        v.raise_any()
        enabled = bool(spec["Enabled"])
        await self._change(ctx, name, None, lambda t: _with_ttl(t, enabled, attribute))
        return {"TimeToLiveSpecification": {"Enabled": enabled, "AttributeName": attribute}}

    async def describe_time_to_live(self, ctx: RequestContext, params: Params) -> Result:
        check_table_op_name(params["TableName"])
        table = await self.table(ctx, params["TableName"])
        if table.ttl_attribute is None:
            return {"TimeToLiveDescription": {"TimeToLiveStatus": "DISABLED"}}
        return {
            "TimeToLiveDescription": {
                "TimeToLiveStatus": "ENABLED",
                "AttributeName": table.ttl_attribute,
            }
        }

    async def describe_limits(self, ctx: RequestContext, params: Params) -> Result:
        return {
            "AccountMaxReadCapacityUnits": DEFAULT_CAPACITY_LIMIT,
            "AccountMaxWriteCapacityUnits": DEFAULT_CAPACITY_LIMIT,
            "TableMaxReadCapacityUnits": DEFAULT_CAPACITY_LIMIT,
            "TableMaxWriteCapacityUnits": DEFAULT_CAPACITY_LIMIT,
        }

    async def describe_endpoints(self, ctx: RequestContext, params: Params) -> Result:
        endpoint: dict[str, Any] = {
            "Address": ctx.host,
            "CachePeriodInMinutes": ENDPOINT_CACHE_MINUTES,
        }
        return {"Endpoints": [endpoint]}


def _with_tags(table: TableRecord, tags: dict[str, str]) -> TableRecord:
    return dataclasses.replace(table, tags=tags)


def _with_ttl(table: TableRecord, enabled: bool, attribute: str) -> TableRecord:
    """TTL switched on or off, refused as AWS refuses it: enabling when enabled (whatever the
    attribute), disabling when disabled, or disabling with another attribute."""
    current = table.ttl_attribute
    if enabled and current == attribute:
        raise validation("TimeToLive is already enabled")
    if current is not None and current != attribute:
        raise validation(
            f"TimeToLive is active on a different AttributeName: current AttributeName is {current}"
        )
    if not enabled and current is None:
        raise validation("TimeToLive is already disabled")
    return dataclasses.replace(table, ttl_attribute=attribute if enabled else None)


def _arn_not_found(arn: str) -> Exception:
    # "ResourcArn" is AWS's own spelling in this message.
    return resource_not_found(f"Requested resource not found: ResourcArn: {arn} not found")
