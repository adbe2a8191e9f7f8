"""The events layer's handler for log stream ARNs: how other services (Lambda: a function's
output) write log events without importing this one."""

from __future__ import annotations

import json
import secrets
from typing import Any

from ownstack.events.bus import Delivery, DeliveryFailed
from ownstack.ports.errors import ConditionFailed
from ownstack.ports.meta import ABSENT, Put

from .put import EVENT_OVERHEAD, MAX_BATCH_BYTES, MAX_EVENTS, PutOps
from .records import (
    GROUPS,
    STREAMS,
    GroupRecord,
    StreamRecord,
    group_key,
    new_serial,
    parse_stream_arn,
    stream_key,
)
from .validate import GROUP_NAME, NAME_MAX, STREAM_NAME


class DeliverOps(PutOps):
    async def deliver(self, delivery: Delivery) -> None:
        """Append log events to a log stream, creating its group and the stream first when
        they do not exist (as AWS Lambda does for its functions' logs). Durable when it
        returns. The contract:

        - `delivery.target`: the stream's ARN,
          `arn:aws:logs:<region>:<account>:log-group:<group>:log-stream:<stream>`
          (e.g. group `/aws/lambda/<function>`, stream `2026/01/31/[$LATEST]<hex id>`);
          names follow CreateLogGroup's and CreateLogStream's rules.
        - `delivery.body`: a JSON list of `{"timestamp": <ms since the epoch, int >= 0>,
          "message": <non-empty str>}`, in any order (reads order events by timestamp), at
          most 10,000 events and 1,048,576 bytes (each message's UTF-8 bytes + 26), as one
          PutLogEvents call. More must be split into several deliveries.
        - `delivery.dedup_id` (optional): makes the delivery idempotent: delivering the same
          dedup_id and body to the same stream again appends nothing more. Without it, each
          delivery appends.
        - `attributes` and `group` are not used.
        - A group created here has no retention and class STANDARD; events older than an
          existing group's retention are stored but never read, and swept away.

        Raises DeliveryFailed (bad ARN, bad body, over the limits) with the reason."""
        target = delivery.target
        parsed = parse_stream_arn(target)
        if parsed is None or not _valid_names(parsed[2], parsed[3]):
            raise DeliveryFailed(target, "the target is not a valid log stream ARN")
        events = _events(target, delivery.body)
        region, account, group_name, stream_name = parsed
        group = await self._ensure_group(target, region, account, group_name)
        stream = await self._ensure_stream(group, stream_name)
        base = f"d/{delivery.dedup_id}" if delivery.dedup_id else secrets.token_hex(8)
        await self.append_events(group, stream, events, [f"{base}/{i}" for i in range(len(events))])

    async def _ensure_group(self, target: str, region: str, account: str, name: str) -> GroupRecord:
        for _ in range(3):
            found = await self.find_group(region, account, name)
            if found is not None:
                return found
            group = GroupRecord(name, region, account, secrets.token_hex(16), self.clock.now())
            try:
                put = Put(GROUPS, group_key(region, account, name), group.encode(), ABSENT)
                await self.meta.commit([put])
                return group
            except ConditionFailed:
                continue  # made (and maybe deleted) meanwhile: look again
        raise DeliveryFailed(target, "the log group kept changing; try again")

    async def _ensure_stream(self, group: GroupRecord, name: str) -> StreamRecord:
        found = await self.find_stream(group, name)
        if found is not None:
            return found
        stream = StreamRecord(name=name, created=self.clock.now(), serial=new_serial())
        try:
            put = Put(STREAMS, stream_key(group.id, name), stream.encode(), ABSENT)
            await self.meta.commit([put])
            return stream
        except ConditionFailed:
            return await self.stream(group, name)


def _valid_names(group: str, stream: str) -> bool:
    return (
        0 < len(group) <= NAME_MAX
        and 0 < len(stream) <= NAME_MAX
        and GROUP_NAME.fullmatch(group) is not None
        and STREAM_NAME.fullmatch(stream) is not None
    )


def _events(target: str, body: str) -> list[tuple[int, str]]:
    try:
        raw: Any = json.loads(body)
    except ValueError as exc:
        raise DeliveryFailed(target, f"the body is not JSON: {exc}") from exc
    if not isinstance(raw, list) or len(raw) > MAX_EVENTS:
        raise DeliveryFailed(target, f"the body must be a list of at most {MAX_EVENTS} events")
    events: list[tuple[int, str]] = []
    size = 0
    for item in raw:
        stamp = item.get("timestamp") if isinstance(item, dict) else None
        message = item.get("message") if isinstance(item, dict) else None
        if type(stamp) is not int or stamp < 0 or stamp >= 2**63:
            raise DeliveryFailed(target, "each event needs a timestamp: ms since the epoch")
        if not isinstance(message, str) or not message:
            raise DeliveryFailed(target, "each event needs a non-empty message")
        try:
            size += len(message.encode("utf-8")) + EVENT_OVERHEAD
        except UnicodeEncodeError as exc:
            raise DeliveryFailed(target, "a message is not valid Unicode") from exc
        events.append((stamp, message))
    if size > MAX_BATCH_BYTES:
        raise DeliveryFailed(target, f"the events weigh {size} bytes, over {MAX_BATCH_BYTES}")
    return events
