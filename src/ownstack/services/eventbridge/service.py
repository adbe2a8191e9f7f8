"""The EventBridge service: every implemented operation, composed from the per-area mixins,
the events bus's handler for event bus ARNs (put_events.py), the delivery workers
(delivery.py) and the scheduler (scheduler.py).

Not implemented (NotImplemented): archives and replays, API destinations and connections,
global endpoints, partner event sources, UpdateEventBus."""

from __future__ import annotations

import uuid

from ownstack.ports.leases import Lease, LeasedLoop

from .buses import BusOps
from .delivery import Dispatcher
from .permissions import PermissionOps
from .put_events import PutEventsOps
from .rules import RuleOps
from .scheduler import INTERVAL_S, LEASE, SchedulerOps
from .tags import TagOps
from .targets import TargetOps


class EventBridgeService(
    BusOps, RuleOps, TargetOps, PutEventsOps, SchedulerOps, TagOps, PermissionOps
):
    """Constructed as EventBridgeBase is: EventBridgeService(meta, queue, bus, clock, region)."""

    holder_id = ""
    """Names this process in the scheduler's lease (set by the app)."""
    _dispatcher: Dispatcher | None = None
    _scheduler: LeasedLoop | None = None

    async def start(self) -> None:
        """Start delivering queued events (in every process) and firing schedules (in one)."""
        self._dispatcher = Dispatcher(self.queue, self.clock, self.bus.deliver)
        await self._dispatcher.open()
        self._dispatcher.start()
        lease = Lease(self.meta, LEASE, self.holder_id or uuid.uuid4().hex, self.clock)

        async def fire() -> None:
            await self.fire_due(lambda: lease.held)

        self._scheduler = LeasedLoop(lease, fire, INTERVAL_S)
        self._scheduler.start()

    async def stop(self) -> None:
        """Stop the background work (it resumes at the next start), before the stores close."""
        if self._scheduler is not None:
            await self._scheduler.stop()
        if self._dispatcher is not None:
            await self._dispatcher.stop()
