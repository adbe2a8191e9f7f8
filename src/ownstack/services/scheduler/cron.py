"""cron() expressions as EventBridge Scheduler reads them: six fields, `minutes hours
day-of-month month day-of-week year`, each a list of values, ranges (`a-b`) and steps (`*/n`,
`a/n`, `a-b/n`); months may be JAN-DEC, days of the week 1-7 or SUN-SAT (1 is Sunday).
Exactly one of day-of-month and day-of-week is `?`. Day-of-month also takes `L` (the last day),
`LW` (the last weekday) and `<n>W` (the weekday nearest day n, within the month); day-of-week
takes `L` (Saturday), `<d>L` (the last such day of the month) and `<d>#<n>` (the n-th such day).

Ticks are minutes of the local time of the schedule's time zone: a local time that does not
exist (the hour skipped when daylight saving time begins) has no tick, and a local time that
happens twice (when it ends) ticks once, the first time, as AWS documents."""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

MONTHS = {name.upper(): n for n, name in enumerate(calendar.month_abbr) if name}
DAYS = {"SUN": 1, "MON": 2, "TUE": 3, "WED": 4, "THU": 5, "FRI": 6, "SAT": 7}
YEARS = (1970, 2199)
_NEAREST = re.compile(r"([1-9]|[12][0-9]|3[01])W")
_LAST_OF = re.compile(r"([1-7]|[A-Z]{3})L")
_NTH = re.compile(r"([1-7]|[A-Z]{3})#([1-5])")


class CronError(ValueError):
    """Not a cron expression Scheduler takes."""


@dataclass(frozen=True, slots=True)
class DayOfMonth:
    values: frozenset[int] = frozenset()
    last: bool = False
    last_weekday: bool = False
    nearest_weekday: int | None = None

    def matches(self, day: date) -> bool:
        length = calendar.monthrange(day.year, day.month)[1]
        if self.last:
            return day.day == length
        if self.last_weekday:
            return day == _weekday_near(day.replace(day=length))
        if self.nearest_weekday is not None:
            wanted = day.replace(day=min(self.nearest_weekday, length))
            return day == _weekday_near(wanted)
        return day.day in self.values


@dataclass(frozen=True, slots=True)
class DayOfWeek:
    values: frozenset[int] = frozenset()
    last_of: int | None = None
    nth: tuple[int, int] | None = None

    def matches(self, day: date) -> bool:
        weekday = aws_weekday(day)
        if self.last_of is not None:
            length = calendar.monthrange(day.year, day.month)[1]
            return weekday == self.last_of and day.day + 7 > length
        if self.nth is not None:
            return weekday == self.nth[0] and (day.day - 1) // 7 + 1 == self.nth[1]
        return weekday in self.values


@dataclass(frozen=True, slots=True)
class Cron:
    minutes: tuple[int, ...]
    hours: tuple[int, ...]
    months: frozenset[int]
    years: frozenset[int]
    day_of_month: DayOfMonth | None
    day_of_week: DayOfWeek | None

    def matches_day(self, day: date) -> bool:
        if day.year not in self.years or day.month not in self.months:
            return False
        if self.day_of_month is not None:
            return self.day_of_month.matches(day)
        return self.day_of_week is not None and self.day_of_week.matches(day)

    def first_at_or_after(self, when: float, zone: ZoneInfo) -> float | None:
        """The first tick at or after `when` (epoch seconds); None when there is none."""
        day = datetime.fromtimestamp(when, zone).date() - timedelta(days=1)
        last_day = date(min(max(self.years), YEARS[1]), 12, 31)
        while day <= last_day:
            if day.year not in self.years:
                day = date(day.year + 1, 1, 1)
                continue
            if day.month not in self.months:
                day = _next_month(day)
                continue
            if self.matches_day(day):
                found = self._first_on(day, when, zone)
                if found is not None:
                    return found
            day += timedelta(days=1)
        return None

    def _first_on(self, day: date, when: float, zone: ZoneInfo) -> float | None:
        for hour in self.hours:
            for minute in self.minutes:
                local = datetime(day.year, day.month, day.day, hour, minute)
                moment = local_to_epoch(local, zone)
                if moment is not None and moment >= when:
                    return moment
        return None


