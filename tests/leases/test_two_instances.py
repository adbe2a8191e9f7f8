"""Two service instances ("processes") on one meta store: each background job runs in one of
them only, and when its holder dies (stops renewing) the other takes it over within ttl +
interval. Real (short) time: the loops sleep; ttl is 0.3 s."""

from __future__ import annotations

import asyncio
import functools
import time
from collections.abc import Callable
from typing import Any

import pytest

from leasekit import DyingMeta
from ownstack.backends.memory import MemoryMeta, MemoryQueues
from ownstack.core.clock import SystemClock
from ownstack.ports.leases import Lease, LeasedLoop
from ownstack.ports.meta import Put
from ownstack.services.sns.sweep import Sweeper
from ownstack.services.sqs import moves
from ownstack.services.sqs.move_records import COMPLETED, MOVES, MoveTaskRecord
from ownstack.services.sqs.service import SqsService

TTL = 0.3
INTERVAL = 0.05
TAKEOVER_S = TTL + INTERVAL


async def until(check: Callable[[], bool], within: float) -> float:
    """Seconds until `check()` held; fails after `within`."""
    began = time.monotonic()
    while not check():
        if time.monotonic() - began > within:
            pytest.fail(f"not within {within} s")
        await asyncio.sleep(0.01)
    return time.monotonic() - began


def test_a_leased_loop_runs_in_one_process_and_is_taken_over_when_it_dies() -> None:
    async def scenario() -> None:
        shared, clock = MemoryMeta(), SystemClock()
        views = [DyingMeta(shared), DyingMeta(shared)]
        runs = [0, 0]
        times: list[list[float]] = [[], []]

        def body(i: int) -> Callable[[], Any]:
            async def count() -> None:
                runs[i] += 1
                times[i].append(time.monotonic())

            return count

        loops = [
            LeasedLoop(Lease(v, "job", f"p{i}", clock, TTL), body(i), INTERVAL)
            for i, v in enumerate(views)
        ]
        for loop in loops:
            loop.start()
        await asyncio.sleep(1.0)  # three ttls: renewed all along
        assert runs[0] >= 10 and runs[1] == 0
        views[0].die()
        took = await until(lambda: runs[1] > 0, TAKEOVER_S + 0.5)
        assert took <= TAKEOVER_S + 0.3  # slack for a loaded machine
        # Fencing: the dead holder's body (which needs no store) ran until its own deadline,
        # and never once the other had begun.
        assert max(times[0]) < min(times[1])
        views[0].revive()
        await asyncio.sleep(3 * INTERVAL)  # the revived one finds its lease taken over
        assert loops[0].lease.held is False
        for loop in loops:
            await loop.stop()

    asyncio.run(scenario())


def test_a_once_loop_ends_and_releases_its_lease() -> None:
    async def scenario() -> None:
        meta, clock, runs = MemoryMeta(), SystemClock(), []

        async def body() -> None:
            runs.append(1)

        loop = LeasedLoop(Lease(meta, "once", "p", clock, TTL), body, INTERVAL, once=True)
        loop.start()
        await asyncio.wait_for(loop.finished.wait(), 1)
        await asyncio.sleep(3 * INTERVAL)
        assert (runs, await meta.get("leases", "once")) == ([1], None)
        await loop.stop()

    asyncio.run(scenario())


def test_the_sns_sweep_runs_in_one_instance_only() -> None:
    async def scenario() -> None:
        shared, clock = MemoryMeta(), SystemClock()
        views = [DyingMeta(shared), DyingMeta(shared)]
        sweepers = [Sweeper(v, clock, f"p{i}", INTERVAL) for i, v in enumerate(views)]
        rounds = [0, 0]
        for i, sweeper in enumerate(sweepers):
            sweeper.lease.ttl = TTL
            sweep = sweeper.sweep

            async def counted(still_held: Any, i: int = i, sweep: Any = sweep) -> int:
                rounds[i] += 1
                return int(await sweep(still_held))

            sweeper.sweep = counted  # type: ignore[method-assign,assignment]
            sweeper.start()
        await until(lambda: rounds[0] >= 5, 1.0)
        assert rounds[1] == 0
        views[0].die()
        await until(lambda: rounds[1] > 0, TAKEOVER_S + 0.5)
        views[0].revive()
        for sweeper in sweepers:
            await sweeper.stop()

    asyncio.run(scenario())


class MoveRig:
    """Two SqsService instances sharing one meta and queue store; run_move replaced by a fake
    that counts steps (STEPS of them, checking its lease between steps) and then completes."""

    STEPS = 20

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setattr(moves, "Lease", functools.partial(Lease, ttl=TTL))
        monkeypatch.setattr(moves, "RESUME_EVERY", INTERVAL)
        self.shared, self.clock = MemoryMeta(), SystemClock()
        queues = MemoryQueues(self.clock)
        self.views = [DyingMeta(self.shared), DyingMeta(self.shared)]
        self.services = [SqsService(v, queues, self.clock, "us-east-1") for v in self.views]
        self.steps: list[tuple[int, int]] = []
        for i, service in enumerate(self.services):
            service.run_move = functools.partial(self.fake_move, i)  # type: ignore[method-assign]
        self.task = MoveTaskRecord("arn:aws:sqs:us-east-1:123456789012:dlq", "", 0, 1, 5)

    async def fake_move(self, i: int, task: MoveTaskRecord, still_held: Any) -> None:
        while still_held():
            done = sum(1 for _ in self.steps)
            if done >= self.STEPS:
                task.status = COMPLETED
                await self.services[i].meta.commit([Put(MOVES, task.key, task.encode())])
                return
            self.steps.append((i, done))
            await asyncio.sleep(0.02)

    async def start(self) -> None:
        await self.shared.commit([Put(MOVES, self.task.key, self.task.encode())])
        for service in self.services:
            await service.start()

    async def status(self) -> str:
        found = await self.shared.get(MOVES, self.task.key)
        assert found is not None
        return MoveTaskRecord.decode(found.value).status

    async def stop(self) -> None:
        for view in self.views:
            view.revive()
        for service in self.services:
            await service.stop()


def test_a_resumed_move_task_runs_in_one_instance_only(monkeypatch: pytest.MonkeyPatch) -> None:
    async def scenario() -> None:
        rig = MoveRig(monkeypatch)
        await rig.start()
        await until(lambda: len(rig.steps) >= rig.STEPS, 2.0)
        await asyncio.sleep(0.1)
        assert await rig.status() == COMPLETED
        assert [d for _, d in rig.steps] == list(range(rig.STEPS))  # each step once
        assert len({i for i, _ in rig.steps}) == 1
        await rig.stop()

    asyncio.run(scenario())


def test_a_move_task_is_taken_over_when_its_runner_dies(monkeypatch: pytest.MonkeyPatch) -> None:
    async def scenario() -> None:
        rig = MoveRig(monkeypatch)
        await rig.start()
        await until(lambda: len(rig.steps) >= 3, 1.0)
        runner = rig.steps[0][0]
        rig.views[runner].die()
        survivor = 1 - runner
        took = await until(lambda: rig.steps[-1][0] == survivor, 2 * TAKEOVER_S + 0.6)
        assert took <= 2 * TAKEOVER_S + 0.4  # the item's lease, then the resume scan's
        await until(lambda: len(rig.steps) >= rig.STEPS, 2.0)
        await asyncio.sleep(0.1)
        assert await rig.status() == COMPLETED
        assert [d for _, d in rig.steps] == list(range(rig.STEPS))
        await rig.stop()

    asyncio.run(scenario())
