"""A schedule record's timing fields (next tick, fire time, due index key) and the writes that
store a schedule together with its entry in the due index."""

from __future__ import annotations

from ownstack.ports.meta import Delete, Expect, Op, Put

from .records import DUE, ENABLED, SCHEDULES, ScheduleRecord, ms_key
from .timing import MINUTE_S, At, Timing, flexible_offset, parse_expression, zone_of


def timing_of(record: ScheduleRecord, minute_s: int = MINUTE_S) -> Timing:
    """Raises ExpressionError for a record whose expression or zone no longer parses (only a
    record written by another version could hold one). A rate()'s minute lasts `minute_s`."""
    return Timing(
        parse_expression(record.expression, minute_s),
        zone_of(record.timezone),
        record.anchor,
        record.start,
        record.end,
    )


def first_tick(record: ScheduleRecord, now: float, minute_s: int = MINUTE_S) -> float | None:
    """The tick an enabled schedule waits for next, from `now`: an at() schedule's one tick
    even when it is past (it fires at once) unless that tick already fired; a recurring
    schedule's first tick at or after now, never one that already fired."""
    if record.state != ENABLED:
        return None
    timing = timing_of(record, minute_s)
    if isinstance(timing.expression, At):
        moment = timing.expression.local.replace(tzinfo=timing.zone, fold=0).timestamp()
        return None if record.last_fired == moment else moment
    since = now if record.last_fired is None else max(now, record.last_fired + 1)
    return timing.first_at_or_after(since)


def set_next(record: ScheduleRecord, tick: float | None) -> None:
    record.next_tick = tick
    if tick is None:
        record.next_fire, record.due_key = None, ""
        return
    window = record.flexible.get("MaximumWindowInMinutes")
    flexible = record.flexible.get("Mode") == "FLEXIBLE"
    record.next_fire = tick + flexible_offset(record.id, tick, window if flexible else None)
    record.due_key = ms_key(record.next_fire, record.key)


def schedule_ops(record: ScheduleRecord, old_due: str, expect: Expect) -> list[Op]:
    """Write `record` and move its due index entry from `old_due` to its own."""
    ops: list[Op] = [Put(SCHEDULES, record.key, record.encode(), expect)]
    if old_due and old_due != record.due_key:
        ops.append(Delete(DUE, old_due))
    if record.due_key and record.due_key != old_due:
        ops.append(Put(DUE, record.due_key, record.key.encode()))
    return ops
