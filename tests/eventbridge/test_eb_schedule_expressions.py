"""Schedule expressions (services/eventbridge/schedule.py, cron.py): which are valid, and which
tick is due when, on fixed clocks."""

from __future__ import annotations

import calendar

import pytest

from ownstack.services.eventbridge.schedule import latest_tick, parse_schedule


def at(year: int, month: int, day: int, hour: int, minute: int) -> float:
    """Epoch seconds of a UTC moment."""
    return float(calendar.timegm((year, month, day, hour, minute, 0, 0, 0, 0)))


@pytest.mark.parametrize(
    "text",
    [
        "rate(1 minute)",
        "rate(5 minutes)",
        "rate(1 hour)",
        "rate(2 days)",
        "cron(0 10 * * ? *)",
        "cron(15 10 ? * 6L 2026-2030)",
        "cron(0/15 * * * ? *)",
        "cron(0 8 1W * ? *)",
        "cron(0 18 ? * MON-FRI *)",
        "cron(0 12 ? * 2#1 *)",
        "cron(0 0 L * ? *)",
        "cron(0 0 LW JAN,JUL ? *)",
    ],
)
def test_valid(text: str) -> None:
    parse_schedule(text)


@pytest.mark.parametrize(
    "text",
    [
        "rate(1 minutes)",
        "rate(2 minute)",
        "rate(0 minutes)",
        "rate(5 seconds)",
        "cron(0 10 * * * *)",
        "cron(0 10 ? * ? *)",
        "cron(0 10 * *)",
        "cron(60 10 * * ? *)",
        "cron(0 10 * * ? 1969)",
        "cron(0 10 ? * 2#6 *)",
        "every minute",
    ],
)
def test_invalid(text: str) -> None:
    with pytest.raises(ValueError):
        parse_schedule(text)


def test_rate_ticks_count_from_the_anchor() -> None:
    anchor = at(2026, 3, 1, 10, 0) + 17
    assert latest_tick("rate(5 minutes)", anchor, 0, anchor + 299) is None
    assert latest_tick("rate(5 minutes)", anchor, 0, anchor + 300) == anchor + 300
    # Many ticks missed: only the latest is due, once.
    assert latest_tick("rate(5 minutes)", anchor, 0, anchor + 3000) == anchor + 3000
    assert latest_tick("rate(5 minutes)", anchor, anchor + 3000, anchor + 3100) is None


def test_a_shorter_minute_scales_every_rate_unit_and_no_cron() -> None:
    """limits.eventbridge.minute_s (tests): a rate()'s minute lasts that many seconds, an hour
    60 of them, a day 1440; cron() keeps real time; the default minute is AWS's 60 s."""
    anchor = at(2026, 3, 1, 10, 0) + 17
    assert latest_tick("rate(1 minute)", anchor, 0, anchor + 59) is None
    assert latest_tick("rate(1 minute)", anchor, 0, anchor + 59, 2) == anchor + 58
    assert latest_tick("rate(1 minute)", anchor, 0, anchor + 1.9, 2) is None
    assert latest_tick("rate(3 minutes)", anchor, 0, anchor + 6, 2) == anchor + 6
    assert latest_tick("rate(1 hour)", anchor, 0, anchor + 119, 2) is None
    assert latest_tick("rate(1 hour)", anchor, 0, anchor + 120, 2) == anchor + 120
    assert latest_tick("rate(1 day)", anchor, 0, anchor + 2880, 2) == anchor + 2880
    now = at(2026, 3, 15, 12, 34)
    assert latest_tick("cron(0/15 * * * ? *)", 0, 0, now, 2) == at(2026, 3, 15, 12, 30)


def test_cron_ticks() -> None:
    now = at(2026, 3, 15, 12, 34)  # a Sunday
    assert latest_tick("cron(0 10 * * ? *)", 0, 0, now) == at(2026, 3, 15, 10, 0)
    assert latest_tick("cron(0/15 * * * ? *)", 0, 0, now) == at(2026, 3, 15, 12, 30)
    assert latest_tick("cron(0 18 ? * MON-FRI *)", 0, 0, now) == at(2026, 3, 13, 18, 0)
    assert latest_tick("cron(15 10 ? * 6L *)", 0, 0, now) == at(2026, 2, 27, 10, 15)
    assert latest_tick("cron(0 12 ? * 2#1 *)", 0, 0, now) == at(2026, 3, 2, 12, 0)
    assert latest_tick("cron(0 0 L * ? *)", 0, 0, now) == at(2026, 2, 28, 0, 0)
    # The weekday nearest a Saturday the 28th is Friday the 27th.
    assert latest_tick("cron(0 0 LW * ? *)", 0, 0, now) == at(2026, 2, 27, 0, 0)
    # The 1st of February 2026 is a Sunday: its nearest weekday is Monday the 2nd.
    assert latest_tick("cron(0 8 1W * ? *)", 0, 0, at(2026, 2, 20, 0, 0)) == at(2026, 2, 2, 8, 0)
    assert latest_tick("cron(0 10 * * ? *)", at(2026, 3, 15, 10, 0), 0, now) is None
    assert latest_tick("cron(0 10 * * ? 2020)", 0, 0, now) is None
