"""The firing, in process, over an in-memory meta store with a hand-moved clock: missed ticks
fire once, as the latest; firers racing fire a tick once; completion (DELETE / kept); flexible
windows; the delivery bodies of each target."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from ownstack.backends.memory.meta import MemoryMeta
from ownstack.core.clock import ManualClock
from ownstack.core.context import ROOT, Principal, RequestContext
from ownstack.services.scheduler.firing import Firer
from ownstack.services.scheduler.records import (
    DUE,
    OUTBOX,
    SCHEDULES,
    PendingRecord,
    ScheduleRecord,
)
from ownstack.services.scheduler.service import SchedulerService
from ownstack.services.scheduler.targets import BadInput, delivery_of

ACCOUNT = "123456789012"


def ts(text: str) -> float:
    return datetime.fromisoformat(text).replace(tzinfo=ZoneInfo("UTC")).timestamp()


def iso(moment: float | None) -> str | None:
    if moment is None:
        return None
    return datetime.fromtimestamp(moment, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _ctx() -> RequestContext:
    principal = Principal(ACCOUNT, f"arn:aws:iam::{ACCOUNT}:root", ACCOUNT, "AKIA", ROOT)
    return RequestContext("r", ACCOUNT, "us-east-1", principal, service="scheduler")


def _params(name: str, expression: str, **kw: Any) -> dict[str, Any]:
    target = {
        "Arn": f"arn:aws:sqs:us-east-1:{ACCOUNT}:q",
        "RoleArn": f"arn:aws:iam::{ACCOUNT}:role/r",
        "Input": "<aws.scheduler.scheduled-time>",
    }
    return {
        "Name": name,
        "ScheduleExpression": expression,
        "FlexibleTimeWindow": {"Mode": "OFF"},
        "Target": target,
        **kw,
    }


async def _pending(meta: MemoryMeta) -> list[PendingRecord]:
    return [PendingRecord.decode(r.value) for r in await meta.scan(OUTBOX)]


async def _record(meta: MemoryMeta, name: str) -> ScheduleRecord | None:
    found = await meta.get(SCHEDULES, f"us-east-1/{ACCOUNT}/default/{name}")
    return None if found is None else ScheduleRecord.decode(found.value)


def test_ticks_missed_for_a_while_fire_once_as_the_latest() -> None:
    async def run() -> None:
        meta, clock = MemoryMeta(), ManualClock(ts("2026-12-05T10:00:00.250"))
        service = SchedulerService(meta, clock, "us-east-1")
        await service.create_schedule(_ctx(), _params("r", "rate(1 minute)"))
        firer = Firer(meta, clock)
        clock.advance(1)
        await firer.fire_due(lambda: True)
        assert [iso(p.scheduled) for p in await _pending(meta)] == ["2026-12-05T10:00:01Z"]
        clock.advance(30 * 60)  # half an hour with nothing running: 30 ticks missed
        await firer.fire_due(lambda: True)
        await firer.fire_due(lambda: True)
        scheduled = [iso(p.scheduled) for p in await _pending(meta)]
        assert scheduled == ["2026-12-05T10:00:01Z", "2026-12-05T10:30:01Z"]
        record = await _record(meta, "r")
        assert record is not None and iso(record.next_tick) == "2026-12-05T10:31:01Z"
        assert len(await meta.scan(DUE)) == 1

    asyncio.run(run())


def test_a_shorter_rate_minute_fires_rate_schedules_sooner() -> None:
    """SchedulerService.rate_minute_s (limits.scheduler.minute_s): rate(1 hour) with a
    2-second minute ticks at once, then every 120 s."""

    async def run() -> None:
        meta, clock = MemoryMeta(), ManualClock(ts("2026-12-05T10:00:00.250"))
        service = SchedulerService(meta, clock, "us-east-1")
        service.rate_minute_s = 2
        await service.create_schedule(_ctx(), _params("h", "rate(1 hour)"))
        record = await _record(meta, "h")
        assert record is not None and iso(record.next_tick) == "2026-12-05T10:00:01Z"
        firer = Firer(meta, clock, 2)
        clock.advance(1)
        await firer.fire_due(lambda: True)
        record = await _record(meta, "h")
        assert record is not None and iso(record.next_tick) == "2026-12-05T10:02:01Z"
        clock.advance(119)
        await firer.fire_due(lambda: True)
        assert len(await _pending(meta)) == 1  # 10:02:00.25: not yet
        clock.advance(1)
        await firer.fire_due(lambda: True)
        scheduled = [iso(p.scheduled) for p in await _pending(meta)]
        assert scheduled == ["2026-12-05T10:00:01Z", "2026-12-05T10:02:01Z"]

    asyncio.run(run())


def test_two_firers_racing_fire_a_tick_once() -> None:
    async def run() -> None:
        meta, clock = MemoryMeta(), ManualClock(ts("2026-12-05T10:00:00"))
        service = SchedulerService(meta, clock, "us-east-1")
        for index in range(20):
            await service.create_schedule(_ctx(), _params(f"s{index}", "rate(5 minutes)"))
        clock.advance(1)
        firers = [Firer(meta, clock) for _ in range(3)]
        await asyncio.gather(*(f.fire_due(lambda: True) for f in firers))
        pending = await _pending(meta)
        assert sorted(p.name for p in pending) == sorted(f"s{i}" for i in range(20))

    asyncio.run(run())


def test_completion_deletes_or_keeps_the_schedule() -> None:
    async def run() -> None:
        meta, clock = MemoryMeta(), ManualClock(ts("2026-12-05T10:00:00"))
        service = SchedulerService(meta, clock, "us-east-1")
        at = "at(2026-12-05T10:00:05)"
        await service.create_schedule(_ctx(), _params("gone", at, ActionAfterCompletion="DELETE"))
        await service.create_schedule(_ctx(), _params("kept", at))
        clock.advance(10)
        await Firer(meta, clock).fire_due(lambda: True)
        assert await _record(meta, "gone") is None
        kept = await _record(meta, "kept")
        assert kept is not None and kept.next_tick is None and kept.due_key == ""
        assert iso(kept.last_fired) == "2026-12-05T10:00:05Z"
        assert await meta.scan(DUE) == []
        assert sorted(p.name for p in await _pending(meta)) == ["gone", "kept"]
        clock.advance(3600)
        await Firer(meta, clock).fire_due(lambda: True)
        assert len(await _pending(meta)) == 2  # an at() schedule fires once

    asyncio.run(run())


def test_a_flexible_window_moves_the_fire_time_not_the_tick() -> None:
    async def run() -> None:
        meta, clock = MemoryMeta(), ManualClock(ts("2026-12-05T10:00:00"))
        service = SchedulerService(meta, clock, "us-east-1")
        window = {"Mode": "FLEXIBLE", "MaximumWindowInMinutes": 10}
        at = "at(2026-12-05T11:00:00)"
        await service.create_schedule(_ctx(), _params("f", at, FlexibleTimeWindow=window))
        record = await _record(meta, "f")
        assert record is not None and record.next_tick is not None and record.next_fire
        assert record.next_tick <= record.next_fire < record.next_tick + 600
        clock.advance(record.next_fire - clock.now() - 1)
        await Firer(meta, clock).fire_due(lambda: True)
        assert await _pending(meta) == []  # not before its fire time
        clock.advance(1)
        await Firer(meta, clock).fire_due(lambda: True)
        assert [iso(p.scheduled) for p in await _pending(meta)] == ["2026-12-05T11:00:00Z"]

    asyncio.run(run())


def test_delivery_bodies_per_target() -> None:
    schedule = f"arn:aws:scheduler:us-east-1:{ACCOUNT}:schedule/default/s"
    pending = PendingRecord(
        schedule_arn=schedule,
        group="default",
        name="s",
        target={"Arn": f"arn:aws:events:us-east-1:{ACCOUNT}:event-bus/b", "Input": '{"a":1}'},
        scheduled=ts("2026-12-05T10:00:00"),
        fired=ts("2026-12-05T10:00:00"),
    )
    event = json.loads(delivery_of(pending, "e1", 1).body)
    assert event == {
        "source": "aws.scheduler",
        "detail-type": "Scheduled Event",
        "detail": {"a": 1},
        "resources": [schedule],
    }
    pending.target["EventBridgeParameters"] = {"Source": "my.app", "DetailType": "Tick"}
    event = json.loads(delivery_of(pending, "e1", 1).body)
    assert (event["source"], event["detail-type"]) == ("my.app", "Tick")
    pending.target["Input"] = "not json"
    with pytest.raises(BadInput):
        delivery_of(pending, "e1", 1)
    pending.target = {
        "Arn": f"arn:aws:sqs:us-east-1:{ACCOUNT}:q.fifo",
        "SqsParameters": {"MessageGroupId": "g"},
    }
    delivery = delivery_of(pending, "e1", 1)
    assert (delivery.body, delivery.group, delivery.sender) == ("{}", "g", None)
