"""Log streams through a real server: CreateLogStream, DescribeLogStreams (name and last-event
order, prefixes, pages), DeleteLogStream."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError
from logskit import error_of, make_stream, now_ms, put, unique

ACCOUNT = "123456789012"
REGION = "us-east-1"


def names(response: dict[str, Any]) -> list[str]:
    return [s["logStreamName"] for s in response["logStreams"]]


def test_a_new_stream_is_described_without_event_times(cwl: Any) -> None:
    group, stream = make_stream(cwl, stream="2026/01/31/[$LATEST]abc")
    (found,) = cwl.describe_log_streams(logGroupName=group)["logStreams"]
    assert isinstance(found.pop("creationTime"), int)
    assert found == {
        "logStreamName": stream,
        "arn": f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:{group}:log-stream:{stream}",
        "storedBytes": 0,
    }


def test_a_stream_with_events_tells_their_times(cwl: Any) -> None:
    group, stream = make_stream(cwl)
    now = now_ms()
    put(cwl, group, stream, (now - 5000, "a"), (now - 1000, "b"))
    put(cwl, group, stream, (now - 9000, "c"))
    (found,) = cwl.describe_log_streams(logGroupName=group)["logStreams"]
    assert found["firstEventTimestamp"] == now - 9000
    assert found["lastEventTimestamp"] == now - 1000
    assert abs(found["lastIngestionTime"] - now_ms()) < 10_000
    assert found["uploadSequenceToken"] == "3".zfill(56)
    assert found["storedBytes"] == 0  # AWS stopped counting streams' bytes in 2019


def test_creating_a_stream_needs_its_group_and_a_new_name(cwl: Any) -> None:
    group, stream = make_stream(cwl)
    with pytest.raises(ClientError) as exc:
        cwl.create_log_stream(logGroupName=group, logStreamName=stream)
    assert error_of(exc) == (
        "ResourceAlreadyExistsException",
        "The specified log stream already exists",
        400,
    )
    with pytest.raises(ClientError) as exc:
        cwl.create_log_stream(logGroupName=unique("/none"), logStreamName="s")
    assert error_of(exc) == (
        "ResourceNotFoundException",
        "The specified log group does not exist.",
        400,
    )
    with pytest.raises(ClientError) as exc:
        cwl.create_log_stream(logGroupName=group, logStreamName="a:b")
    assert error_of(exc) == (
        "InvalidParameterException",
        "1 validation error detected: Value 'a:b' at 'logStreamName' failed to satisfy"
        " constraint: Member must satisfy regular expression pattern: [^:*]*",
        400,
    )


def test_streams_are_listed_by_name_forward_backward_by_prefix_and_page(cwl: Any) -> None:
    group = unique()
    cwl.create_log_group(logGroupName=group)
    all_names = ["a-1", "a-2", "a-3", "b-1", "b/2", "c"]
    for name in reversed(all_names):
        cwl.create_log_stream(logGroupName=group, logStreamName=name)
    assert names(cwl.describe_log_streams(logGroupName=group)) == all_names
    assert names(cwl.describe_log_streams(logGroupName=group, descending=True)) == all_names[::-1]
    assert names(cwl.describe_log_streams(logGroupName=group, logStreamNamePrefix="a-")) == [
        "a-1",
        "a-2",
        "a-3",
    ]
    first = cwl.describe_log_streams(logGroupName=group, limit=4, descending=True)
    assert names(first) == ["c", "b/2", "b-1", "a-3"]
    rest = cwl.describe_log_streams(
        logGroupName=group, limit=4, descending=True, nextToken=first["nextToken"]
    )
    assert names(rest) == ["a-2", "a-1"]
    assert "nextToken" not in rest
    pages = cwl.get_paginator("describe_log_streams").paginate(
        logGroupName=group, PaginationConfig={"PageSize": 2}
    )
    assert [n for page in pages for n in names(page)] == all_names


def test_streams_are_listed_by_last_event_time(cwl: Any) -> None:
    group = unique()
    cwl.create_log_group(logGroupName=group)
    now = now_ms()
    for name, offset in (("old", 3000), ("new", 1000), ("mid", 2000), ("empty", None)):
        cwl.create_log_stream(logGroupName=group, logStreamName=name)
        if offset is not None:
            put(cwl, group, name, (now - offset, name))
    ordered = cwl.describe_log_streams(logGroupName=group, orderBy="LastEventTime")
    assert names(ordered) == ["empty", "old", "mid", "new"]
    newest = cwl.describe_log_streams(
        logGroupName=group, orderBy="LastEventTime", descending=True, limit=2
    )
    assert names(newest) == ["new", "mid"]
    after = cwl.describe_log_streams(
        logGroupName=group,
        orderBy="LastEventTime",
        descending=True,
        limit=2,
        nextToken=newest["nextToken"],
    )
    assert names(after) == ["old", "empty"]
    with pytest.raises(ClientError) as exc:
        cwl.describe_log_streams(
            logGroupName=group, orderBy="LastEventTime", logStreamNamePrefix="a"
        )
    assert error_of(exc) == (
        "InvalidParameterException",
        "Cannot order by LastEventTime with a logStreamNamePrefix.",
        400,
    )


def test_a_group_is_named_by_name_or_identifier_but_not_both(cwl: Any) -> None:
    group, _ = make_stream(cwl)
    arn = f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:{group}"
    assert names(cwl.describe_log_streams(logGroupIdentifier=arn)) == ["s"]
    assert names(cwl.describe_log_streams(logGroupIdentifier=group)) == ["s"]
    with pytest.raises(ClientError) as exc:
        cwl.describe_log_streams(logGroupName=group, logGroupIdentifier=arn)
    assert error_of(exc) == (
        "InvalidParameterException",
        "LogGroup name and LogGroup ARN are mutually exclusive parameters.",
        400,
    )
    with pytest.raises(ClientError) as exc:
        cwl.describe_log_streams(logGroupName=unique("/none"))
    assert error_of(exc)[0] == "ResourceNotFoundException"


def test_a_deleted_stream_is_gone_with_its_events(cwl: Any) -> None:
    group, stream = make_stream(cwl)
    put(cwl, group, stream, (now_ms(), "old event"))
    cwl.delete_log_stream(logGroupName=group, logStreamName=stream)
    assert names(cwl.describe_log_streams(logGroupName=group)) == []
    with pytest.raises(ClientError) as exc:
        cwl.delete_log_stream(logGroupName=group, logStreamName=stream)
    assert error_of(exc) == (
        "ResourceNotFoundException",
        "The specified log stream does not exist.",
        400,
    )
    with pytest.raises(ClientError) as exc:
        cwl.get_log_events(logGroupName=group, logStreamName=stream)
    assert error_of(exc)[1] == "The specified log stream does not exist."
    cwl.create_log_stream(logGroupName=group, logStreamName=stream)
    assert cwl.get_log_events(logGroupName=group, logStreamName=stream)["events"] == []
    assert cwl.filter_log_events(logGroupName=group)["events"] == []
