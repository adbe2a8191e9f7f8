"""State and lookups every EventBridge operation module shares. The operation modules are
mixins over `EventBridgeBase`; `EventBridgeService` (service.py) composes them."""

from __future__ import annotations

from collections.abc import AsyncIterator

from ownstack.core.access import ResourceFacts
from ownstack.core.clock import Clock
from ownstack.core.context import RequestContext
from ownstack.events.bus import EventBus
from ownstack.ports.meta import MetaStore, prefix_end
from ownstack.ports.queues import QueueStore

from .bus_policy import effective_policy
from .errors import bus_not_found, rule_not_found
from .names import DEFAULT_BUS, BusRef, bus_ref, parse_bus_arn, parse_rule_arn
from .records import BUSES, RULES, TARGETS, BusRecord, RuleRecord, TargetRecord

_SCAN_CHUNK = 1000


class EventBridgeBase:
    def __init__(
        self, meta: MetaStore, queue: QueueStore, bus: EventBus, clock: Clock, region: str
    ) -> None:
        self.meta = meta
        self.queue = queue
        self.bus = bus
        self.clock = clock
        self.region = region

    async def find_bus(self, ref: BusRef) -> BusRecord | None:
        """The bus `ref` names; the default bus always exists (a record made on the fly when it
        has none of its own)."""
        found = await self.meta.get(BUSES, ref.key)
        if found is not None:
            return BusRecord.decode(found.value)
        if ref.name == DEFAULT_BUS:
            return BusRecord(DEFAULT_BUS, ref.arn, ref.account, 0.0, 0.0)
        return None

    async def bus_named(self, ctx: RequestContext, name: str | None) -> tuple[BusRef, BusRecord]:
        """The caller's bus an EventBusName member names; ResourceNotFoundException."""
        ref = bus_ref(ctx, name)
        found = await self.find_bus(ref) if self._reachable(ctx, ref) else None
        if found is None:
            raise bus_not_found(ref.name)
        return ref, found

    async def rule_named(
        self, ctx: RequestContext, name: str, bus: str | None
    ) -> tuple[BusRef, RuleRecord]:
        ref, _ = await self.bus_named(ctx, bus)
        found = await self.meta.get(RULES, ref.rule_key(name))
        if found is None:
            raise rule_not_found(name, ref.name)
        return ref, RuleRecord.decode(found.value)

    @staticmethod
    def _reachable(ctx: RequestContext, ref: BusRef) -> bool:
        return ref.region == ctx.region and ctx.may_use(ref.account)

    async def bus_rules(self, ref: BusRef, start: str = "") -> AsyncIterator[RuleRecord]:
        async for value in self.scan(RULES, ref.key + "/", start):
            yield RuleRecord.decode(value)

    async def rule_targets(self, rule_key: str) -> list[TargetRecord]:
        return [TargetRecord.decode(v) async for v in self.scan(TARGETS, rule_key + "/")]

    async def scan(self, ns: str, prefix: str, after: str = "") -> AsyncIterator[bytes]:
        """Values of the keys starting with `prefix`, after `after` (exclusive)."""
        async for _, value in self.scan_items(ns, prefix, after):
            yield value

    async def scan_items(
        self, ns: str, prefix: str, after: str = ""
    ) -> AsyncIterator[tuple[str, bytes]]:
        cursor = after + "\x00" if after else prefix
        end = prefix_end(prefix)
        while True:
            page = await self.meta.scan(ns, start=cursor, end=end, limit=_SCAN_CHUNK)
            for record in page:
                yield record.key, record.value
            if len(page) < _SCAN_CHUNK:
                return
            cursor = page[-1].key + "\x00"

    async def resource_facts(self, ctx: RequestContext, arn: str) -> ResourceFacts | None:
        """Owner, policy and tags of the bus or rule `arn` names, for the gateway's checks
        (a bus's policy is what lets other accounts, or services, put events on it)."""
        bus = parse_bus_arn(arn)
        if bus is not None:
            found = await self.find_bus(bus)
            if found is None:
                return None
            return ResourceFacts(found.account, effective_policy(found), found.tags)
        rule = parse_rule_arn(arn)
        if rule is None:
            return None
        raw = await self.meta.get(RULES, rule[0].rule_key(rule[1]))
        if raw is None:
            return None
        record = RuleRecord.decode(raw.value)
        return ResourceFacts(record.account, "", record.tags)
