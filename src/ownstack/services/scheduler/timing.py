"""When a schedule ticks: at(), rate() and cron() expressions in the schedule's time zone,
bounded by its StartDate and EndDate, and where in its flexible time window a tick fires.

- `at(yyyy-mm-ddThh:mm:ss)`: one tick, a local time of the schedule's time zone.
- `rate(value unit)`: every value minutes, hours or days (a day is 24 hours, whatever the
  clocks do), from StartDate, else from when the schedule's timing was set: "If you do not
  provide a StartDate for a rate-based schedule, your schedule starts invoking its target
  immediately." A minute lasts `minute_s` seconds: 60, as on AWS, unless
  limits.scheduler.minute_s says otherwise for tests (an hour is then 60 such minutes, a day
  1440; cron() and at() keep real time).
- `cron(...)`: cron.py.

A tick is due at its nominal time; a FLEXIBLE window of n minutes moves it by an offset in
[0, n) minutes, the same for a given schedule and tick (a hash of both), so a tick fires at
one time whoever computes it."""

from __future__ import annotations

import hashlib
import math
import re
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from .cron import Cron, CronError, parse_cron

_AT = re.compile(r"at\((\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})\)")
_RATE = re.compile(r"rate\(([1-9][0-9]{0,8}) (minutes?|hours?|days?)\)")
_CRON = re.compile(r"cron\((.*)\)")
_UNIT_S = {"minute": 60, "hour": 3600, "day": 86400}
MINUTE_S = 60
"""How long a minute of a rate() lasts, unless configured (limits.scheduler.minute_s)."""
MAX_STEPS = 100_000
"""At most this many ticks are walked over to find the latest missed one (cron)."""


class ExpressionError(ValueError):
    """Not a schedule expression Scheduler takes."""


@dataclass(frozen=True, slots=True)
class At:
    local: datetime

    def first_at_or_after(self, when: float, zone: ZoneInfo) -> float | None:
        moment = self.local.replace(tzinfo=zone, fold=0).timestamp()
        return moment if moment >= when else None


@dataclass(frozen=True, slots=True)
class Rate:
    seconds: int


Expression = At | Rate | Cron


def parse_expression(text: str, minute_s: int = MINUTE_S) -> Expression:
    """Raises ExpressionError. A rate()'s minute lasts `minute_s` seconds."""
    at = _AT.fullmatch(text)
    if at:
        try:
            year, month, day, hour, minute, second = (int(part) for part in at.groups())
            return At(datetime(year, month, day, hour, minute, second))
        except ValueError as exc:
            raise ExpressionError(text) from exc
    rate = _RATE.fullmatch(text)
    if rate:
        return Rate(int(rate[1]) * _UNIT_S[rate[2].rstrip("s")] * minute_s // MINUTE_S)
    cron = _CRON.fullmatch(text)
    if cron:
        try:
            return parse_cron(cron[1])
        except CronError as exc:
            raise ExpressionError(text) from exc
    raise ExpressionError(text)


def zone_of(name: str) -> ZoneInfo:
    """The IANA time zone `name`; raises ExpressionError for one zoneinfo does not know."""
    if not name or name.startswith(("/", ".")) or ".." in name:
        raise ExpressionError(name)
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ExpressionError(name) from exc


@dataclass(frozen=True, slots=True)
class Timing:
    """One schedule's ticks."""

    expression: Expression
    zone: ZoneInfo
    anchor: float
    start: float | None = None
    end: float | None = None

    @property
    def one_time(self) -> bool:
        return isinstance(self.expression, At)

    def first_at_or_after(self, when: float) -> float | None:
        """The first tick at or after `when` within StartDate/EndDate (at() ignores both)."""
        expression = self.expression
        if isinstance(expression, At):
            return expression.first_at_or_after(when, self.zone)
        if self.start is not None:
            when = max(when, self.start)
        if isinstance(expression, Rate):
            found: float | None = self._rate_at_or_after(expression, when)
        else:
            found = expression.first_at_or_after(when, self.zone)
        if found is None or (self.end is not None and found >= self.end):
            return None
        return found

    def first_after(self, when: float) -> float | None:
        # Ticks are whole seconds (rate anchors are rounded up to one, cron ticks are minutes).
        return self.first_at_or_after(math.floor(when) + 1)

    def latest_due(self, tick: float, now: float) -> float:
        """The latest tick at or before `now`, `tick` being one (a tick missed while nothing
        ran fires once, as the latest of those missed)."""
        expression = self.expression
        if isinstance(expression, Rate):
            bound = now if self.end is None else min(now, self.end - 0.001)
            if bound <= tick:
                return tick
            return tick + math.floor((bound - tick) / expression.seconds) * expression.seconds
        latest = tick
        for _ in range(MAX_STEPS):
            following = self.first_after(latest)
            if following is None or following > now:
                break
            latest = following
        return latest

    def _rate_at_or_after(self, rate: Rate, when: float) -> float:
        anchor = self.start if self.start is not None else self.anchor
        if when <= anchor:
            return anchor
        steps = math.ceil((when - anchor) / rate.seconds)
        return anchor + steps * rate.seconds


def flexible_offset(schedule_id: str, tick: float, window_minutes: int | None) -> float:
    """Seconds after `tick` its fire time is, in [0, window): the same for a given schedule
    and tick wherever it is computed."""
    if not window_minutes:
        return 0.0
    digest = hashlib.sha256(f"{schedule_id}/{tick:.3f}".encode()).digest()
    fraction = int.from_bytes(digest[:8], "big") / 2**64
    return math.floor(fraction * window_minutes * 60)
