"""Targets: PutTargets, RemoveTargets, ListTargetsByRule, ListRuleNamesByTarget.

A rule has at most 5 targets (AWS's quota). Targets are stored as PutTargets took them, so
ListTargetsByRule answers them back unchanged."""

from __future__ import annotations

from typing import Any

from ownstack.core.context import RequestContext
from ownstack.core.service import Params, Result
from ownstack.core.tokens import opaque_token, token_text
from ownstack.ports.meta import Delete, Op, Put

from .base import EventBridgeBase
from .errors import bad_token, limit_exceeded
from .names import bus_ref, target_key
from .records import TARGETS, RuleRecord, TargetRecord
from .target_check import check_request, entry_problem
from .validate import checked

MAX_TARGETS = 5
PAGE = 100
UNSUPPORTED = "NotImplemented"


class TargetOps(EventBridgeBase):
    @checked
    async def put_targets(self, ctx: RequestContext, params: Params) -> Result:
        ref, rule = await self.rule_named(ctx, str(params["Rule"]), params.get("EventBusName"))
        targets: list[dict[str, Any]] = list(params["Targets"])
        check_request(targets)
        key = ref.rule_key(rule.name)
        existing = {t.target["Id"] for t in await self.rule_targets(key)}
        failed: list[dict[str, str]] = []
        ops: list[Op] = []
        for target in targets:
            problem = entry_problem(target)
            if problem:
                failed.append(
                    {
                        "TargetId": str(target["Id"]),
                        "ErrorCode": UNSUPPORTED,
                        "ErrorMessage": problem,
                    }
                )
                continue
            existing.add(str(target["Id"]))
            record = TargetRecord(rule.arn, _stored(target))
            ops.append(Put(TARGETS, target_key(key, str(target["Id"])), record.encode()))
        if len(existing) > MAX_TARGETS:
            raise limit_exceeded("The requested resource exceeds the maximum number allowed.")
        if ops:
            await self.meta.commit(ops)
        return {"FailedEntryCount": len(failed), "FailedEntries": failed}

    @checked
    async def remove_targets(self, ctx: RequestContext, params: Params) -> Result:
        ref, rule = await self.rule_named(ctx, str(params["Rule"]), params.get("EventBusName"))
        key = ref.rule_key(rule.name)
        ops: list[Op] = [Delete(TARGETS, target_key(key, str(i))) for i in params["Ids"]]
        await self.meta.commit(ops)
        return {"FailedEntryCount": 0, "FailedEntries": []}

    @checked
    async def list_targets_by_rule(self, ctx: RequestContext, params: Params) -> Result:
        ref, rule = await self.rule_named(ctx, str(params["Rule"]), params.get("EventBusName"))
        limit = int(params.get("Limit") or PAGE)
        after = _after(params.get("NextToken"))
        key = ref.rule_key(rule.name)
        found: list[dict[str, Any]] = []
        start = target_key(key, after) if after else ""
        async for value in self.scan(TARGETS, key + "/", start):
            found.append(TargetRecord.decode(value).target)
            if len(found) > limit:
                break
        out: Result = {"Targets": found[:limit]}
        if len(found) > limit:
            out["NextToken"] = opaque_token(str(found[limit - 1]["Id"]))
        return out

    @checked
    async def list_rule_names_by_target(self, ctx: RequestContext, params: Params) -> Result:
        ref = bus_ref(ctx, params.get("EventBusName"))
        await self.bus_named(ctx, params.get("EventBusName"))
        arn = str(params["TargetArn"])
        limit = int(params.get("Limit") or PAGE)
        after = _after(params.get("NextToken"))
        names: list[str] = []
        async for rule in self.bus_rules(ref, ref.rule_key(after) if after else ""):
            if await self._targets_arn(ref.rule_key(rule.name), rule, arn):
                names.append(rule.name)
                if len(names) > limit:
                    break
        out: Result = {"RuleNames": names[:limit]}
        if len(names) > limit:
            out["NextToken"] = opaque_token(names[limit - 1])
        return out

    async def _targets_arn(self, key: str, rule: RuleRecord, arn: str) -> bool:
        return any(t.target.get("Arn") == arn for t in await self.rule_targets(key))


def _stored(target: dict[str, Any]) -> dict[str, Any]:
    """The target as ListTargetsByRule answers it: what PutTargets took, nothing empty."""
    return {k: v for k, v in target.items() if v is not None}


def _after(token: Any) -> str:
    if not token:
        return ""
    text = token_text(str(token))
    if text is None:
        raise bad_token()
    return text
