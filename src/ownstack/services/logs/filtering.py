"""FilterLogEvents: the events of a group's streams (all, named, or by name prefix) merged in
timestamp order, within a time range, that match a filter pattern (pattern/), a page at a
time.

A page ends when it holds `limit` events or 1 MB, or when this call has read SCAN_BUDGET
events without filling it (a rare pattern over a long range): then the page may be short, even
empty, and still carry a nextToken, as AWS's pages may. No nextToken means the range is read to
its end, which is what `aws logs tail --follow` waits for before it polls again. The token is
the position (timestamp, shard, offset) the read stopped at. searchedLogStreams is empty, as
AWS answers it since 2020.
"""

from __future__ import annotations

from typing import Any

from ownstack.core.context import RequestContext
from ownstack.core.service import Params, Result
from ownstack.ports.logs import LogRecord, Position

from .base import LogsBase
from .errors import invalid_parameter
from .pattern import MAX_LENGTH, Matcher, PatternError, compile_pattern
from .records import STREAMS, GroupRecord, StreamRecord, stream_key
from .tokens import event_id, filter_token, parse_filter_token
from .validate import Problems

MAX_EVENTS = 10_000
MAX_BYTES = 1_048_576
EVENT_OVERHEAD = 26
SCAN_BUDGET = 50_000
_BATCH = 1_000


class FilterOps(LogsBase):
    async def filter_log_events(self, ctx: RequestContext, params: Params) -> Result:
        _check(params)
        group = await self.group(ctx, params)
        try:
            matches = compile_pattern(params.get("filterPattern") or "")
        except PatternError as exc:
            raise invalid_parameter(f"Invalid filter pattern: {exc.detail}") from None
        names: list[str] | None = params.get("logStreamNames")
        shards = None if names is None else await self._shards_of(group, names)
        reader = _Reader(self, group, params, shards, matches)
        token = params.get("nextToken")
        after = parse_filter_token(token) if token is not None else None
        events, stopped = await reader.read(after, params.get("limit") or MAX_EVENTS)
        result: dict[str, Any] = {"events": events, "searchedLogStreams": []}
        if stopped is not None:
            result["nextToken"] = filter_token(stopped)
        return result

    async def _shards_of(self, group: GroupRecord, names: list[str]) -> list[str]:
        """The shards of the named streams that exist (the others have no events to find)."""
        found = [await self.find_stream(group, name) for name in dict.fromkeys(names)]
        return [stream.shard for stream in found if stream is not None]

    async def live(self, group: GroupRecord, shard: str) -> bool:
        """Whether `shard` is a current stream's (not one deleted whose events are going)."""
        name, _, serial = shard.rpartition(":")
        found = await self.meta.get(STREAMS, stream_key(group.id, name))
        return found is not None and str(StreamRecord.decode(found.value).serial) == serial


class _Reader:
    """One call's read: batches of the merged scan, filtered, until the page is full."""

    def __init__(
        self,
        ops: FilterOps,
        group: GroupRecord,
        params: Params,
        shards: list[str] | None,
        matches: Matcher,
    ) -> None:
        self._ops, self._group, self._matches, self._shards = ops, group, matches, shards
        self._prefix: str = params.get("logStreamNamePrefix") or ""
        kept_from = ops.kept_from_ms(group)
        start = params.get("startTime")
        self._from = start if kept_from is None else max(start or 0, kept_from)
        self._to: int | None = None if params.get("endTime") is None else params["endTime"] + 1
        self._live: dict[str, bool] = {}

    async def read(
        self, after: Position | None, limit: int
    ) -> tuple[list[dict[str, Any]], Position | None]:
        """The page's events, and where to go on from (None: the range is read to its end)."""
        events: list[dict[str, Any]] = []
        size = scanned = 0
        while scanned < SCAN_BUDGET:
            batch = await self._batch(after)
            for record in batch:
                scanned += 1
                after = record.position
                if not await self._wanted(record):
                    continue
                size += len(record.data) + EVENT_OVERHEAD
                if events and size > MAX_BYTES:
                    return events, _before(record)
                events.append(_event(record))
                if len(events) == limit:
                    return events, after if await self._more(after) else None
            if len(batch) < _BATCH:
                return events, None
        return events, after

    async def _batch(self, after: Position | None, limit: int = _BATCH) -> list[LogRecord]:
        return await self._ops.logs.scan(
            self._group.log,
            shards=self._shards,
            shard_prefix=self._prefix,
            key_from=self._from,
            key_to=self._to,
            after=after,
            limit=limit,
        )

    async def _wanted(self, record: LogRecord) -> bool:
        if not self._matches(record.data.decode("utf-8", "replace")):
            return False
        live = self._live.get(record.shard)
        if live is None:
            live = self._live[record.shard] = await self._ops.live(self._group, record.shard)
        return live

    async def _more(self, after: Position) -> bool:
        return bool(await self._batch(after, limit=1))


def _before(record: LogRecord) -> Position:
    """The position just before `record` (the next page starts with it)."""
    return record.key, record.shard, record.offset - 1


def _event(record: LogRecord) -> dict[str, Any]:
    return {
        "logStreamName": record.shard.rpartition(":")[0],
        "timestamp": record.key,
        "message": record.data.decode("utf-8", "replace"),
        "ingestionTime": int(record.appended * 1000),
        "eventId": event_id(record),
    }


def _check(params: Params) -> None:
    problems = Problems()
    problems.group_name(params)
    problems.length(params, "logGroupIdentifier", 1, 2048)
    problems.length(params, "logStreamNames", 1, 100)
    for index, name in enumerate(params.get("logStreamNames") or (), start=1):
        problems.stream_name({"name": name}, "name", at=f"logStreamNames.{index}.member")
    problems.stream_name(params, "logStreamNamePrefix")
    problems.number(params, "startTime", 0)
    problems.number(params, "endTime", 0)
    problems.length(params, "filterPattern", 0, MAX_LENGTH)
    problems.number(params, "limit", 1, MAX_EVENTS)
    problems.length(params, "nextToken", 1)
    problems.raise_any()
    if params.get("logStreamNames") is not None and params.get("logStreamNamePrefix"):
        raise invalid_parameter(
            "logStreamNames and logStreamNamePrefix are mutually exclusive parameters."
        )
