"""EventBridge's cron expressions: `cron(Minutes Hours Day-of-month Month Day-of-week Year)`,
all in UTC (EventBridge User Guide, "Schedule expressions for rules").

Fields take `,` lists, `-` ranges, `*`, and `/` increments; Day-of-month also `?`, `L` (the
month's last day), `LW` (its last weekday) and `nW` (the weekday nearest day n, within the
month); Day-of-week (1-7 or SUN-SAT, 1 = Sunday) also `?`, `L` (Saturday), `nL` (the month's
last day n) and `n#k` (its k-th day n). One of Day-of-month and Day-of-week must be `?`.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

_MONTH_NAMES = ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"]
MONTHS = {m: i for i, m in enumerate(_MONTH_NAMES, 1)}
DAYS = {d: i for i, d in enumerate(["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"], 1)}
SEARCH_DAYS = 366 * 4
"""How far back a tick is looked for (a leap day's cron ticks every four years)."""


class CronError(ValueError):
    pass


@dataclass(frozen=True, slots=True)
class Cron:
    minutes: frozenset[int]
    hours: frozenset[int]
    months: frozenset[int]
    years: frozenset[int]
    days: frozenset[int]
    day_specials: frozenset[str]
    """Day-of-month forms beside plain days: "L", "LW", "<n>W"."""
    weekdays: frozenset[int]
    weekday_specials: frozenset[tuple[int, int]]
    """Day-of-week forms (day, k): k-th such day of the month (k = -1: the last one)."""
    by_weekday: bool
    """Day-of-month is `?`: the days are chosen by Day-of-week."""

    def latest(self, after: float, now: float) -> float | None:
        """The latest tick t with after < t <= now (epoch seconds), or None."""
        moment = datetime.fromtimestamp(now, UTC).replace(second=0, microsecond=0)
        floor = datetime.fromtimestamp(after, UTC)
        day = moment.date()
        for _ in range(SEARCH_DAYS):
            if datetime(day.year, day.month, day.day, 23, 59, tzinfo=UTC) <= floor:
                return None
            if self._day_matches(day):
                limit = moment if day == moment.date() else None
                tick = self._latest_in(day, limit)
                if tick is not None:
                    return tick.timestamp() if tick > floor else None
            day -= timedelta(days=1)
        return None

    def _latest_in(self, day: date, limit: datetime | None) -> datetime | None:
        for hour in sorted(self.hours, reverse=True):
            for minute in sorted(self.minutes, reverse=True):
                tick = datetime(day.year, day.month, day.day, hour, minute, tzinfo=UTC)
                if limit is None or tick <= limit:
                    return tick
        return None

    def _day_matches(self, day: date) -> bool:
        if day.year not in self.years or day.month not in self.months:
            return False
        last = calendar.monthrange(day.year, day.month)[1]
        if self.by_weekday:
            return self._weekday_matches(day, last)
        return day.day in self.days or any(_special(s, day, last) for s in self.day_specials)

    def _weekday_matches(self, day: date, last: int) -> bool:
        weekday = (day.weekday() + 1) % 7 + 1
        if weekday in self.weekdays:
            return True
        for wanted, k in self.weekday_specials:
            if wanted != weekday:
                continue
            if (k == -1 and day.day + 7 > last) or (k > 0 and (day.day - 1) // 7 + 1 == k):
                return True
        return False


def _special(form: str, day: date, last: int) -> bool:
    if form == "L":
        return day.day == last
    if form == "LW":
        return day.day == _nearest_weekday(day.year, day.month, last, last)
    return day.day == _nearest_weekday(day.year, day.month, int(form[:-1]), last)


def _nearest_weekday(year: int, month: int, target: int, last: int) -> int:
    """The weekday (Mon-Fri) nearest day `target`, not leaving the month (Quartz's `W`)."""
    if target > last:
        return -1
    weekday = date(year, month, target).weekday()
    if weekday == 5:  # Saturday: the Friday before, or the Monday after on the 1st
        return target - 1 if target > 1 else target + 2
    if weekday == 6:  # Sunday: the Monday after, or the Friday before on the last day
        return target + 1 if target < last else target - 2
    return target


def parse_cron(body: str) -> Cron:
    fields = body.split()
    if len(fields) != 6:
        raise CronError("six fields")
    minutes, hours, dom, month, dow, year = fields
    if (dom == "?") == (dow == "?"):
        raise CronError("one of day-of-month and day-of-week must be ?")
    days, day_specials = _day_of_month(dom)
    weekdays, weekday_specials = _day_of_week(dow)
    return Cron(
        minutes=_values(minutes, 0, 59),
        hours=_values(hours, 0, 23),
        months=_values(month, 1, 12, MONTHS),
        years=_values(year, 1970, 2199),
        days=days,
        day_specials=day_specials,
        weekdays=weekdays,
        weekday_specials=weekday_specials,
        by_weekday=dom == "?",
    )


def _day_of_month(text: str) -> tuple[frozenset[int], frozenset[str]]:
    if text == "?":
        return frozenset(), frozenset()
    plain, specials = [], set()
    for part in text.split(","):
        if part in ("L", "LW") or _nearest_form(part):
            specials.add(part)
        else:
            plain.append(part)
    days = _values(",".join(plain), 1, 31) if plain else frozenset()
    return days, frozenset(specials)


def _nearest_form(part: str) -> bool:
    """`nW`: the weekday nearest day n."""
    return part.endswith("W") and part[:-1].isdigit() and 1 <= int(part[:-1]) <= 31


def _day_of_week(text: str) -> tuple[frozenset[int], frozenset[tuple[int, int]]]:
    if text == "?":
        return frozenset(), frozenset()
    plain, specials = [], set()
    for part in text.split(","):
        if part == "L":
            plain.append("7")
        elif "#" in part:
            day, _, k = part.partition("#")
            if not k.isdigit() or not 1 <= int(k) <= 5:
                raise CronError(part)
            specials.add((_one(day, 1, 7, DAYS), int(k)))
        elif part.endswith("L") and len(part) > 1:
            specials.add((_one(part[:-1], 1, 7, DAYS), -1))
        else:
            plain.append(part)
    weekdays = _values(",".join(plain), 1, 7, DAYS) if plain else frozenset()
    return weekdays, frozenset(specials)


def _values(text: str, low: int, high: int, names: dict[str, int] | None = None) -> frozenset[int]:
    out: set[int] = set()
    for part in text.split(","):
        span, slash, step_text = part.partition("/")
        step = int(step_text) if slash and step_text.isdigit() and int(step_text) > 0 else 0
        if slash and not step:
            raise CronError(part)
        if span == "*":
            start, end = low, high
        elif "-" in span:
            first, _, second = span.partition("-")
            start, end = _one(first, low, high, names), _one(second, low, high, names)
        else:
            start = _one(span, low, high, names)
            end = high if slash else start
        if start > end:
            raise CronError(part)
        out.update(range(start, end + 1, step or 1))
    return frozenset(out)


def _one(text: str, low: int, high: int, names: dict[str, int] | None) -> int:
    upper = text.upper()
    if names is not None and upper in names:
        return names[upper]
    if not text.isdigit() or not low <= int(text) <= high:
        raise CronError(text)
    return int(text)
