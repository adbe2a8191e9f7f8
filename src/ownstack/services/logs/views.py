"""Log groups and streams as DescribeLogGroups / DescribeLogStreams answer them."""

from __future__ import annotations

from typing import Any

from ownstack.ports.logs import ShardStats

from .records import GroupRecord, StreamRecord, stream_arn

TOKEN_DIGITS = 56


def group_view(group: GroupRecord, stored_bytes: int, *, brief: bool = False) -> dict[str, Any]:
    """`arn` ends with `:*` (what IAM policies name), `logGroupArn` does not (what tagging and
    logGroupIdentifier take). `brief`: only arn, creationTime and logGroupName, as AWS answers
    a logGroupNamePattern search."""
    view: dict[str, Any] = {
        "logGroupName": group.name,
        "creationTime": int(group.created * 1000),
        "arn": f"{group.arn}:*",
    }
    if brief:
        return view
    if group.retention_days is not None:
        view["retentionInDays"] = group.retention_days
    view["metricFilterCount"] = 0
    view["storedBytes"] = stored_bytes
    view["logGroupClass"] = group.log_class
    view["logGroupArn"] = group.arn
    return view


def stream_view(
    group: GroupRecord, stream: StreamRecord, stats: ShardStats | None
) -> dict[str, Any]:
    """storedBytes is always 0 for streams (AWS stopped reporting it in 2019); the event times
    are there once the stream holds events."""
    view: dict[str, Any] = {
        "logStreamName": stream.name,
        "creationTime": int(stream.created * 1000),
        "arn": stream_arn(group, stream.name),
        "storedBytes": 0,
    }
    if stats is None:
        return view
    if stats.first_key is not None and stats.last_key is not None:
        view["firstEventTimestamp"] = stats.first_key
        view["lastEventTimestamp"] = stats.last_key
    if stats.last_offset:
        view["lastIngestionTime"] = int(stats.last_appended * 1000)
        view["uploadSequenceToken"] = sequence_token(stats.last_offset)
    return view


def sequence_token(last_offset: int) -> str:
    """The legacy sequence token: PutLogEvents ignores it now, but still answers one."""
    return f"{last_offset:0{TOKEN_DIGITS}d}"
