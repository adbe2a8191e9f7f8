"""PutEvents and the events bus's handler for deliveries to an event bus ARN (S3's EventBridge
notifications, Lambda destinations, other buses' rules).

Limits (EventBridge User Guide, "Calculating PutEvents event entry size"): at most 10 entries
and 256 KB in total, an entry weighing the UTF-8 bytes of its Source, DetailType, Detail and
Resources, plus 14 for a Time. An entry that is refused gets ErrorCode and ErrorMessage in its
place of the answer; the others are accepted. PutEvents answers once the deliveries of the
accepted events are durable on the queue port."""

from __future__ import annotations

import json
import uuid
from datetime import datetime
from typing import Any

from ownstack.core.context import RequestContext
from ownstack.core.errors import not_implemented
from ownstack.core.service import Params, Result
from ownstack.events.bus import Delivery, DeliveryFailed
from ownstack.ports.queues import NewMessage

from .errors import validation
from .ingest import QUEUE, IngestOps, iso_time
from .names import bus_ref, parse_bus_arn
from .validate import checked

MAX_REQUEST_BYTES = 256 * 1024
EVENT_KEYS = (
    "version",
    "id",
    "detail-type",
    "source",
    "account",
    "time",
    "region",
    "resources",
    "detail",
)
TIME_BYTES = 14


def entry_size(entry: dict[str, Any]) -> int:
    size = TIME_BYTES if entry.get("Time") is not None else 0
    for member in ("Source", "DetailType", "Detail"):
        size += len(str(entry.get(member) or "").encode())
    size += sum(len(str(r).encode()) for r in entry.get("Resources") or [])
    return size


def entry_problem(entry: dict[str, Any]) -> tuple[str, str] | None:
    """(ErrorCode, ErrorMessage) of an entry PutEvents refuses, or None."""
    for member in ("Source", "DetailType", "Detail"):
        if not entry.get(member):
            return (
                "InvalidArgument",
                f"Parameter {member} is not valid. Reason: {member} is a required argument.",
            )
    try:
        detail = json.loads(str(entry["Detail"]))
    except ValueError:
        detail = None
    if not isinstance(detail, dict):
        return ("MalformedDetail", "Detail is malformed.")
    if str(entry["Source"]).startswith("aws."):
        return ("NotAuthorizedForSourceException", "Not authorized for the source.")
    return None


class PutEventsOps(IngestOps):
    @checked
    async def put_events(self, ctx: RequestContext, params: Params) -> Result:
        if params.get("EndpointId"):
            raise not_implemented("PutEvents to a global endpoint (EndpointId)")
        entries: list[dict[str, Any]] = list(params["Entries"])
        if sum(entry_size(e) for e in entries) > MAX_REQUEST_BYTES:
            raise validation("Total size of the entries in the request is over the limit.")
        now = self.clock.now()
        answers: list[dict[str, str]] = []
        jobs: list[NewMessage] = []
        for entry in entries:
            answer = await self._accept(ctx, entry, now, jobs)
            answers.append(answer)
        if jobs:
            await self.queue.send(QUEUE, jobs)
        failed = sum(1 for a in answers if "ErrorCode" in a)
        return {"FailedEntryCount": failed, "Entries": answers}

    async def _accept(
        self, ctx: RequestContext, entry: dict[str, Any], now: float, jobs: list[NewMessage]
    ) -> dict[str, str]:
        problem = entry_problem(entry)
        if problem is not None:
            return {"ErrorCode": problem[0], "ErrorMessage": problem[1]}
        ref = bus_ref(ctx, entry.get("EventBusName"))
        reachable = ref.region == ctx.region and ctx.may_use(ref.account)
        if not reachable or await self.find_bus(ref) is None:
            return {
                "ErrorCode": "ResourceNotFoundException",
                "ErrorMessage": f"Event bus {ref.name} does not exist.",
            }
        event = {
            "version": "0",
            "id": str(uuid.uuid4()),
            "detail-type": str(entry["DetailType"]),
            "source": str(entry["Source"]),
            "account": ctx.account_id,
            "time": _event_time(entry.get("Time"), now),
            "region": ctx.region,
            "resources": [str(r) for r in entry.get("Resources") or []],
            "detail": json.loads(str(entry["Detail"])),
        }
        jobs += await self.matched_jobs(ref, event, now)
        return {"EventId": event["id"]}

    async def deliver(self, delivery: Delivery) -> None:
        """The events layer's handler for arn:aws:events:...:event-bus/... targets: the body
        is one event (version, id, detail-type, source, account, time, region, resources,
        detail; the missing ones filled in), matched against the bus's rules and durably
        queued for their targets when this returns. Raises DeliveryFailed."""
        ref = parse_bus_arn(delivery.target)
        if ref is None or await self.find_bus(ref) is None:
            raise DeliveryFailed(delivery.target, "the event bus does not exist", missing=True)
        try:
            event = json.loads(delivery.body)
        except ValueError:
            event = None
        if not isinstance(event, dict) or not event.get("source") or not event.get("detail-type"):
            raise DeliveryFailed(delivery.target, "the body is not an event")
        now = self.clock.now()
        defaults: dict[str, Any] = {
            "version": "0",
            "id": str(uuid.uuid4()),
            "account": ref.account,
            "time": iso_time(now),
            "region": ref.region,
            "resources": [],
            "detail": {},
        }
        completed = {key: event.get(key, defaults.get(key)) for key in EVENT_KEYS}
        completed.update(event)
        jobs = await self.matched_jobs(ref, completed, now)
        if jobs:
            await self.queue.send(QUEUE, jobs)


def _event_time(value: Any, now: float) -> str:
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%dT%H:%M:%SZ")
    return iso_time(now)
