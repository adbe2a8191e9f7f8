"""FilterLogEvents on every log engine: streams merged in time order, stream selection, time
ranges, filter patterns, pages and tokens."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError
from logskit import error_of, messages, now_ms, put, unique


@pytest.fixture
def three(logs: Any) -> tuple[str, int]:
    """A group with streams app-1, app-2 and web, events interleaved in time."""
    group = unique()
    logs.create_log_group(logGroupName=group)
    for stream in ("app-1", "app-2", "web"):
        logs.create_log_stream(logGroupName=group, logStreamName=stream)
    now = now_ms() - 10_000
    put(logs, group, "app-1", (now + 1, "ERROR one"), (now + 4, "INFO four"))
    put(logs, group, "app-2", (now + 2, "WARN two"), (now + 5, "ERROR five"))
    put(logs, group, "web", (now + 3, "GET /index.html 200"), (now + 6, "GET /x 404"))
    return group, now


def test_events_of_all_streams_come_merged_in_time_order(logs: Any, three: tuple[str, int]) -> None:
    group, now = three
    got = logs.filter_log_events(logGroupName=group)
    assert [(e["logStreamName"], e["timestamp"], e["message"]) for e in got["events"]] == [
        ("app-1", now + 1, "ERROR one"),
        ("app-2", now + 2, "WARN two"),
        ("web", now + 3, "GET /index.html 200"),
        ("app-1", now + 4, "INFO four"),
        ("app-2", now + 5, "ERROR five"),
        ("web", now + 6, "GET /x 404"),
    ]
    assert got["searchedLogStreams"] == []
    assert "nextToken" not in got
    ids = [e["eventId"] for e in got["events"]]
    assert len(set(ids)) == 6 and all(len(i) == 56 and i.isdigit() for i in ids)
    assert ids == sorted(ids)
    assert all(abs(e["ingestionTime"] - now_ms()) < 20_000 for e in got["events"])


def test_streams_are_chosen_by_name_or_prefix(logs: Any, three: tuple[str, int]) -> None:
    group, _ = three
    named = logs.filter_log_events(logGroupName=group, logStreamNames=["web", "app-2", "none"])
    assert messages(named["events"]) == [
        "WARN two",
        "GET /index.html 200",
        "ERROR five",
        "GET /x 404",
    ]
    prefixed = logs.filter_log_events(logGroupName=group, logStreamNamePrefix="app-")
    assert messages(prefixed["events"]) == ["ERROR one", "WARN two", "INFO four", "ERROR five"]
    assert logs.filter_log_events(logGroupName=group, logStreamNames=["none"])["events"] == []
    with pytest.raises(ClientError) as exc:
        logs.filter_log_events(logGroupName=group, logStreamNames=["web"], logStreamNamePrefix="a")
    assert error_of(exc) == (
        "InvalidParameterException",
        "logStreamNames and logStreamNamePrefix are mutually exclusive parameters.",
        400,
    )


def test_a_time_range_includes_both_its_ends(logs: Any, three: tuple[str, int]) -> None:
    group, now = three
    got = logs.filter_log_events(logGroupName=group, startTime=now + 2, endTime=now + 4)
    assert messages(got["events"]) == ["WARN two", "GET /index.html 200", "INFO four"]


@pytest.mark.parametrize(
    ("pattern", "expected"),
    [
        ("ERROR", ["ERROR one", "ERROR five"]),
        ("ERROR -five", ["ERROR one"]),
        ("?WARN ?INFO", ["WARN two", "INFO four"]),
        ('"GET /x"', ["GET /x 404"]),
        ("%[0-9]{3}$%", ["GET /index.html 200", "GET /x 404"]),
        ("[method, path, status = 4*]", ["GET /x 404"]),
        ("[level = ERROR, ...]", ["ERROR one", "ERROR five"]),
        (
            "",
            [
                "ERROR one",
                "WARN two",
                "GET /index.html 200",
                "INFO four",
                "ERROR five",
                "GET /x 404",
            ],
        ),
    ],
)
def test_filter_patterns_pick_events(
    logs: Any, three: tuple[str, int], pattern: str, expected: list[str]
) -> None:
    group, _ = three
    got = logs.filter_log_events(logGroupName=group, filterPattern=pattern)
    assert messages(got["events"]) == expected


def test_json_patterns_read_json_messages(logs: Any) -> None:
    group = unique()
    logs.create_log_group(logGroupName=group)
    logs.create_log_stream(logGroupName=group, logStreamName="s")
    now = now_ms()
    docs = [
        '{"level": "ERROR", "latency": 812, "user": {"id": 7}}',
        '{"level": "INFO", "latency": 20, "user": {"id": 8}}',
        '{"level": "ERROR", "latency": 90, "user": null}',
        "not json at all ERROR",
    ]
    put(logs, group, "s", *[(now, d) for d in docs])

    def found(pattern: str) -> list[str]:
        return messages(logs.filter_log_events(logGroupName=group, filterPattern=pattern)["events"])

    assert found('{ $.level = "ERROR" && $.latency > 500 }') == [docs[0]]
    assert found("{ $.user IS NULL }") == [docs[2]]
    assert found("{ $.user.id != 7 }") == [docs[1]]
    assert found('{ $.level = "ERR*" || $.latency <= 20 }') == docs[:3]
    assert found("{ $.missing NOT EXISTS }") == docs[:3]


def test_a_bad_pattern_is_refused(logs: Any, three: tuple[str, int]) -> None:
    group, _ = three
    with pytest.raises(ClientError) as exc:
        logs.filter_log_events(logGroupName=group, filterPattern='{ $.a > "x" }')
    assert error_of(exc) == (
        "InvalidParameterException",
        "Invalid filter pattern: > compares numbers, not 'x'",
        400,
    )


def test_pages_of_a_limit_see_every_event_once_and_end_without_a_token(
    logs: Any, three: tuple[str, int]
) -> None:
    group, _ = three
    seen: list[str] = []
    kwargs: dict[str, Any] = {"logGroupName": group, "limit": 4, "filterPattern": "-WARN"}
    while True:
        page = logs.filter_log_events(**kwargs)
        assert len(page["events"]) <= 4
        seen += messages(page["events"])
        if "nextToken" not in page:
            break
        kwargs["nextToken"] = page["nextToken"]
    assert seen == ["ERROR one", "GET /index.html 200", "INFO four", "ERROR five", "GET /x 404"]
    exact = logs.filter_log_events(logGroupName=group, limit=6)
    assert len(exact["events"]) == 6 and "nextToken" not in exact  # nothing more: no token
    paged = logs.get_paginator("filter_log_events").paginate(
        logGroupName=group, PaginationConfig={"PageSize": 2}
    )
    assert [m for page in paged for m in messages(page["events"])] == [
        "ERROR one",
        "WARN two",
        "GET /index.html 200",
        "INFO four",
        "ERROR five",
        "GET /x 404",
    ]


def test_a_page_holds_at_most_1_mib(logs: Any) -> None:
    group = unique()
    logs.create_log_group(logGroupName=group)
    logs.create_log_stream(logGroupName=group, logStreamName="s")
    now = now_ms()
    big = "b" * 400_000
    for i in range(3):
        put(logs, group, "s", (now + i, f"{i}{big}"))
    first = logs.filter_log_events(logGroupName=group)
    assert [m[0] for m in messages(first["events"])] == ["0", "1"]
    rest = logs.filter_log_events(logGroupName=group, nextToken=first["nextToken"])
    assert [m[0] for m in messages(rest["events"])] == ["2"]
    assert "nextToken" not in rest


def test_a_bad_token_is_refused(logs: Any, three: tuple[str, int]) -> None:
    group, _ = three
    with pytest.raises(ClientError) as exc:
        logs.filter_log_events(logGroupName=group, nextToken="bm90IGEgdG9rZW4=")
    assert error_of(exc) == (
        "InvalidParameterException",
        "The specified nextToken is invalid.",
        400,
    )
