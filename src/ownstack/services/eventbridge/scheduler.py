"""Scheduled rules: one process at a time (under a lease) looks, every second, for the
scheduled rules whose latest tick is due and sends the rule's targets one "Scheduled Event"
for it.

Each rule's last fired tick is kept (records.ScheduleRecord), written with a compare-and-set
after the tick's deliveries are durably queued. A tick is fired once: a process that dies
between the two, or loses the lease, leaves the tick to its successor, whose deliveries
deduplicate against the first ones (ingest.py: same event id, rule and target). A tick missed
while no process ran (a restart) is fired once, as the latest due tick; the ticks before it
are skipped. A disabled rule's ticks pass without firing. `rate_minute_s` (the app sets it from
limits.eventbridge.minute_s) is how long a rate()'s minute lasts: 60 s, as on AWS, by default."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable

from ownstack.ports.errors import ConditionFailed
from ownstack.ports.meta import Put
from ownstack.ports.queues import NewMessage

from .ingest import QUEUE, IngestOps, event_text, iso_time
from .names import parse_rule_arn
from .records import RULES, SCHEDULED, RuleRecord, ScheduleRecord
from .schedule import MINUTE_S, latest_tick

log = logging.getLogger("ownstack.events")
INTERVAL_S = 1.0
LEASE = "events:scheduler"


class SchedulerOps(IngestOps):
    rate_minute_s = MINUTE_S
    """Seconds a minute of a rate() expression lasts (limits.eventbridge.minute_s)."""

    async def fire_due(self, held: Callable[[], bool]) -> int:
        """Fire every due tick while `held()`; how many were fired."""
        fired = 0
        now = self.clock.now()
        async for key, _ in self.scan_items(SCHEDULED, ""):
            if not held():
                break
            found = await self.meta.get(SCHEDULED, key)
            if found is None:
                continue
            record = ScheduleRecord.decode(found.value)
            try:
                tick = latest_tick(
                    record.expression, record.anchor, record.last, now, self.rate_minute_s
                )
            except ValueError:
                continue
            if tick is None:
                continue
            if await self._fire(key, tick):
                fired += 1
            record.last = tick
            try:
                await self.meta.commit([Put(SCHEDULED, key, record.encode(), found.version)])
            except ConditionFailed:
                continue  # the schedule changed meanwhile: its new record decides
        return fired

    async def _fire(self, key: str, tick: float) -> bool:
        found = await self.meta.get(RULES, key)
        if found is None:
            return False
        rule = RuleRecord.decode(found.value)
        parsed = parse_rule_arn(rule.arn)
        if not rule.enabled or parsed is None:
            return False
        ref = parsed[0]
        event_id = str(uuid.uuid5(uuid.NAMESPACE_URL, f"{rule.arn}#{tick}"))
        event = {
            "version": "0",
            "id": event_id,
            "detail-type": "Scheduled Event",
            "source": "aws.events",
            "account": rule.account,
            "time": iso_time(tick),
            "region": ref.region,
            "resources": [rule.arn],
            "detail": {},
        }
        jobs: list[NewMessage] = await self.rule_jobs(
            ref, rule, event_id, event_text(event), self.clock.now()
        )
        if jobs:
            await self.queue.send(QUEUE, jobs)
        return True
