"""Rules' ScheduleExpression: `rate(<value> <unit>)` or `cron(...)` (cron.py).

A rate's ticks count from its anchor (when the schedule was set): anchor + k * period, k >= 1.
The unit is minute(s), hour(s) or day(s), singular exactly when the value is 1."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from .cron import Cron, CronError, parse_cron

_RATE = re.compile(r"rate\((\d+) (minute|minutes|hour|hours|day|days)\)")
_CRON = re.compile(r"cron\((.*)\)")
_UNIT_S = {"minute": 60, "hour": 3600, "day": 86400}


@dataclass(frozen=True, slots=True)
class Rate:
    period: int
    """Seconds between ticks."""

    def latest(self, after: float, now: float, anchor: float) -> float | None:
        """The latest tick t with after < t <= now, or None."""
        if now < anchor + self.period:
            return None
        tick = anchor + ((now - anchor) // self.period) * self.period
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


def latest_tick(expression: str, anchor: float, last: float, now: float) -> float | None:
    """The latest tick of `expression` after max(anchor, last) and at or before `now`."""
    schedule = parse_schedule(expression)
    after = max(anchor, last)
    if isinstance(schedule, Rate):
        return schedule.latest(after, now, anchor)
    return schedule.latest(after, now)
