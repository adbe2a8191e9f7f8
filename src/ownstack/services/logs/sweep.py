"""Background work, one process at a time under the lease `logs:sweep` (service.py):

- retention: each group with a retention policy loses the events older than it
  (`trim_keys` on the event timestamps). Reads already leave them out from the moment they
  expire (base.kept_from_ms); the sweep is what frees the space, as AWS's own deletion,
  which it says may take up to 72 hours, does.
- deletions: DeleteLogGroup and DeleteLogStream clear at once what they delete, and leave a
  tombstone (`logs:gone`); GONE_GRACE_S later the sweep clears the same again and drops the
  tombstone, so that events a PutLogEvents appended just after the delete (it had found the
  stream just before) are not left behind.
"""

from __future__ import annotations

from collections.abc import Callable

from ownstack.core.clock import Clock
from ownstack.ports.logs import LogStore
from ownstack.ports.meta import Delete, MetaStore, pages, prefix_end

from .base import DAY_MS
from .records import GONE, GROUPS, STREAMS, GoneRecord, GroupRecord

SWEEP_INTERVAL_S = 60.0
GONE_GRACE_S = 60.0
_PAGE = 500


async def clear_gone(meta: MetaStore, logs: LogStore, gone: GoneRecord) -> None:
    """Remove what a tombstone says was deleted: a stream's events, or a group's events and
    its streams' records."""
    if gone.shard:
        await logs.delete_shard(gone.log, gone.shard)
        return
    await logs.delete_log(gone.log)
    base = f"{gone.group_id}/"
    async for page in pages(meta, STREAMS, start=base, end=prefix_end(base), size=_PAGE):
        await meta.commit([Delete(STREAMS, record.key) for record in page])


class Sweeper:
    def __init__(self, meta: MetaStore, logs: LogStore, clock: Clock) -> None:
        self.meta = meta
        self.logs = logs
        self.clock = clock

    async def sweep_once(self, held: Callable[[], bool] = lambda: True) -> int:
        """One pass; how many expired events it removed. Stops early when `held` turns False
        (the lease was lost: another process goes on)."""
        removed = 0
        async for page in pages(self.meta, GROUPS, size=_PAGE):
            for record in page:
                group = GroupRecord.decode(record.value)
                if group.retention_days is None:
                    continue
                cutoff = int(self.clock.now() * 1000) - group.retention_days * DAY_MS
                removed += await self.logs.trim_keys(group.log, below=cutoff)
            if not held():
                return removed
        await self.clear_tombstones(held)
        return removed

    async def clear_tombstones(self, held: Callable[[], bool] = lambda: True) -> int:
        """Clear again, and forget, what was deleted more than GONE_GRACE_S ago."""
        until = f"{int((self.clock.now() - GONE_GRACE_S) * 1000):015d}"
        cleared = 0
        async for page in pages(self.meta, GONE, end=until, size=_PAGE):
            for record in page:
                if not held():
                    return cleared
                await clear_gone(self.meta, self.logs, GoneRecord.decode(record.value))
                await self.meta.commit([Delete(GONE, record.key)])
                cleared += 1
        return cleared
