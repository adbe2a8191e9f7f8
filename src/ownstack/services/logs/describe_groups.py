"""DescribeLogGroups: the caller's groups in name order, by prefix, substring pattern, class or
identifiers, a page at a time (nextToken: the last key answered)."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from typing import Any

from ownstack.core.context import RequestContext
from ownstack.core.errors import ServiceError
from ownstack.core.service import Params, Result
from ownstack.core.tokens import opaque_token, token_text
from ownstack.ports.meta import prefix_end

from .base import LogsBase
from .errors import bad_token, invalid_parameter
from .records import GROUPS, GroupRecord, group_key
from .validate import LOG_CLASSES, Problems
from .views import group_view

DEFAULT_LIMIT = 50
_SCAN = 500
_PATTERN = re.compile(r"[\.\-_/#A-Za-z0-9]*")


class DescribeGroupOps(LogsBase):
    async def describe_log_groups(self, ctx: RequestContext, params: Params) -> Result:
        _check(params)
        limit = params.get("limit") or DEFAULT_LIMIT
        if params.get("logGroupIdentifiers"):
            groups = await self._identified(ctx, params["logGroupIdentifiers"])
            return {"logGroups": [await self._view(g, False) for g in groups]}
        pattern: str | None = params.get("logGroupNamePattern")
        wanted_class: str | None = params.get("logGroupClass")
        base = group_key(ctx.region, ctx.account_id, "")
        start = base + (params.get("logGroupNamePrefix") or "")
        after = _resume(params.get("nextToken"), base)
        found: list[GroupRecord] = []
        more = False
        async for group in self._groups(start, after):
            if pattern and pattern not in group.name:
                continue
            if wanted_class and group.log_class != wanted_class:
                continue
            if len(found) == limit:
                more = True
                break
            found.append(group)
        brief = bool(pattern)
        result: dict[str, Any] = {"logGroups": [await self._view(g, brief) for g in found]}
        if more:
            last = found[-1]
            result["nextToken"] = opaque_token(group_key(last.region, last.account_id, last.name))
        return result

    async def _groups(self, start: str, after: str | None) -> AsyncIterator[GroupRecord]:
        """Groups with keys from `start` on (those starting with it), after `after`."""
        end = prefix_end(start)
        cursor = max(start, after + "\0") if after is not None else start
        while True:
            page = await self.meta.scan(GROUPS, start=cursor, end=end, limit=_SCAN)
            for record in page:
                yield GroupRecord.decode(record.value)
            if len(page) < _SCAN:
                return
            cursor = page[-1].key + "\0"

    async def _identified(self, ctx: RequestContext, identifiers: list[str]) -> list[GroupRecord]:
        found: dict[str, GroupRecord] = {}
        for identifier in identifiers:
            try:
                group = await self.group_of_identifier(ctx, identifier)
            except ServiceError:  # one that names no group of the caller's is left out
                continue
            found[group.name] = group
        return [found[name] for name in sorted(found)]

    async def _view(self, group: GroupRecord, brief: bool) -> dict[str, Any]:
        if brief:
            return group_view(group, 0, brief=True)
        stats = await self.logs.shard_stats(group.log)
        return group_view(group, sum(s.data_bytes for s in stats))


def _check(params: Params) -> None:
    problems = Problems()
    problems.group_name(params, "logGroupNamePrefix")
    problems.length(params, "logGroupNamePattern", 0, 512)
    problems.pattern(params, "logGroupNamePattern", _PATTERN, r"[\.\-_/#A-Za-z0-9]*")
    problems.number(params, "limit", 1, 50)
    problems.enum(params, "logGroupClass", LOG_CLASSES)
    problems.length(params, "logGroupIdentifiers", 1, 50)
    problems.length(params, "nextToken", 1)
    problems.raise_any()
    if params.get("logGroupNamePrefix") and params.get("logGroupNamePattern") is not None:
        raise invalid_parameter(
            "LogGroup name prefix and LogGroup name pattern are mutually exclusive parameters."
        )
    named = params.get("logGroupNamePrefix") or params.get("logGroupNamePattern")
    if params.get("logGroupIdentifiers") and named:
        raise invalid_parameter(
            "logGroupIdentifiers cannot be used with logGroupNamePrefix or logGroupNamePattern."
        )


def _resume(token: str | None, base: str) -> str | None:
    """The key a nextToken resumes after; it must be one of the caller's group keys."""
    if token is None:
        return None
    key = token_text(token)
    if key is None or not key.startswith(base):
        raise bad_token()
    return key
