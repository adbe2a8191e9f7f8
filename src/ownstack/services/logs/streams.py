"""Log streams: CreateLogStream, DeleteLogStream, DescribeLogStreams."""

from __future__ import annotations

from typing import Any

from ownstack.core.context import RequestContext
from ownstack.core.service import Params, Result
from ownstack.core.tokens import opaque_token, token_text
from ownstack.ports.errors import ConditionFailed
from ownstack.ports.meta import ABSENT, Check, Op, Put, pages, prefix_end

from .base import LogsBase
from .errors import bad_token, group_not_found, invalid_parameter, stream_exists, stream_not_found
from .records import (
    GROUPS,
    STREAMS,
    GoneRecord,
    GroupRecord,
    StreamRecord,
    group_key,
    new_serial,
    stream_key,
)
from .validate import Problems
from .views import stream_view

DEFAULT_LIMIT = 50
_SCAN = 500
ORDERS = ("LogStreamName", "LastEventTime")


class StreamOps(LogsBase):
    async def create_log_stream(self, ctx: RequestContext, params: Params) -> Result:
        problems = Problems()
        problems.group_name(params)
        problems.stream_name(params)
        problems.raise_any()
        key = group_key(ctx.region, ctx.account_id, params["logGroupName"])
        found = await self.meta.get(GROUPS, key)
        if found is None:
            raise group_not_found()
        group = GroupRecord.decode(found.value)
        name: str = params["logStreamName"]
        stream = StreamRecord(name=name, created=self.clock.now(), serial=new_serial())
        ops: list[Op] = [
            Check(GROUPS, key, expect=found.version),  # the group is still this group
            Put(STREAMS, stream_key(group.id, name), stream.encode(), expect=ABSENT),
        ]
        try:
            await self.meta.commit(ops)
        except ConditionFailed as exc:
            raise (group_not_found() if exc.index == 0 else stream_exists()) from None
        return {}

    async def delete_log_stream(self, ctx: RequestContext, params: Params) -> Result:
        problems = Problems()
        problems.group_name(params)
        problems.stream_name(params)
        problems.raise_any()
        group = await self.group_named(ctx, params["logGroupName"])
        key = stream_key(group.id, params["logStreamName"])
        found = await self.meta.get(STREAMS, key)
        if found is None:
            raise stream_not_found()
        stream = StreamRecord.decode(found.value)
        gone = GoneRecord(group.log, shard=stream.shard)
        await self.retire(STREAMS, found, gone, stream_not_found)
        await self.logs.delete_shard(group.log, stream.shard)
        return {}

    async def describe_log_streams(self, ctx: RequestContext, params: Params) -> Result:
        _check(params)
        group = await self.group(ctx, params)
        limit: int = params.get("limit") or DEFAULT_LIMIT
        descending = bool(params.get("descending"))
        if params.get("orderBy") == "LastEventTime":
            return await self._by_last_event(group, params.get("nextToken"), limit, descending)
        prefix = params.get("logStreamNamePrefix") or ""
        base = stream_key(group.id, "")
        after = _resume(params.get("nextToken"), base)
        streams = await self._named(base, base + prefix, after, limit + 1, descending)
        page, more = streams[:limit], len(streams) > limit
        result: dict[str, Any] = {"logStreams": await self._views(group, page)}
        if more:
            result["nextToken"] = opaque_token(stream_key(group.id, page[-1].name))
        return result

    async def _named(
        self, base: str, start: str, after: str | None, count: int, descending: bool
    ) -> list[StreamRecord]:
        """Up to `count` streams whose keys start with `start`, in name order (or reverse),
        after the key `after` (in that order)."""
        low, high = start, prefix_end(start)
        if after is not None and descending:
            high = after if high is None else min(high, after)
        elif after is not None:
            low = max(low, after + "\0")
        page = await self.meta.scan(STREAMS, start=low, end=high, limit=count, reverse=descending)
        return [StreamRecord.decode(record.value) for record in page]

    async def _by_last_event(
        self, group: GroupRecord, token: str | None, limit: int, descending: bool
    ) -> Result:
        """Every stream, ordered by its last event's time (streams without events first), then
        name; the token is the (time, name) of the last one answered."""
        base = stream_key(group.id, "")
        streams = [
            StreamRecord.decode(r.value)
            async for page in pages(self.meta, STREAMS, start=base, end=prefix_end(base))
            for r in page
        ]
        stats = {s.shard: s for s in await self.logs.shard_stats(group.log)}

        def order(stream: StreamRecord) -> tuple[int, str]:
            found = stats.get(stream.shard)
            last = found.last_key if found is not None and found.last_key is not None else -1
            return last, stream.name

        ranked = sorted(streams, key=order, reverse=descending)
        if token is not None:
            after = _last_event_position(token)
            ranked = [s for s in ranked if (order(s) < after if descending else order(s) > after)]
        page = ranked[:limit]
        result: dict[str, Any] = {"logStreams": await self._views(group, page, stats)}
        if len(ranked) > limit:
            last, name = order(page[-1])
            result["nextToken"] = opaque_token(f"{last}/{name}")
        return result

    async def _views(
        self, group: GroupRecord, streams: list[StreamRecord], stats: dict[str, Any] | None = None
    ) -> list[dict[str, Any]]:
        if stats is None and streams:
            found = await self.logs.shard_stats(group.log, [s.shard for s in streams])
            stats = {s.shard: s for s in found}
        return [stream_view(group, s, (stats or {}).get(s.shard)) for s in streams]


def _check(params: Params) -> None:
    problems = Problems()
    problems.group_name(params)
    problems.length(params, "logGroupIdentifier", 1, 2048)
    problems.stream_name(params, "logStreamNamePrefix")
    problems.enum(params, "orderBy", ORDERS)
    problems.number(params, "limit", 1, 50)
    problems.length(params, "nextToken", 1)
    problems.raise_any()
    if params.get("orderBy") == "LastEventTime" and params.get("logStreamNamePrefix"):
        raise invalid_parameter("Cannot order by LastEventTime with a logStreamNamePrefix.")


def _resume(token: str | None, base: str) -> str | None:
    if token is None:
        return None
    key = token_text(token)
    if key is None or not key.startswith(base):
        raise bad_token()
    return key


def _last_event_position(token: str) -> tuple[int, str]:
    text = token_text(token) or ""
    last, _, name = text.partition("/")
    try:
        return int(last), name
    except ValueError:
        raise bad_token() from None
