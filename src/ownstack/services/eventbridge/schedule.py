"""Rules' ScheduleExpression: `rate(<value> <unit>)` or `cron(...)` (cron.py).

A rate's ticks count from its anchor (when the schedule was set): anchor + k * period, k >= 1.
The unit is minute(s), hour(s) or day(s), singular exactly when the value is 1. A minute lasts
`minute_s` seconds (60, AWS's, unless `limits.eventbridge.minute_s` says otherwise for tests:
then an hour is 60 such minutes and a day 1440); cron() keeps real time."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from .cron import Cron, CronError, parse_cron

_RATE = re.compile(r"rate\((\d+) (minute|minutes|hour|hours|day|days)\)")
_CRON = re.compile(r"cron\((.*)\)")
_UNIT_S = {"minute": 60, "hour": 3600, "day": 86400}
MINUTE_S = 60
"""How long a minute of a rate() lasts, unless configured (limits.eventbridge.minute_s)."""


@dataclass(frozen=True, slots=True)
class Rate:
    period: int
    """Seconds between ticks (of 60-second minutes)."""

    def latest(
        self, after: float, now: float, anchor: float, minute_s: int = MINUTE_S
    ) -> float | None:
        """The latest tick t with after < t <= now, or None."""
        period = self.period * minute_s // MINUTE_S
        if now < anchor + period:
            return None
        tick = anchor + ((now - anchor) // period) * period
        return tick if tick > after else None


Schedule = Rate | Cron


@lru_cache(maxsize=1024)
def parse_schedule(text: str) -> Schedule:
    """Raises ValueError for anything EventBridge would refuse."""
    rate = _RATE.fullmatch(text)
    if rate is not None:
        value, unit = int(rate.group(1)), rate.group(2)
        if value < 1 or (value == 1) != (not unit.endswith("s")):
            raise ValueError(text)
        return Rate(value * _UNIT_S[unit.rstrip("s")])
    cron = _CRON.fullmatch(text)
    if cron is None:
        raise ValueError(text)
    try:
        return parse_cron(cron.group(1))
    except (CronError, ValueError) as exc:
        raise ValueError(text) from exc


def latest_tick(
    expression: str, anchor: float, last: float, now: float, minute_s: int = MINUTE_S
) -> float | None:
    """The latest tick of `expression` after max(anchor, last) and at or before `now`; a
    rate()'s minute lasts `minute_s` seconds."""
    schedule = parse_schedule(expression)
    after = max(anchor, last)
    if isinstance(schedule, Rate):
        return schedule.latest(after, now, anchor, minute_s)
    return schedule.latest(after, now)
