"""Firing ticks: the due index is scanned up to now; each due schedule's tick is committed as
fired in ONE commit that (1) writes the schedule's next tick, compare-and-set on the version
read, (2) moves its due index entry, and (3) puts the tick's delivery in the outbox. Two
processes (or a process and UpdateSchedule) racing for one tick: one commit wins, the other
fails its compare-and-set and does nothing, so a tick fires once. A crash after the commit
leaves the delivery in the outbox (delivery.py makes it after the restart); a crash before
leaves the tick due, and it fires after the restart.

Ticks missed while nothing ran (the server was down) fire once, as the latest of them, and the
schedule goes on from its first tick after now. A one-time schedule, or a recurring one past
its EndDate, is complete after its last tick: deleted with that tick's commit when its
ActionAfterCompletion is DELETE, else kept with no tick to come."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable

from ownstack.core.clock import Clock
from ownstack.ports.errors import ConditionFailed
from ownstack.ports.meta import ABSENT, Delete, MetaStore, Op, Put, Record

from .records import DUE, OUTBOX, SCHEDULES, PendingRecord, ScheduleRecord, ms_bound, ms_key
from .ticks import schedule_ops, set_next, timing_of
from .timing import MINUTE_S, ExpressionError

log = logging.getLogger("ownstack.scheduler")
PAGE = 100


class Firer:
    def __init__(self, meta: MetaStore, clock: Clock, minute_s: int = MINUTE_S) -> None:
        self.meta = meta
        self.clock = clock
        self.minute_s = minute_s
        """Seconds a minute of a rate() lasts."""

    async def fire_due(self, held: Callable[[], bool]) -> int:
        """Fire the ticks due now (one page); how many index entries were looked at."""
        page = await self.meta.scan(DUE, end=ms_bound(self.clock.now()), limit=PAGE)
        for entry in page:
            if not held():
                break
            await self._fire(entry)
        return len(page)

    async def _fire(self, entry: Record) -> None:
        stored = await self.meta.get(SCHEDULES, entry.value.decode())
        record = None if stored is None else ScheduleRecord.decode(stored.value)
        if stored is None or record is None or record.due_key != entry.key:
            # Left behind by a change that raced with us: the schedule's own entry is current.
            await self._commit([Delete(DUE, entry.key, expect=entry.version)])
            return
        now = self.clock.now()
        try:
            ops = self._fire_ops(record, stored.version, now)
        except ExpressionError:
            log.error("schedule %s: its expression no longer parses; not fired", record.arn)
            await self._commit([Delete(DUE, entry.key, expect=entry.version)])
            return
        await self._commit(ops)

    def _fire_ops(self, record: ScheduleRecord, version: int, now: float) -> list[Op]:
        timing = timing_of(record, self.minute_s)
        tick = record.next_tick if record.next_tick is not None else now
        tick = timing.latest_due(tick, now)
        pending = PendingRecord(
            schedule_arn=record.arn,
            group=record.group,
            name=record.name,
            target=dict(record.target),
            scheduled=tick,
            fired=now,
        )
        entry = ms_key(now, f"{record.id}-{int(tick * 1000)}")
        delivery = Put(OUTBOX, entry, pending.encode(), ABSENT)
        old_due = record.due_key
        following = None if timing.one_time else timing.first_after(max(tick, now))
        record.last_fired = tick
        if following is None and record.action_after_completion == "DELETE":
            return [Delete(SCHEDULES, record.key, expect=version), Delete(DUE, old_due), delivery]
        set_next(record, following)
        return [*schedule_ops(record, old_due, version), delivery]

    async def _commit(self, ops: list[Op]) -> None:
        # ConditionFailed: the schedule changed (or fired elsewhere) meanwhile: nothing to do.
        with contextlib.suppress(ConditionFailed):
            await self.meta.commit(ops)
