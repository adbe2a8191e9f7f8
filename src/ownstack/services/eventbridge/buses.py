"""Event buses: CreateEventBus, DeleteEventBus, DescribeEventBus, ListEventBuses.

Every account has a `default` bus in every region; it is served without a record until it
needs one (a policy, tags). Deleting a custom bus deletes its rules and their targets."""

from __future__ import annotations

from typing import Any

from ownstack.core.context import RequestContext
from ownstack.core.errors import not_implemented
from ownstack.core.service import Params, Result
from ownstack.core.tokens import opaque_token, token_text
from ownstack.ports.errors import ConditionFailed
from ownstack.ports.meta import ABSENT, Delete, Put

from .base import EventBridgeBase
from .errors import already_exists, bad_token, not_found, validation
from .names import DEFAULT_BUS, BusRef
from .records import BUSES, RULES, SCHEDULED, TARGETS, BusRecord
from .tags import tag_dict
from .validate import checked

PAGE = 100
_UNSERVED = ("KmsKeyIdentifier", "DeadLetterConfig", "LogConfig")
"""Bus settings ownstack does not implement (encryption with a customer key, the bus's DLQ for
it, logging): refused rather than stored and ignored."""


class BusOps(EventBridgeBase):
    @checked
    async def create_event_bus(self, ctx: RequestContext, params: Params) -> Result:
        name = str(params["Name"])
        source = params.get("EventSourceName")
        if source:
            raise not_found(f"Event source {source} does not exist.")
        for member in _UNSERVED:
            if params.get(member):
                raise not_implemented(f"CreateEventBus with {member}")
        if "/" in name:
            raise validation("Event bus name must not contain '/'.")
        ref = BusRef(ctx.account_id, ctx.region, name)
        if name == DEFAULT_BUS:
            raise already_exists(f"Event bus {name} already exists.")
        now = self.clock.now()
        description = str(params.get("Description") or "")
        record = BusRecord(
            name, ref.arn, ctx.account_id, now, now, description, "", tag_dict(params)
        )
        try:
            await self.meta.commit([Put(BUSES, ref.key, record.encode(), ABSENT)])
        except ConditionFailed:
            raise already_exists(f"Event bus {name} already exists.") from None
        out: Result = {"EventBusArn": ref.arn}
        if description:
            out["Description"] = description
        return out

    @checked
    async def delete_event_bus(self, ctx: RequestContext, params: Params) -> Result:
        name = str(params["Name"])
        if name == DEFAULT_BUS:
            raise validation("Cannot delete event bus default.")
        ref = BusRef(ctx.account_id, ctx.region, name)
        ops: list[Any] = []
        async for key, _ in self.scan_items(RULES, ref.key + "/"):
            ops += [Delete(RULES, key), Delete(SCHEDULED, key)]
            ops += [Delete(TARGETS, k) async for k, _ in self.scan_items(TARGETS, key + "/")]
        ops.append(Delete(BUSES, ref.key))
        await self.meta.commit(ops)
        return {}

    @checked
    async def describe_event_bus(self, ctx: RequestContext, params: Params) -> Result:
        _, bus = await self.bus_named(ctx, params.get("Name"))
        return describe(bus)

    @checked
    async def list_event_buses(self, ctx: RequestContext, params: Params) -> Result:
        prefix = str(params.get("NamePrefix") or "")
        limit = int(params.get("Limit") or PAGE)
        after = _after(params.get("NextToken"))
        base = f"{ctx.account_id}/{ctx.region}/"
        buses: list[BusRecord] = []
        async for value in self.scan(BUSES, base + prefix, base + after if after else ""):
            buses.append(BusRecord.decode(value))
            if len(buses) > limit:
                break
        default = BusRef(ctx.account_id, ctx.region, DEFAULT_BUS)
        wanted = DEFAULT_BUS.startswith(prefix) and after < DEFAULT_BUS
        if wanted and all(b.name != DEFAULT_BUS for b in buses):
            found = await self.find_bus(default)
            if found is not None:
                buses.append(found)
                buses.sort(key=lambda b: b.name)
        page, more = buses[:limit], len(buses) > limit
        out: Result = {"EventBuses": [listed(b) for b in page]}
        if more:
            out["NextToken"] = opaque_token(page[-1].name)
        return out


def _after(token: Any) -> str:
    if not token:
        return ""
    text = token_text(str(token))
    if text is None:
        raise bad_token()
    return text


def listed(bus: BusRecord) -> dict[str, Any]:
    out: dict[str, Any] = {"Name": bus.name, "Arn": bus.arn}
    if bus.description:
        out["Description"] = bus.description
    if bus.policy:
        out["Policy"] = bus.policy
    if bus.created:
        out["CreationTime"] = bus.created
        out["LastModifiedTime"] = bus.modified
    return out


def describe(bus: BusRecord) -> dict[str, Any]:
    return listed(bus)
