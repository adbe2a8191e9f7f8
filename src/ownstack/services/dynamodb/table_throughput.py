"""Provisioned throughput as DescribeTable reports it beside the units: when it last went up
(LastIncreaseDateTime) and down (LastDecreaseDateTime), and NumberOfDecreasesToday (decreases
in the current UTC day), for the table and for each GSI.

UpdateTable's answer to a change of throughput shows the units as they were, dated by this
change, as AWS answers while the change is in progress (dynalite's suite, recorded against
DynamoDB: old units, LastIncreaseDateTime set, the decrease not yet counted; an October 2026
probe for GSIs: the table ACTIVE, the index UPDATING with its old units). ownstack has applied
the change by the time it answers, so DescribeTable then shows the new units, dated when they
were applied, and the decrease counted.
"""

from __future__ import annotations

import dataclasses
import time
from typing import Any

from .records import TableRecord, ThroughputChanges

UNITS = ("ReadCapacityUnits", "WriteCapacityUnits")


def utc_day(at: float) -> str:
    return time.strftime("%Y-%m-%d", time.gmtime(at))


def after_change(
    changes: ThroughputChanges, old: dict[str, int] | None, new: dict[str, int], now: float
) -> ThroughputChanges:
    """`changes` once provisioned units `old` became `new` at `now`."""
    before = old or {}
    up = any(new[unit] > before.get(unit, 0) for unit in UNITS)
    down = any(new[unit] < before.get(unit, 0) for unit in UNITS)
    if not up and not down:
        return changes
    day = utc_day(now)
    today = changes.decreases if changes.decrease_day == day else 0
    return ThroughputChanges(
        last_increase=now if up else changes.last_increase,
        last_decrease=now if down else changes.last_decrease,
        decrease_day=day if down else changes.decrease_day,
        decreases=today + 1 if down else changes.decreases,
    )


def wire(
    throughput: dict[str, int] | None, changes: ThroughputChanges, now: float
) -> dict[str, Any]:
    """The ProvisionedThroughput description as of `now`."""
    given = throughput or {}
    out: dict[str, Any] = {}
    if changes.last_increase is not None:
        out["LastIncreaseDateTime"] = changes.last_increase
    if changes.last_decrease is not None:
        out["LastDecreaseDateTime"] = changes.last_decrease
    today = changes.decrease_day != "" and changes.decrease_day == utc_day(now)
    out["NumberOfDecreasesToday"] = changes.decreases if today else 0
    for unit in UNITS:
        out[unit] = given.get(unit, 0)
    return out


def as_answered(
    before: TableRecord, after: TableRecord, received: float
) -> tuple[TableRecord, list[str]]:
    """`after` (the table UpdateTable made of `before`) as its answer shows it: units whose
    change this request made as they were, dated `received` (the request's arrival); and the
    GSIs whose units it changed."""
    shown = after
    if after.throughput_changes != before.throughput_changes:
        shown = dataclasses.replace(
            after,
            throughput=before.throughput,
            throughput_changes=_dated(
                before.throughput_changes, after.throughput_changes, received
            ),
        )
    old = {index.name: index for index in before.indexes}
    indexes, updated = [], []
    for index in after.indexes:
        was = old.get(index.name)
        if was is not None and was.throughput_changes != index.throughput_changes:
            dated = _dated(was.throughput_changes, index.throughput_changes, received)
            index = dataclasses.replace(index, throughput=was.throughput, throughput_changes=dated)
            updated.append(index.name)
        indexes.append(index)
    return dataclasses.replace(shown, indexes=tuple(indexes)), updated


def _dated(before: ThroughputChanges, after: ThroughputChanges, at: float) -> ThroughputChanges:
    """`before`, with the times `after` changed set to `at`; the decrease not counted yet."""
    return dataclasses.replace(
        before,
        last_increase=at if after.last_increase != before.last_increase else before.last_increase,
        last_decrease=at if after.last_decrease != before.last_decrease else before.last_decrease,
    )
