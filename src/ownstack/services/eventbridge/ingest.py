"""From an event on a bus to its deliveries: the bus's enabled rules whose patterns match it,
and one delivery job per target of each, sent to the queue port in one durable commit (the
caller's). Matching happens here, when the event arrives, against the rules as they are then;
delivery.py takes the jobs off the queue.

The queue is FIFO only for its deduplication: each job is its own message group (no job waits
for another) and its deduplication id names the event, the rule and the target, so sending an
event's jobs again (a bus-to-bus delivery retried, a scheduled tick fired again by a process
that took over) enqueues nothing new within SQS's five minutes.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

import msgspec

from ownstack.core.errors import ServiceError
from ownstack.events.pattern_match import Fields, json_fields, matches
from ownstack.ports.queues import NewMessage

from .base import EventBridgeBase
from .names import BusRef
from .records import RuleRecord
from .rule_patterns import compiled

log = logging.getLogger("ownstack.events")

QUEUE = "eventbridge-deliveries"
"""The queue port id of the deliveries waiting to be made (SQS's ids are uuid hex: no clash)."""


class DeliveryJob(msgspec.Struct, frozen=True):
    event: str
    """The event as JSON text."""
    event_id: str
    rule_arn: str
    rule_name: str
    account: str
    """The rule's account (deliveries are made for it)."""
    target: dict[str, Any]
    first_at: float
    """When the event was matched: its age for the target's MaximumEventAgeInSeconds."""


def iso_time(moment: float) -> str:
    return datetime.fromtimestamp(moment, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def event_text(event: Mapping[str, Any]) -> str:
    return json.dumps(event, separators=(",", ":"), ensure_ascii=False)


class IngestOps(EventBridgeBase):
    async def matched_jobs(
        self, ref: BusRef, event: Mapping[str, Any], now: float
    ) -> list[NewMessage]:
        """The jobs of every enabled rule of bus `ref` whose pattern matches `event`."""
        fields = json_fields(event)
        text = event_text(event)
        jobs: list[NewMessage] = []
        async for rule in self.bus_rules(ref):
            if rule.enabled and rule.pattern and _matches(rule, fields):
                jobs += await self.rule_jobs(ref, rule, str(event["id"]), text, now)
        return jobs

    async def rule_jobs(
        self, ref: BusRef, rule: RuleRecord, event_id: str, text: str, now: float
    ) -> list[NewMessage]:
        """One job per target of `rule` for the event `text`."""
        jobs: list[NewMessage] = []
        for stored in await self.rule_targets(ref.rule_key(rule.name)):
            target = stored.target
            job = DeliveryJob(text, event_id, rule.arn, rule.name, rule.account, target, now)
            dedup = hashlib.sha256(f"{event_id}|{rule.arn}|{target['Id']}".encode()).hexdigest()
            body = msgspec.json.encode(job).decode()
            jobs.append(NewMessage(body=body, group=dedup, dedup_id=dedup))
        return jobs


def _matches(rule: RuleRecord, fields: Fields) -> bool:
    try:
        return matches(compiled(rule.pattern), fields)
    except ServiceError:  # stored by an older version that took it: it matches nothing
        log.warning("rule %s has a pattern that does not parse", rule.arn)
        return False
