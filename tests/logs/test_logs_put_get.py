"""PutLogEvents' rules and GetLogEvents' pages and tokens, on every log engine."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.config import Config
from botocore.exceptions import ClientError
from logskit import DAY_MS, error_of, make_stream, messages, now_ms, put, unique

ZEROS = "0" * 56
HOUR_MS = 3_600_000


def test_events_are_read_back_in_timestamp_order(logs: Any) -> None:
    group, stream = make_stream(logs)
    now = now_ms()
    put(logs, group, stream, (now - 300, "third"), (now - 100, "fifth"))
    put(logs, group, stream, (now - 500, "first"), (now - 400, "second"), (now - 200, "fourth"))
    got = logs.get_log_events(logGroupName=group, logStreamName=stream, startFromHead=True)
    assert messages(got["events"]) == ["first", "second", "third", "fourth", "fifth"]
    assert [e["timestamp"] for e in got["events"]] == [
        now - 500,
        now - 400,
        now - 300,
        now - 200,
        now - 100,
    ]
    assert all(abs(e["ingestionTime"] - now) < 10_000 for e in got["events"])


def test_messages_keep_every_character(logs: Any) -> None:
    group, stream = make_stream(logs)
    texts = ["ünïcødé ✓ \U0001f600", "tab\tand\nnewline", '{"json": [1, 2]}', "x" * 5000]
    put(logs, group, stream, *[(now_ms(), t) for t in texts])
    got = logs.get_log_events(logGroupName=group, logStreamName=stream, startFromHead=True)
    assert messages(got["events"]) == texts


def test_an_empty_stream_answers_start_tokens_that_later_find_new_events(logs: Any) -> None:
    group, stream = make_stream(logs)
    empty = logs.get_log_events(logGroupName=group, logStreamName=stream)
    assert empty["events"] == []
    assert empty["nextForwardToken"] == f"f/{ZEROS}/s"
    assert empty["nextBackwardToken"] == f"b/{ZEROS}/s"
    put(logs, group, stream, (now_ms(), "arrived"))
    later = logs.get_log_events(
        logGroupName=group, logStreamName=stream, nextToken=empty["nextForwardToken"]
    )
    assert messages(later["events"]) == ["arrived"]


def test_reading_forward_page_by_page_ends_on_the_token_it_was_given(logs: Any) -> None:
    group, stream = make_stream(logs)
    now = now_ms()
    put(logs, group, stream, *[(now - 100 + i, f"m{i}") for i in range(7)])
    seen: list[str] = []
    page = logs.get_log_events(
        logGroupName=group, logStreamName=stream, startFromHead=True, limit=3
    )
    while page["events"]:
        seen += messages(page["events"])
        token = page["nextForwardToken"]
        page = logs.get_log_events(
            logGroupName=group, logStreamName=stream, startFromHead=True, nextToken=token, limit=3
        )
    assert seen == [f"m{i}" for i in range(7)]
    assert page["nextForwardToken"] == token  # the end: the same token again
    put(logs, group, stream, (now, "m7"))
    more = logs.get_log_events(logGroupName=group, logStreamName=stream, nextToken=token)
    assert messages(more["events"]) == ["m7"]


def test_by_default_the_newest_events_come_first_and_backward_tokens_go_back(logs: Any) -> None:
    group, stream = make_stream(logs)
    now = now_ms()
    put(logs, group, stream, *[(now - 100 + i, f"m{i}") for i in range(7)])
    last = logs.get_log_events(logGroupName=group, logStreamName=stream, limit=3)
    assert messages(last["events"]) == ["m4", "m5", "m6"]  # the newest, in ascending order
    before = logs.get_log_events(
        logGroupName=group, logStreamName=stream, limit=3, nextToken=last["nextBackwardToken"]
    )
    assert messages(before["events"]) == ["m1", "m2", "m3"]
    first = logs.get_log_events(
        logGroupName=group, logStreamName=stream, limit=3, nextToken=before["nextBackwardToken"]
    )
    assert messages(first["events"]) == ["m0"]
    end = logs.get_log_events(
        logGroupName=group, logStreamName=stream, limit=3, nextToken=first["nextBackwardToken"]
    )
    assert end["events"] == []
    assert end["nextBackwardToken"] == first["nextBackwardToken"]
    # And forward again from there.
    again = logs.get_log_events(
        logGroupName=group, logStreamName=stream, limit=2, nextToken=end["nextForwardToken"]
    )
    assert messages(again["events"]) == ["m0", "m1"]


def test_tokens_have_aws_shape(logs: Any) -> None:
    group, stream = make_stream(logs)
    put(logs, group, stream, (now_ms(), "x"))
    page = logs.get_log_events(logGroupName=group, logStreamName=stream)
    for key, prefix in (("nextForwardToken", "f/"), ("nextBackwardToken", "b/")):
        token = page[key]
        assert token.startswith(prefix) and token.endswith("/s") and len(token) == 60
        assert token[2:58].isdigit()


def test_a_time_range_includes_its_start_and_excludes_its_end(logs: Any) -> None:
    group, stream = make_stream(logs)
    now = now_ms()
    put(logs, group, stream, *[(now - 50 + i * 10, f"t{i}") for i in range(5)])
    got = logs.get_log_events(
        logGroupName=group,
        logStreamName=stream,
        startTime=now - 40,
        endTime=now - 20,
        startFromHead=True,
    )
    assert messages(got["events"]) == ["t1", "t2"]


def test_a_bad_token_is_refused(logs: Any) -> None:
    group, stream = make_stream(logs)
    with pytest.raises(ClientError) as exc:
        logs.get_log_events(logGroupName=group, logStreamName=stream, nextToken="f/123")
    assert error_of(exc) == (
        "InvalidParameterException",
        "The specified nextToken is invalid.",
        400,
    )


def test_reading_needs_the_group_and_the_stream(logs: Any) -> None:
    group, _ = make_stream(logs)
    with pytest.raises(ClientError) as exc:
        logs.get_log_events(logGroupName=unique("/none"), logStreamName="s")
    assert error_of(exc) == (
        "ResourceNotFoundException",
        "The specified log group does not exist.",
        400,
    )
    with pytest.raises(ClientError) as exc:
        logs.get_log_events(logGroupName=group, logStreamName="other")
    assert error_of(exc) == (
        "ResourceNotFoundException",
        "The specified log stream does not exist.",
        400,
    )
    with pytest.raises(ClientError) as exc:
        put(logs, group, "other", (now_ms(), "x"))
    assert error_of(exc)[1] == "The specified log stream does not exist."


def test_events_in_one_call_must_be_in_chronological_order(logs: Any) -> None:
    group, stream = make_stream(logs)
    now = now_ms()
    with pytest.raises(ClientError) as exc:
        put(logs, group, stream, (now, "b"), (now - 1, "a"))
    assert error_of(exc) == (
        "InvalidParameterException",
        "Log events in a single PutLogEvents request must be in chronological order.",
        400,
    )
    assert logs.get_log_events(logGroupName=group, logStreamName=stream)["events"] == []


def test_a_batch_weighs_at_most_1_mib_counting_26_bytes_an_event(logs: Any) -> None:
    group, stream = make_stream(logs)
    now = now_ms()
    fits = "x" * (1_048_576 - 26 - 2 * 27 - 2) + "é"  # "é" is two bytes
    put(logs, group, stream, (now, fits), (now, "a"), (now, "b"))
    with pytest.raises(ClientError) as exc:
        put(logs, group, stream, (now, fits + "y"), (now, "a"), (now, "b"))
    assert error_of(exc) == (
        "InvalidParameterException",
        "Upload too large: 1048577 bytes exceeds limit of 1048576",
        400,
    )


def test_at_most_10000_events_a_call(logs_server: Any) -> None:
    logs = logs_server.client("logs", config=Config(parameter_validation=False))
    group, stream = make_stream(logs)
    now = now_ms()
    put(logs, group, stream, *[(now, "e")] * 10_000)
    with pytest.raises(ClientError) as exc:
        put(logs, group, stream, *[(now, "e")] * 10_001)
    assert error_of(exc) == (
        "InvalidParameterException",
        "1 validation error detected: Value at 'logEvents' failed to satisfy constraint:"
        " Member must have length less than or equal to 10000",
        400,
    )


def test_too_old_too_new_and_expired_events_are_rejected_and_the_rest_kept(logs: Any) -> None:
    group, stream = make_stream(logs)
    logs.put_retention_policy(logGroupName=group, retentionInDays=7)
    now = now_ms()
    result = put(
        logs,
        group,
        stream,
        (now - 15 * DAY_MS, "too old"),
        (now - 8 * DAY_MS, "expired"),
        (now - 8 * DAY_MS + 1, "expired too"),
        (now - 1000, "kept"),
        (now + HOUR_MS, "kept, in the future"),
        (now + 3 * HOUR_MS, "too new"),
        (now + 4 * HOUR_MS, "too new too"),
    )
    assert result["rejectedLogEventsInfo"] == {
        "tooOldLogEventEndIndex": 0,
        "expiredLogEventEndIndex": 2,
        "tooNewLogEventStartIndex": 5,
    }
    got = logs.get_log_events(logGroupName=group, logStreamName=stream, startFromHead=True)
    assert messages(got["events"]) == ["kept", "kept, in the future"]


def test_kept_events_may_not_span_more_than_24_hours(logs: Any) -> None:
    group, stream = make_stream(logs)
    now = now_ms()
    with pytest.raises(ClientError) as exc:
        put(logs, group, stream, (now - DAY_MS - 2, "a"), (now - 1, "b"))
    assert error_of(exc) == (
        "InvalidParameterException",
        "The batch of log events in a single PutLogEvents request cannot span more than 24 hours.",
        400,
    )
    # Events rejected for their age do not count in the span.
    result = put(logs, group, stream, (now - 20 * DAY_MS, "old"), (now - 1, "b"))
    assert result["rejectedLogEventsInfo"] == {"tooOldLogEventEndIndex": 0}


def test_the_sequence_token_is_ignored_and_a_next_one_answered(logs: Any) -> None:
    group, stream = make_stream(logs)
    first = logs.put_log_events(
        logGroupName=group,
        logStreamName=stream,
        logEvents=[
            {"timestamp": now_ms(), "message": "a"},
            {"timestamp": now_ms(), "message": "b"},
        ],
        sequenceToken="anything-at-all",
    )
    assert first["nextSequenceToken"] == "2".zfill(56)
    assert "rejectedLogEventsInfo" not in first
    second = put(logs, group, stream, (now_ms(), "c"))
    assert second["nextSequenceToken"] == "3".zfill(56)


def test_entities_are_refused(logs: Any) -> None:
    group, stream = make_stream(logs)
    with pytest.raises(ClientError) as exc:
        logs.put_log_events(
            logGroupName=group,
            logStreamName=stream,
            logEvents=[{"timestamp": now_ms(), "message": "a"}],
            entity={"keyAttributes": {"Type": "Service", "Name": "x", "Environment": "e"}},
        )
    assert error_of(exc) == (
        "NotImplemented",
        "Entities (PutLogEvents' entity) are not implemented by ownstack.",
        501,
    )
