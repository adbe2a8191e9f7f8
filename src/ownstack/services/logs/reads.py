"""GetLogEvents: a stream's events in timestamp order, a page at a time, forward or backward.

Without a token, startFromHead picks the oldest events (true) or the newest (false, the
default); a token carries its own direction (tokens.py). Each page is in ascending order and
answers both tokens: nextForwardToken after its last event, nextBackwardToken before its first;
a page that found nothing answers the token it was given (AWS: "If you have reached the end of
the stream, it returns the same token you passed in"). Events older than the group's retention
are never answered, whether or not the sweep has removed them yet.
"""

from __future__ import annotations

from typing import Any

from ownstack.core.context import RequestContext
from ownstack.core.service import Params, Result
from ownstack.ports.logs import LogRecord

from .base import LogsBase
from .records import GroupRecord, StreamRecord
from .tokens import (
    BACKWARD,
    FORWARD,
    START,
    after_event,
    before_event,
    parse_stream_token,
    stream_token,
)
from .validate import Problems

MAX_EVENTS = 10_000
MAX_BYTES = 1_048_576
EVENT_OVERHEAD = 26


class ReadOps(LogsBase):
    async def get_log_events(self, ctx: RequestContext, params: Params) -> Result:
        _check(params)
        group = await self.group(ctx, params)
        stream = await self.stream(group, params["logStreamName"])
        token: str | None = params.get("nextToken")
        if token is not None:
            direction, place = parse_stream_token(token)
        else:
            direction = FORWARD if params.get("startFromHead") else BACKWARD
            place = None
        limit: int = params.get("limit") or MAX_EVENTS
        page = await self._page(group, stream, params, direction, place, limit)
        return _answer(page, direction, place)

    async def _page(
        self,
        group: GroupRecord,
        stream: StreamRecord,
        params: Params,
        direction: str,
        place: tuple[int, int] | None,
        limit: int,
    ) -> list[LogRecord]:
        kept_from = self.kept_from_ms(group)
        start = params.get("startTime")
        key_from = start if kept_from is None else max(start or 0, kept_from)
        forward = direction == FORWARD
        after = None
        if place is not None:
            # The event just after a forward place, or just before a backward one's next.
            after = (place[0], stream.shard, place[1] if forward else place[1] + 1)
        found = await self.logs.scan(
            group.log,
            shards=[stream.shard],
            key_from=key_from,
            key_to=params.get("endTime"),
            after=after,
            descending=not forward,
            limit=limit,
        )
        found = _within_size(found)
        return found if forward else found[::-1]


def _within_size(records: list[LogRecord]) -> list[LogRecord]:
    """The leading records (in reading order) whose events fit in one 1 MB answer."""
    total = 0
    for index, record in enumerate(records):
        total += len(record.data) + EVENT_OVERHEAD
        if total > MAX_BYTES:
            return records[: max(index, 1)]
    return records


def _answer(page: list[LogRecord], direction: str, place: tuple[int, int] | None) -> Result:
    events: list[dict[str, Any]] = [
        {
            "timestamp": r.key,
            "message": r.data.decode("utf-8", "replace"),
            "ingestionTime": int(r.appended * 1000),
        }
        for r in page
    ]
    if page:
        forward, backward = after_event(page[-1]), before_event(page[0])
    else:
        forward = backward = place if place is not None else START
    return {
        "events": events,
        "nextForwardToken": stream_token(FORWARD, forward),
        "nextBackwardToken": stream_token(BACKWARD, backward),
    }


def _check(params: Params) -> None:
    problems = Problems()
    problems.group_name(params)
    problems.length(params, "logGroupIdentifier", 1, 2048)
    problems.stream_name(params)
    problems.number(params, "startTime", 0)
    problems.number(params, "endTime", 0)
    problems.number(params, "limit", 1, MAX_EVENTS)
    problems.length(params, "nextToken", 1)
    problems.raise_any()
