"""Delivering the queued jobs (ingest.py) to their targets, through the events bus as
EventBridge's service principal for the rule (aws:SourceArn = the rule's ARN), so a target's
resource policy must let events.amazonaws.com deliver, as on AWS.

Every process that shares the queue takes jobs off it. A delivery that fails is retried with
exponential back-off and jitter (the message comes back after the delay: its receive count is
the attempt count) until the target's RetryPolicy runs out (MaximumRetryAttempts, default 185;
MaximumEventAgeInSeconds, default 86400); then, or at once for a failure a retry cannot mend
(no permission, no such target), the event goes to the target's DeadLetterConfig queue with
AWS's attributes RULE_ARN, TARGET_ARN, ERROR_CODE, ERROR_MESSAGE (and EXHAUSTED_RETRY_CONDITION,
RETRY_ATTEMPTS once retried), or is dropped without one. A job is deleted only once it is
delivered or given up, so a crash at any point loses nothing (a delivery may then be repeated).
"""

from __future__ import annotations

import json
import logging
import random
from collections.abc import Awaitable, Callable
from typing import Any

import msgspec

from ownstack.core.clock import Clock
from ownstack.events.bus import Delivery, DeliveryFailed, Sender, arn_service
from ownstack.events.taker import QueueTaker
from ownstack.ports.queues import QueueSpec, QueueStore, Received

from .ingest import QUEUE, DeliveryJob, iso_time
from .transform import Matched, target_input

log = logging.getLogger("ownstack.events")

SERVICE_PRINCIPAL = "events.amazonaws.com"
DEFAULT_RETRIES = 185
DEFAULT_MAX_AGE = 86400
FIRST_DELAY_S, LONGEST_DELAY_S = 1.0, 300.0
VISIBILITY_S = 10.0
"""How long a taken job stays taken (renewed while its delivery runs): one whose taker died is
taken again after it."""
RETENTION_S = DEFAULT_MAX_AGE + 3600.0
WAIT_S = 5.0
FINAL = frozenset({"NO_PERMISSIONS", "NO_RESOURCE"})
"""Failures a retry does not mend (AWS sends them to the DLQ at once)."""
Deliver = Callable[[Delivery], Awaitable[None]]


def error_code(failed: DeliveryFailed) -> str:
    """AWS's DLQ ERROR_CODE for a failed delivery."""
    if failed.missing:
        return "NO_RESOURCE"
    text = failed.reason.lower()
    if "not allowed" in text or "not authorized" in text or "access denied" in text:
        return "NO_PERMISSIONS"
    if "does not exist" in text or "not found" in text or "no service delivers" in text:
        return "NO_RESOURCE"
    return "SDK_CLIENT_ERROR"


def retry_delay(retry: int) -> float:
    """Exponential back-off with jitter before the `retry`-th retry (1-based)."""
    ceiling = min(LONGEST_DELAY_S, FIRST_DELAY_S * 2 ** (retry - 1))
    return random.uniform(ceiling / 2, ceiling)


class Dispatcher:
    def __init__(self, queue: QueueStore, clock: Clock, deliver: Deliver, workers: int = 16):
        self.queue = queue
        self.clock = clock
        self._deliver = deliver
        self._taker = QueueTaker(
            queue,
            QUEUE,
            self._handle,
            workers=workers,
            visibility=VISIBILITY_S,
            wait=WAIT_S,
            label="events",
        )

    async def open(self) -> None:
        await self.queue.create(QUEUE, QueueSpec(fifo=True, retention=RETENTION_S))

    def start(self) -> None:
        self._taker.start()

    async def stop(self) -> None:
        await self._taker.stop()

    async def _handle(self, message: Received) -> float | None:
        job = msgspec.json.decode(message.body, type=DeliveryJob)
        return await self._process(job, message.receive_count - 1)

    async def _process(self, job: DeliveryJob, retries_made: int) -> float | None:
        """Deliver `job`; the delay before trying again, or None when it is done with."""
        policy = job.target.get("RetryPolicy") or {}
        max_retries = int(policy.get("MaximumRetryAttempts", DEFAULT_RETRIES))
        max_age = int(policy.get("MaximumEventAgeInSeconds", DEFAULT_MAX_AGE))
        age = self.clock.now() - job.first_at
        if age > max_age:
            await self._give_up(
                job,
                "TIMEOUT",
                "The event is older than the target allows.",
                retries_made,
                "MaximumEventAgeInSeconds",
            )
            return None
        delivery = delivery_of(job)
        if delivery is None:  # the target's InputPath or template made nothing of the event
            log.info(
                "EventBridge: nothing to deliver to %s for %s", job.target["Arn"], job.rule_arn
            )
            return None
        try:
            await self._deliver(delivery)
            return None
        except DeliveryFailed as failed:
            code, reason = error_code(failed), failed.reason
        if code in FINAL:
            await self._give_up(job, code, reason, retries_made, None)
            return None
        if retries_made >= max_retries:
            await self._give_up(job, code, reason, retries_made, "MaximumRetryAttempts")
            return None
        delay = retry_delay(retries_made + 1)
        if age + delay > max_age:
            await self._give_up(job, code, reason, retries_made, "MaximumEventAgeInSeconds")
            return None
        return delay

    async def _give_up(
        self, job: DeliveryJob, code: str, reason: str, retries: int, exhausted: str | None
    ) -> None:
        target = str(job.target["Arn"])
        dead_letter = (job.target.get("DeadLetterConfig") or {}).get("Arn")
        log.warning("EventBridge gave up delivering to %s for %s: %s", target, job.rule_arn, reason)
        if not dead_letter:
            return
        attributes: dict[str, dict[str, Any]] = {
            "RULE_ARN": _text(job.rule_arn),
            "TARGET_ARN": _text(target),
            "ERROR_CODE": _text(code),
            "ERROR_MESSAGE": _text(reason),
        }
        if exhausted is not None:
            attributes["EXHAUSTED_RETRY_CONDITION"] = _text(exhausted)
            attributes["RETRY_ATTEMPTS"] = {"DataType": "Number", "StringValue": str(retries)}
        sender = Sender(SERVICE_PRINCIPAL, job.rule_arn, job.account)
        try:
            await self._deliver(Delivery(str(dead_letter), job.event, attributes, sender=sender))
        except DeliveryFailed as exc:
            log.warning("EventBridge dead-letter queue: %s", exc)


def delivery_of(job: DeliveryJob) -> Delivery | None:
    """What the target of `job` is handed (None: nothing, an empty input)."""
    target = job.target
    arn = str(target["Arn"])
    service = arn_service(arn)
    event = json.loads(job.event)
    matched = Matched(event, job.event, job.rule_arn, job.rule_name, _ingested(job))
    body = job.event if service == "events" else target_input(target, matched)
    if not body:
        return None
    if service == "lambda" and not _is_json(body):
        body = json.dumps(body)
    group = (target.get("SqsParameters") or {}).get("MessageGroupId")
    own_bus = service == "events" and arn.split(":")[4] == job.account
    sender = None if own_bus else Sender(SERVICE_PRINCIPAL, job.rule_arn, job.account)
    dedup = job.event_id if group else None
    return Delivery(arn, body, group=group, dedup_id=dedup, sender=sender)


def _ingested(job: DeliveryJob) -> str:
    return iso_time(job.first_at)


def _is_json(text: str) -> bool:
    try:
        json.loads(text)
    except ValueError:
        return False
    return True


def _text(value: str) -> dict[str, str]:
    return {"DataType": "String", "StringValue": value}
