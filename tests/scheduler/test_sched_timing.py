"""When schedules tick, in process: cron fields (L, W, #, names, years), time zones and
daylight saving time, rate() anchors with StartDate/EndDate, flexible window offsets."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from ownstack.services.scheduler.timing import (
    Rate,
    Timing,
    flexible_offset,
    parse_expression,
    zone_of,
)

UTC_ZONE = ZoneInfo("UTC")


def ts(text: str, zone: str = "UTC") -> float:
    return datetime.fromisoformat(text).replace(tzinfo=ZoneInfo(zone)).timestamp()


def iso(moment: float | None) -> str | None:
    if moment is None:
        return None
    return datetime.fromtimestamp(moment, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def ticks(expression: str, since: str, count: int, zone: str = "UTC") -> list[str | None]:
    timing = Timing(parse_expression(expression), zone_of(zone), anchor=ts(since))
    out: list[str | None] = []
    moment: float | None = timing.first_at_or_after(ts(since))
    for _ in range(count):
        out.append(iso(moment))
        if moment is None:
            break
        moment = timing.first_after(moment)
    return out


@pytest.mark.parametrize(
    ("expression", "since", "expected"),
    [
        (  # weekdays at noon, from a Saturday
            "cron(0 12 ? * MON-FRI *)",
            "2026-12-05T00:00:00",
            ["2026-12-07T12:00:00Z", "2026-12-08T12:00:00Z", "2026-12-09T12:00:00Z"],
        ),
        (
            "cron(0/20 8 * * ? *)",
            "2026-12-05T08:15:00",
            ["2026-12-05T08:20:00Z", "2026-12-05T08:40:00Z", "2026-12-06T08:00:00Z"],
        ),
        (  # the last day of each month
            "cron(15 10 L * ? *)",
            "2027-01-31T11:00:00",
            ["2027-02-28T10:15:00Z", "2027-03-31T10:15:00Z"],
        ),
        (  # the last Friday (6L) of each month
            "cron(0 9 ? * 6L *)",
            "2026-12-01T00:00:00",
            ["2026-12-25T09:00:00Z", "2027-01-29T09:00:00Z"],
        ),
        (  # the second Tuesday (3#2) of each month
            "cron(0 9 ? * 3#2 *)",
            "2026-12-01T00:00:00",
            ["2026-12-08T09:00:00Z", "2027-01-12T09:00:00Z"],
        ),
        (  # the weekday nearest the 15th (2027-05-15 is a Saturday: the 14th)
            "cron(0 9 15W * ? *)",
            "2027-05-01T00:00:00",
            ["2027-05-14T09:00:00Z", "2027-06-15T09:00:00Z"],
        ),
        (  # JAN,JUL by name, years 2027-2028 only
            "cron(0 0 1 JAN,JUL ? 2027-2028)",
            "2026-12-05T00:00:00",
            [
                "2027-01-01T00:00:00Z",
                "2027-07-01T00:00:00Z",
                "2028-01-01T00:00:00Z",
                "2028-07-01T00:00:00Z",
                None,
            ],
        ),
        ("at(2027-03-04T05:06:07)", "2026-01-01T00:00:00", ["2027-03-04T05:06:07Z", None]),
    ],
)
def test_ticks_of_expressions(expression: str, since: str, expected: list[str | None]) -> None:
    assert ticks(expression, since, len(expected)) == expected


def test_a_cron_in_a_time_zone_follows_its_clocks() -> None:
    # 09:30 in New York is 14:30Z in winter (EST) and 13:30Z in summer (EDT).
    assert ticks("cron(30 9 ? * WED *)", "2026-03-01T00:00:00", 2, "America/New_York") == [
        "2026-03-04T14:30:00Z",
        "2026-03-11T13:30:00Z",
    ]


def test_the_skipped_hour_has_no_tick_and_the_repeated_hour_one() -> None:
    # 2026-03-08 02:30 does not exist in New York (clocks go 02:00 -> 03:00): skipped.
    assert ticks("cron(30 2 * * ? *)", "2026-03-07T00:00:00", 2, "America/New_York") == [
        "2026-03-07T07:30:00Z",
        "2026-03-09T06:30:00Z",
    ]
    # 2026-11-01 01:30 happens twice (EDT, then EST): it ticks once, the first time.
    assert ticks("cron(30 1 * * ? *)", "2026-10-31T12:00:00", 3, "America/New_York") == [
        "2026-11-01T05:30:00Z",
        "2026-11-02T06:30:00Z",
        "2026-11-03T06:30:00Z",
    ]


def test_an_at_time_is_local_to_its_zone() -> None:
    assert ticks("at(2027-01-01T00:00:00)", "2026-01-01T00:00:00", 1, "Asia/Tokyo") == [
        "2026-12-31T15:00:00Z"
    ]


def test_rate_ticks_from_the_anchor_or_the_start_date_until_the_end_date() -> None:
    anchor = ts("2026-12-05T10:00:07")
    timing = Timing(Rate(300), UTC_ZONE, anchor=anchor)
    assert iso(timing.first_at_or_after(anchor)) == "2026-12-05T10:00:07Z"
    assert iso(timing.first_after(anchor + 1)) == "2026-12-05T10:05:07Z"
    bounded = Timing(
        Rate(3600),
        UTC_ZONE,
        anchor=anchor,
        start=ts("2026-12-06T00:00:00"),
        end=ts("2026-12-06T02:00:00"),
    )
    assert iso(bounded.first_at_or_after(anchor)) == "2026-12-06T00:00:00Z"
    assert iso(bounded.first_after(ts("2026-12-06T00:00:00"))) == "2026-12-06T01:00:00Z"
    assert bounded.first_after(ts("2026-12-06T01:00:00")) is None  # 02:00 is not before End
    assert iso(bounded.latest_due(ts("2026-12-06T00:00:00"), ts("2026-12-07T00:00:00"))) == (
        "2026-12-06T01:00:00Z"
    )


def test_a_rate_minute_lasts_minute_s_and_60_by_default() -> None:
    """limits.scheduler.minute_s (a test setting) scales every rate() unit; AWS's is 60 s."""
    assert parse_expression("rate(1 minute)") == Rate(60)
    assert parse_expression("rate(2 hours)") == Rate(7200)
    assert parse_expression("rate(1 minute)", 2) == Rate(2)
    assert parse_expression("rate(5 minutes)", 3) == Rate(15)
    assert parse_expression("rate(1 hour)", 2) == Rate(120)
    assert parse_expression("rate(1 day)", 1) == Rate(1440)
    assert parse_expression("cron(0/20 8 * * ? *)", 2) == parse_expression("cron(0/20 8 * * ? *)")


def test_the_latest_missed_tick() -> None:
    rate = Timing(Rate(60), UTC_ZONE, anchor=ts("2026-12-05T10:00:00"))
    assert iso(rate.latest_due(ts("2026-12-05T10:00:00"), ts("2026-12-05T10:09:30"))) == (
        "2026-12-05T10:09:00Z"
    )
    cron = Timing(parse_expression("cron(0 * * * ? *)"), UTC_ZONE, anchor=0)
    assert iso(cron.latest_due(ts("2026-12-05T10:00:00"), ts("2026-12-06T03:59:59"))) == (
        "2026-12-06T03:00:00Z"
    )


def test_a_flexible_offset_is_stable_and_inside_the_window() -> None:
    offsets = {flexible_offset("id-1", 1_800_000_000.0 + 60 * n, 15) for n in range(200)}
    assert all(0 <= o < 15 * 60 for o in offsets)
    assert len(offsets) > 50  # spread over the window
    assert flexible_offset("id-1", 1_800_000_000.0, 15) == flexible_offset(
        "id-1", 1_800_000_000.0, 15
    )
    assert flexible_offset("id-1", 1_800_000_000.0, None) == 0.0
