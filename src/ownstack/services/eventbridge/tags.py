"""Tags of event buses and rules: TagResource, UntagResource, ListTagsForResource."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ownstack.core.context import RequestContext
from ownstack.core.service import Params, Result
from ownstack.ports.errors import ConditionFailed
from ownstack.ports.meta import ABSENT, Expect, Put

from .base import EventBridgeBase
from .errors import bad_arn, bus_not_found, conflict, rule_not_found
from .names import DEFAULT_BUS, BusRef, parse_bus_arn, parse_rule_arn
from .records import BUSES, RULES, BusRecord, RuleRecord
from .validate import checked

ATTEMPTS = 5


def tag_dict(params: Params) -> dict[str, str]:
    return {str(t["Key"]): str(t.get("Value", "")) for t in params.get("Tags") or []}


def tag_list(tags: dict[str, str]) -> list[dict[str, str]]:
    return [{"Key": k, "Value": v} for k, v in sorted(tags.items())]


Change = Callable[[dict[str, str]], None]


class TagOps(EventBridgeBase):
    @checked
    async def tag_resource(self, ctx: RequestContext, params: Params) -> Result:
        new = tag_dict(params)
        await self._change_tags(ctx, str(params["ResourceARN"]), lambda tags: tags.update(new))
        return {}

    @checked
    async def untag_resource(self, ctx: RequestContext, params: Params) -> Result:
        keys = [str(k) for k in params.get("TagKeys") or []]

        def remove(tags: dict[str, str]) -> None:
            for key in keys:
                tags.pop(key, None)

        await self._change_tags(ctx, str(params["ResourceARN"]), remove)
        return {}

    @checked
    async def list_tags_for_resource(self, ctx: RequestContext, params: Params) -> Result:
        _, _, record, _ = await self._tagged(ctx, str(params["ResourceARN"]))
        return {"Tags": tag_list(record.tags if record is not None else {})}

    async def _change_tags(self, ctx: RequestContext, arn: str, change: Change) -> None:
        for _ in range(ATTEMPTS):
            ns, key, record, expect = await self._tagged(ctx, arn)
            if record is None:  # the default bus, tagged for the first time
                ref = parse_bus_arn(arn)
                assert ref is not None
                now = self.clock.now()
                record = BusRecord(DEFAULT_BUS, ref.arn, ref.account, now, now)
            change(record.tags)
            try:
                await self.meta.commit([Put(ns, key, record.encode(), expect)])
                return
            except ConditionFailed:
                continue
        raise conflict()

    async def _tagged(self, ctx: RequestContext, arn: str) -> tuple[str, str, Any, Expect]:
        """(namespace, key, record, its version) of the bus or rule `arn` names; the record is
        None (and the version ABSENT) for a default bus that has none yet.
        ResourceNotFoundException / ValidationException."""
        bus = parse_bus_arn(arn)
        if bus is not None:
            self._own(ctx, bus, bus_not_found(bus.name))
            found = await self.meta.get(BUSES, bus.key)
            if found is not None:
                return BUSES, bus.key, BusRecord.decode(found.value), found.version
            if bus.name == DEFAULT_BUS:
                return BUSES, bus.key, None, ABSENT
            raise bus_not_found(bus.name)
        rule = parse_rule_arn(arn)
        if rule is None:
            raise bad_arn(arn)
        ref, name = rule
        self._own(ctx, ref, rule_not_found(name, ref.name))
        found = await self.meta.get(RULES, ref.rule_key(name))
        if found is None:
            raise rule_not_found(name, ref.name)
        return RULES, ref.rule_key(name), RuleRecord.decode(found.value), found.version

    @staticmethod
    def _own(ctx: RequestContext, ref: BusRef, missing: Exception) -> None:
        if ref.account != ctx.account_id or ref.region != ctx.region:
            raise missing
