"""PutLogEvents: AWS's rules for a batch, then one append of the accepted events.
https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_PutLogEvents.html

- the events must be in chronological order, at most 10,000 of them, and weigh at most
  1,048,576 bytes (each message's UTF-8 bytes plus 26): otherwise the whole call fails;
- events more than 2 hours in the future, more than 14 days in the past, or older than the
  group's retention are rejected one by one (rejectedLogEventsInfo) and the rest are kept;
- the events kept may not span more than 24 hours: otherwise the whole call fails;
- sequenceToken is ignored, as AWS has ignored it since 2023; nextSequenceToken is answered.
"""

from __future__ import annotations

import itertools
import secrets
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from ownstack.core.context import RequestContext
from ownstack.core.service import Params, Result
from ownstack.ports.logs import Entry

from .base import DAY_MS, LogsBase
from .errors import invalid_parameter, not_implemented_setting
from .records import GroupRecord, StreamRecord
from .validate import Problems
from .views import sequence_token

MAX_EVENTS = 10_000
MAX_BATCH_BYTES = 1_048_576
EVENT_OVERHEAD = 26
FUTURE_MS = 2 * 3_600_000
PAST_MS = 14 * DAY_MS
SPAN_MS = DAY_MS


@dataclass(slots=True)
class Sorted:
    """Which events of a batch are kept and why the others are not (indexes into the batch)."""

    kept: list[int] = field(default_factory=list)
    too_old_end: int | None = None
    expired_end: int | None = None
    too_new_start: int | None = None

    def rejected(self) -> dict[str, int]:
        info = {
            "tooNewLogEventStartIndex": self.too_new_start,
            "tooOldLogEventEndIndex": self.too_old_end,
            "expiredLogEventEndIndex": self.expired_end,
        }
        return {k: v for k, v in info.items() if v is not None}


def check_batch(events: Sequence[dict[str, Any]]) -> None:
    """The rules that fail a whole batch before any event is judged."""
    stamps = [event["timestamp"] for event in events]
    if any(later < earlier for earlier, later in itertools.pairwise(stamps)):
        raise invalid_parameter(
            "Log events in a single PutLogEvents request must be in chronological order."
        )
    try:
        size = sum(len(event["message"].encode("utf-8")) + EVENT_OVERHEAD for event in events)
    except UnicodeEncodeError:
        raise invalid_parameter("Log event messages must be valid UTF-8.") from None
    if size > MAX_BATCH_BYTES:
        raise invalid_parameter(
            f"Upload too large: {size} bytes exceeds limit of {MAX_BATCH_BYTES}"
        )


def sort_batch(stamps: Sequence[int], now_ms: int, kept_from_ms: int | None) -> Sorted:
    """Judge each event's time; raises when the kept ones span more than 24 hours."""
    out = Sorted()
    for index, stamp in enumerate(stamps):
        if stamp > now_ms + FUTURE_MS:
            if out.too_new_start is None:
                out.too_new_start = index
        elif stamp < now_ms - PAST_MS:
            out.too_old_end = index
        elif kept_from_ms is not None and stamp < kept_from_ms:
            out.expired_end = index
        else:
            out.kept.append(index)
    kept = [stamps[i] for i in out.kept]
    if kept and max(kept) - min(kept) > SPAN_MS:
        raise invalid_parameter(
            "The batch of log events in a single PutLogEvents request cannot span more than"
            " 24 hours."
        )
    return out


class PutOps(LogsBase):
    async def put_log_events(self, ctx: RequestContext, params: Params) -> Result:
        _check(params)
        if params.get("entity") is not None:
            raise not_implemented_setting(
                "Entities (PutLogEvents' entity) are not implemented by ownstack."
            )
        group = await self.group_named(ctx, params["logGroupName"])
        stream = await self.stream(group, params["logStreamName"])
        events: list[dict[str, Any]] = params["logEvents"]
        check_batch(events)
        judged = sort_batch(
            [e["timestamp"] for e in events], self.now_ms(), self.kept_from_ms(group)
        )
        request = secrets.token_hex(8)
        kept = [(events[i]["timestamp"], events[i]["message"]) for i in judged.kept]
        last = await self.append_events(
            group, stream, kept, [f"{request}/{i}" for i in judged.kept]
        )
        result: dict[str, Any] = {"nextSequenceToken": sequence_token(last)}
        if judged.rejected():
            result["rejectedLogEventsInfo"] = judged.rejected()
        return result

    async def append_events(
        self,
        group: GroupRecord,
        stream: StreamRecord,
        events: Sequence[tuple[int, str]],
        ids: Sequence[str],
    ) -> int:
        """Append (timestamp, message) events to the stream, durably; the stream's last offset
        afterwards (what its sequence token is made of)."""
        if not events:
            stats = await self.logs.shard_stats(group.log, [stream.shard])
            return stats[0].last_offset if stats else 0
        entries = [
            Entry(event_id, message.encode("utf-8"), stamp)
            for (stamp, message), event_id in zip(events, ids, strict=True)
        ]
        offsets = await self.logs.append(group.log, stream.shard, entries)
        return max(offsets)


def _check(params: Params) -> None:
    problems = Problems()
    problems.group_name(params)
    problems.stream_name(params)
    problems.length(params, "logEvents", 1, MAX_EVENTS)
    problems.length(params, "sequenceToken", 1)
    for index, event in enumerate(params.get("logEvents") or (), start=1):
        problems.length(event, "message", 1, at=f"logEvents.{index}.member.message")
        problems.number(event, "timestamp", 0, at=f"logEvents.{index}.member.timestamp")
    problems.raise_any()
