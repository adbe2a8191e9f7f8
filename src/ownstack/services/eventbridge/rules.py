"""Rules: PutRule, DescribeRule, ListRules, DeleteRule, EnableRule, DisableRule, and
TestEventPattern."""

from __future__ import annotations

import json
from typing import Any

from ownstack.core.context import RequestContext
from ownstack.core.service import Params, Result
from ownstack.core.tokens import opaque_token, token_text
from ownstack.ports.errors import ConditionFailed
from ownstack.ports.meta import ABSENT, Delete, Expect, Op, Put

from .base import EventBridgeBase
from .errors import bad_token, conflict, rule_not_found, validation
from .names import DEFAULT_BUS, BusRef
from .records import RULES, SCHEDULED, RuleRecord, ScheduleRecord
from .rule_patterns import compiled, event_matches
from .schedule import parse_schedule
from .tags import tag_dict
from .validate import checked

PAGE = 100
ATTEMPTS = 5
_TEST_EVENT_FIELDS = ("id", "account", "source", "time", "region", "detail-type")


class RuleOps(EventBridgeBase):
    @checked
    async def put_rule(self, ctx: RequestContext, params: Params) -> Result:
        name = str(params["Name"])
        pattern = str(params.get("EventPattern") or "")
        schedule = str(params.get("ScheduleExpression") or "")
        if not pattern and not schedule:
            raise validation("Parameter(s) EventPattern or ScheduleExpression must be specified.")
        if pattern:
            compiled(pattern)
        ref, _ = await self.bus_named(ctx, params.get("EventBusName"))
        if schedule:
            _check_schedule(ref, schedule)
        for _ in range(ATTEMPTS):
            found = await self.meta.get(RULES, ref.rule_key(name))
            old = RuleRecord.decode(found.value) if found is not None else None
            rule = self._rule_of(ctx, ref, name, params, old)
            expect: Expect = found.version if found is not None else ABSENT
            ops: list[Op] = [Put(RULES, ref.rule_key(name), rule.encode(), expect)]
            ops += await self._schedule_ops(ref.rule_key(name), old, rule)
            try:
                await self.meta.commit(ops)
                return {"RuleArn": rule.arn}
            except ConditionFailed:
                continue
        raise conflict()

    def _rule_of(
        self,
        ctx: RequestContext,
        ref: BusRef,
        name: str,
        params: Params,
        old: RuleRecord | None,
    ) -> RuleRecord:
        tags = dict(old.tags) if old is not None else {}
        tags.update(tag_dict(params))
        return RuleRecord(
            name=name,
            arn=ref.rule_arn(name),
            bus=ref.name,
            account=ctx.account_id,
            created=old.created if old is not None else self.clock.now(),
            state=str(params.get("State") or "ENABLED"),
            pattern=str(params.get("EventPattern") or ""),
            schedule=str(params.get("ScheduleExpression") or ""),
            description=str(params.get("Description") or ""),
            role_arn=str(params.get("RoleArn") or ""),
            tags=tags,
        )

    async def _schedule_ops(self, key: str, old: RuleRecord | None, rule: RuleRecord) -> list[Op]:
        """The scheduler's record follows the rule's schedule: set (from now) when it changes,
        gone when it is removed."""
        if not rule.schedule:
            return [Delete(SCHEDULED, key)] if old is not None and old.schedule else []
        if old is not None and old.schedule == rule.schedule:
            return []
        record = ScheduleRecord(rule.schedule, self.clock.now())
        return [Put(SCHEDULED, key, record.encode())]

    @checked
    async def describe_rule(self, ctx: RequestContext, params: Params) -> Result:
        _, rule = await self.rule_named(ctx, str(params["Name"]), params.get("EventBusName"))
        out = listed(rule)
        out["CreatedBy"] = rule.account
        return out

    @checked
    async def list_rules(self, ctx: RequestContext, params: Params) -> Result:
        ref, _ = await self.bus_named(ctx, params.get("EventBusName"))
        prefix = str(params.get("NamePrefix") or "")
        limit = int(params.get("Limit") or PAGE)
        after = _after(params.get("NextToken"))
        rules: list[RuleRecord] = []
        start = ref.rule_key(after) if after else ""
        async for value in self.scan(RULES, ref.rule_key(prefix), start):
            rules.append(RuleRecord.decode(value))
            if len(rules) > limit:
                break
        out: Result = {"Rules": [listed(r) for r in rules[:limit]]}
        if len(rules) > limit:
            out["NextToken"] = opaque_token(rules[limit - 1].name)
        return out

    @checked
    async def delete_rule(self, ctx: RequestContext, params: Params) -> Result:
        ref, _ = await self.bus_named(ctx, params.get("EventBusName"))
        key = ref.rule_key(str(params["Name"]))
        if await self.meta.get(RULES, key) is None:
            return {}
        if await self.rule_targets(key):
            raise validation("Rule can't be deleted since it has targets.")
        await self.meta.commit([Delete(RULES, key), Delete(SCHEDULED, key)])
        return {}

    @checked
    async def enable_rule(self, ctx: RequestContext, params: Params) -> Result:
        await self._set_state(ctx, params, "ENABLED")
        return {}

    @checked
    async def disable_rule(self, ctx: RequestContext, params: Params) -> Result:
        await self._set_state(ctx, params, "DISABLED")
        return {}

    async def _set_state(self, ctx: RequestContext, params: Params, state: str) -> None:
        name = str(params["Name"])
        ref, _ = await self.bus_named(ctx, params.get("EventBusName"))
        for _ in range(ATTEMPTS):
            found = await self.meta.get(RULES, ref.rule_key(name))
            if found is None:
                raise rule_not_found(name, ref.name)
            rule = RuleRecord.decode(found.value)
            rule.state = state
            try:
                await self.meta.commit(
                    [Put(RULES, ref.rule_key(name), rule.encode(), found.version)]
                )
                return
            except ConditionFailed:
                continue
        raise conflict()

    @checked
    async def test_event_pattern(self, ctx: RequestContext, params: Params) -> Result:
        pattern = str(params["EventPattern"])
        compiled(pattern)
        try:
            event: Any = json.loads(str(params["Event"]))
        except ValueError:
            raise validation("Parameter Event is not valid.") from None
        if not isinstance(event, dict) or any(f not in event for f in _TEST_EVENT_FIELDS):
            raise validation("Parameter Event is not valid.")
        return {"Result": event_matches(pattern, event)}


def _check_schedule(ref: BusRef, schedule: str) -> None:
    if ref.name != DEFAULT_BUS:
        raise validation("ScheduleExpression is supported only on the default event bus.")
    try:
        parse_schedule(schedule)
    except ValueError:
        raise validation("Parameter ScheduleExpression is not valid.") from None


def _after(token: Any) -> str:
    if not token:
        return ""
    text = token_text(str(token))
    if text is None:
        raise bad_token()
    return text


def listed(rule: RuleRecord) -> dict[str, Any]:
    out: dict[str, Any] = {
        "Name": rule.name,
        "Arn": rule.arn,
        "State": rule.state,
        "EventBusName": rule.bus,
    }
    optional = {
        "EventPattern": rule.pattern,
        "ScheduleExpression": rule.schedule,
        "Description": rule.description,
        "RoleArn": rule.role_arn,
    }
    out.update({k: v for k, v in optional.items() if v})
    return out
