"""A bus's resource policy: PutPermission and RemovePermission (the policy the gateway
evaluates: bus_policy.py).

PutPermission adds a statement letting an account (or everyone, or an organization) put events
on the bus, as AWS writes it: {"Sid", "Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::
<account>:root"} or "*", "Action": "events:PutEvents", "Resource": <bus ARN>}."""

from __future__ import annotations

import json
from typing import Any

from ownstack.core.context import RequestContext
from ownstack.core.service import Params, Result
from ownstack.policy import PolicyError, parse_policy
from ownstack.ports.errors import ConditionFailed
from ownstack.ports.meta import ABSENT, Expect, Put

from .base import EventBridgeBase
from .bus_policy import ACTION, doc_of
from .errors import conflict, not_found, validation
from .records import BUSES, BusRecord
from .validate import checked

ATTEMPTS = 5


class PermissionOps(EventBridgeBase):
    @checked
    async def put_permission(self, ctx: RequestContext, params: Params) -> Result:
        policy = params.get("Policy")
        if policy:
            _check_policy(str(policy))
            await self._change_policy(ctx, params.get("EventBusName"), lambda _: str(policy))
            return {}
        statement = _statement_of(params)

        def add(bus: BusRecord) -> str:
            doc = doc_of(bus.policy)
            kept = [s for s in doc["Statement"] if s.get("Sid") != statement["Sid"]]
            statement["Resource"] = bus.arn
            doc["Statement"] = [*kept, statement]
            return json.dumps(doc)

        await self._change_policy(ctx, params.get("EventBusName"), add)
        return {}

    @checked
    async def remove_permission(self, ctx: RequestContext, params: Params) -> Result:
        sid = params.get("StatementId")
        remove_all = bool(params.get("RemoveAllPermissions"))
        if not sid and not remove_all:
            raise validation("Parameter StatementId is required.")

        def remove(bus: BusRecord) -> str:
            if not bus.policy:
                raise not_found("EventBus does not have a policy.")
            if remove_all:
                return ""
            doc = doc_of(bus.policy)
            kept = [s for s in doc["Statement"] if s.get("Sid") != sid]
            if len(kept) == len(doc["Statement"]):
                raise not_found("Statement with the provided id does not exist.")
            doc["Statement"] = kept
            return json.dumps(doc) if kept else ""

        await self._change_policy(ctx, params.get("EventBusName"), remove)
        return {}

    async def _change_policy(self, ctx: RequestContext, name: Any, change: Any) -> None:
        for _ in range(ATTEMPTS):
            ref, bus = await self.bus_named(ctx, name)
            found = await self.meta.get(BUSES, ref.key)
            expect: Expect = found.version if found is not None else ABSENT
            if found is not None:
                bus = BusRecord.decode(found.value)
            bus.policy = change(bus)
            bus.modified = self.clock.now()
            bus.created = bus.created or bus.modified
            try:
                await self.meta.commit([Put(BUSES, ref.key, bus.encode(), expect)])
                return
            except ConditionFailed:
                continue
        raise conflict()


def _statement_of(params: Params) -> dict[str, Any]:
    action, principal, sid = (
        params.get("Action"),
        params.get("Principal"),
        params.get("StatementId"),
    )
    if not action or not principal or not sid:
        raise validation("Parameter(s) Action, Principal, StatementId must be specified.")
    if action != ACTION:
        raise validation("Provided value in parameter 'action' is not supported.")
    statement: dict[str, Any] = {"Sid": sid, "Effect": "Allow", "Action": ACTION}
    statement["Principal"] = "*" if principal == "*" else {"AWS": f"arn:aws:iam::{principal}:root"}
    condition = params.get("Condition")
    if condition:
        statement["Condition"] = {
            str(condition["Type"]): {str(condition["Key"]): str(condition["Value"])}
        }
    return statement


def _check_policy(text: str) -> None:
    try:
        parse_policy(text, "resource")
    except PolicyError as err:
        raise validation(f"Policy is not valid: {err.message}") from None
