"""The EventBridge Scheduler service: every implemented operation, composed from the per-area
mixins, and the background loop that fires ticks (firing.py) and delivers them (delivery.py).

One process at a time runs the loop, under a lease. It sleeps until the first entry of the due
index or the outbox is due, at most IDLE_WAIT_S (so schedules changed by another process
sharing the meta store are seen within it), and wakes at once when this process changes a
schedule.

Not implemented (NotImplemented): ListSchedulesByTarget is not in the pinned model; universal
targets and the ECS, Kinesis, SageMaker, Step Functions... templated targets, customer managed
KMS keys."""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import Callable

from ownstack.ports.leases import Lease, LeasedLoop

from .delivery import PAGE as DELIVERY_PAGE
from .delivery import Deliverer
from .firing import PAGE as FIRING_PAGE
from .firing import Firer
from .groups import GroupOps, finish_deletions
from .listing import ListOps
from .records import DUE, OUTBOX, key_time
from .schedules import ScheduleOps
from .tokens import sweep_tokens

IDLE_WAIT_S = 1.0
HOUSEKEEPING_S = 60.0
LOOP_INTERVAL_S = 1.0


class SchedulerService(ScheduleOps, GroupOps, ListOps):
    """Constructed as SchedulerBase is: SchedulerService(meta, clock, region); app.py calls
    `connect` (authorizer, roles, bus), then `start` and, at the end, `stop`."""

    _loop: LeasedLoop | None = None
    _last_housekeeping: float | None = None

    async def start(self) -> None:
        lease = Lease(self.meta, "scheduler:loop", self.holder_id or uuid.uuid4().hex, self.clock)

        async def run() -> None:
            await self.run_while_held(lambda: lease.held)

        self._loop = LeasedLoop(lease, run, LOOP_INTERVAL_S)
        self._loop.start()

    async def stop(self) -> None:
        """Stop the loop (it resumes at the next start, or in another process)."""
        if self._loop is not None:
            await self._loop.stop()
            self._loop = None

    async def run_while_held(self, held: Callable[[], bool]) -> None:
        """Fire and deliver what is due, then sleep until the next thing is, while `held`."""
        firer = Firer(self.meta, self.clock, self.rate_minute_s)
        deliverer = self._deliverer()
        while held():
            fired = await firer.fire_due(held)
            delivered = await deliverer.deliver_due(held) if deliverer is not None else 0
            if fired >= FIRING_PAGE or delivered >= DELIVERY_PAGE:
                continue  # more is due right now
            await self._housekeep()
            await self._sleep_until_due(outbox=deliverer is not None)

    def _deliverer(self) -> Deliverer | None:
        if self.authorize is None or self.role_of is None or self.deliver is None:
            return None  # not connected (a service built without the app): nothing delivers
        return Deliverer(self.meta, self.clock, self.role_of, self.authorize, self.deliver)

    async def _sleep_until_due(self, *, outbox: bool) -> None:
        now = self.clock.now()
        wait = IDLE_WAIT_S
        for ns in (DUE, OUTBOX) if outbox else (DUE,):
            first = await self.meta.scan(ns, limit=1)
            if first:
                wait = min(wait, max(0.0, key_time(first[0].key) - now))
        if wait > 0:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.wake.wait(), timeout=wait)
        self.wake.clear()

    async def _housekeep(self) -> None:
        """Now and then: expired ClientTokens, group deletions cut short."""
        now = self.clock.monotonic()
        if self._last_housekeeping is not None and now - self._last_housekeeping < HOUSEKEEPING_S:
            return
        self._last_housekeeping = now
        await sweep_tokens(self.meta, self.clock.now())
        await finish_deletions(self.meta)
