"""The CloudWatch Logs service: every implemented operation, composed from the per-area
mixins, the events layer's delivery handler (deliver.py) and the background sweep.

Not implemented (NotImplemented): StartLiveTail (an event-stream answer the JSON codec does
not produce), metric and subscription filters, Insights queries, exports, destinations,
resource, data protection, account and index policies, anomaly detection, deliveries,
transformers and integrations."""

from __future__ import annotations

import uuid

from ownstack.ports.leases import Lease, LeasedLoop

from .deliver import DeliverOps
from .describe_groups import DescribeGroupOps
from .filtering import FilterOps
from .groups import GroupOps
from .reads import ReadOps
from .streams import StreamOps
from .sweep import SWEEP_INTERVAL_S, Sweeper
from .tags import TagOps


class LogsService(GroupOps, DescribeGroupOps, StreamOps, DeliverOps, ReadOps, FilterOps, TagOps):
    """Constructed as LogsBase is: LogsService(meta, logs, clock, region)."""

    holder_id = ""
    """Names this process in the lease of its background work (set by the app)."""
    sweep_interval = SWEEP_INTERVAL_S

    async def start(self) -> None:
        """Start the sweep (retention, deletions' leftovers): one process at a time runs it,
        under a lease."""
        lease = Lease(self.meta, "logs:sweep", self.holder_id or uuid.uuid4().hex, self.clock)
        sweeper = Sweeper(self.meta, self.logs, self.clock)

        async def sweep() -> None:
            await sweeper.sweep_once(lambda: lease.held)

        self._loop = LeasedLoop(lease, sweep, self.sweep_interval)
        self._loop.start()

    async def stop(self) -> None:
        """Stop the sweep (it resumes at the next start), before the stores close."""
        loop: LeasedLoop | None = getattr(self, "_loop", None)
        if loop is not None:
            await loop.stop()