def aws_weekday(day: date) -> int:
    """1 (Sunday) to 7 (Saturday)."""
    return (day.weekday() + 1) % 7 + 1


def local_to_epoch(local: datetime, zone: ZoneInfo) -> float | None:
    """Epoch seconds of a local wall-clock time (its first occurrence); None when the time does
    not exist in `zone` (skipped by a daylight saving change)."""
    aware = local.replace(tzinfo=zone, fold=0)
    back = aware.astimezone(UTC).astimezone(zone).replace(tzinfo=None)
    if back != local:
        return None
    return aware.timestamp()


def parse_cron(body: str) -> Cron:
    """The cron of the text inside `cron(...)`; raises CronError."""
    fields = body.split(" ")
    if len(fields) != 6 or any(not f for f in fields):
        raise CronError(body)
    minute, hour, dom, month, dow, year = (f.upper() for f in fields)
    if (dom == "?") == (dow == "?"):
        raise CronError(body)  # exactly one of the two is "?"
    return Cron(
        minutes=tuple(sorted(_values(minute, 0, 59))),
        hours=tuple(sorted(_values(hour, 0, 23))),
        months=frozenset(_values(month, 1, 12, MONTHS)),
        years=frozenset(_values(year, *YEARS)),
        day_of_month=None if dom == "?" else _day_of_month(dom),
        day_of_week=None if dow == "?" else _day_of_week(dow),
    )


def _day_of_month(text: str) -> DayOfMonth:
    if text == "L":
        return DayOfMonth(last=True)
    if text == "LW":
        return DayOfMonth(last_weekday=True)
    nearest = _NEAREST.fullmatch(text)
    if nearest:
        return DayOfMonth(nearest_weekday=int(nearest[1]))
    return DayOfMonth(values=frozenset(_values(text, 1, 31)))


def _day_of_week(text: str) -> DayOfWeek:
    if text == "L":
        return DayOfWeek(values=frozenset({7}))
    last = _LAST_OF.fullmatch(text)
    if last:
        return DayOfWeek(last_of=_number(last[1], 1, 7, DAYS))
    nth = _NTH.fullmatch(text)
    if nth:
        return DayOfWeek(nth=(_number(nth[1], 1, 7, DAYS), int(nth[2])))
    return DayOfWeek(values=frozenset(_values(text, 1, 7, DAYS)))


def _values(text: str, low: int, high: int, names: dict[str, int] | None = None) -> set[int]:
    found: set[int] = set()
    for item in text.split(","):
        found |= _item(item, low, high, names or {})
    if not found:
        raise CronError(text)
    return found


def _item(item: str, low: int, high: int, names: dict[str, int]) -> set[int]:
    span, slash, step_text = item.partition("/")
    step = _number(step_text, 1, high, {}) if slash else 1
    if span == "*":
        first, last = low, high
    elif "-" in span:
        a, _, b = span.partition("-")
        first, last = _number(a, low, high, names), _number(b, low, high, names)
        if first > last:
            raise CronError(item)
    else:
        first = _number(span, low, high, names)
        last = high if slash else first
    return set(range(first, last + 1, step))


def _number(text: str, low: int, high: int, names: dict[str, int]) -> int:
    if text in names:
        return names[text]
    if not text.isdigit() or len(text) > 4:
        raise CronError(text)
    value = int(text)
    if not low <= value <= high:
        raise CronError(text)
    return value


def _weekday_near(day: date) -> date:
    """The weekday nearest `day` within its month (Quartz's `W`)."""
    weekday = day.weekday()
    if weekday < 5:
        return day
    length = calendar.monthrange(day.year, day.month)[1]
    if weekday == 5:  # Saturday: Friday before, unless that leaves the month
        return day - timedelta(days=1) if day.day > 1 else day + timedelta(days=2)
    return day + timedelta(days=1) if day.day < length else day - timedelta(days=2)


def _next_month(day: date) -> date:
    return date(day.year + 1, 1, 1) if day.month == 12 else date(day.year, day.month + 1, 1)
