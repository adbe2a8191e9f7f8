"""The liveness lease an HTTP dispatcher holds while it delivers jobs: every job record names
the lease of its owner (http_jobs.py), and a job whose owner's lease is missing or expired is
taken over by another dispatcher (http_delivery.py's takeover scan).

One lease per dispatcher, not one per job: accepting a job costs no lease write, so the first
POST of a publish waits for nothing but the commit that records the job. The lease is renewed
every ttl/3. Once it is lost (taken as over by a delivery that found it not held, or a renewal
that failed past its deadline), it is never renewed again: the next lease gets a new name (an
"epoch"), so the jobs of the lost one are seen as orphaned and taken over, possibly by this
same process, rather than left owned by a live name that no task works on.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

from ownstack.core.clock import Clock
from ownstack.ports.errors import ConditionFailed
from ownstack.ports.leases import LEASES, Lease, LeaseRecord, try_acquire
from ownstack.ports.meta import Delete, MetaStore, prefix_end

log = logging.getLogger("ownstack.sns")
OWNER_PREFIX = "sns:http-owner:"


class OwnerLease:
    def __init__(self, meta: MetaStore, holder_id: str, clock: Clock, ttl: float) -> None:
        self._meta = meta
        self._holder_id = holder_id
        self._clock = clock
        self._ttl = ttl
        self._epoch = 0
        self._current: Lease | None = None
        self._lock = asyncio.Lock()
        self._keeper: asyncio.Task[None] | None = None
        self._releases: set[asyncio.Task[None]] = set()

    async def held(self) -> Lease | None:
        """The lease this dispatcher owns jobs under now, acquiring a new one when there is
        none (None: the store cannot be reached). No store access while one is held."""
        lease = self._current
        if lease is not None and lease.held:
            return lease
        async with self._lock:
            lease = self._current
            if lease is not None and lease.held:
                return lease
            if lease is not None:
                self._end(lease)
            self._epoch += 1
            name = f"{OWNER_PREFIX}{self._holder_id}:{self._epoch}"
            fresh = Lease(self._meta, name, self._holder_id, self._clock, self._ttl)
            if not await try_acquire(fresh):
                return None
            self._current = fresh
            self._start_keeper()
            return fresh

    def lost(self, lease: Lease) -> None:
        """`lease` is over (a delivery found it not held): never renew it again."""
        if self._current is lease:
            self._end(lease)

    async def stop(self) -> None:
        """Stop renewing and release the lease, so other processes take the jobs over at
        once."""
        if self._keeper is not None:
            self._keeper.cancel()
            await asyncio.wait([self._keeper])
        lease, self._current = self._current, None
        if lease is not None:
            with contextlib.suppress(Exception):  # unreachable store: it simply expires
                await lease.release()
        for task in list(self._releases):
            task.cancel()
        if self._releases:
            await asyncio.wait(list(self._releases))

    def _end(self, lease: Lease) -> None:
        self._current = None
        # Released in the background: deletes our record (if still ours), so takeover of its
        # jobs need not wait for the expiry.
        task = asyncio.get_running_loop().create_task(self._release(lease))
        self._releases.add(task)
        task.add_done_callback(self._releases.discard)

    @staticmethod
    async def _release(lease: Lease) -> None:
        try:
            await lease.release()
        except Exception:
            log.info("releasing lease %s failed: it expires instead", lease.name)

    def _start_keeper(self) -> None:
        if self._keeper is None or self._keeper.done():
            loop = asyncio.get_running_loop()
            self._keeper = loop.create_task(self._keep(), name="sns-http-owner")

    async def _keep(self) -> None:
        while True:
            await asyncio.sleep(self._ttl / 3)
            lease = self._current
            if lease is None:
                await self.held()  # re-acquire (a new epoch) once the store answers again
                continue
            if not lease.held:
                self.lost(lease)  # past its deadline: a delivery may already have stopped
                continue
            try:
                renewed = await lease.renew()
            except Exception:
                log.exception("renewing lease %s failed", lease.name)
                continue  # still held until its deadline: the next round tries again
            if not renewed:
                self.lost(lease)


async def forget_expired_owners(meta: MetaStore, now: float) -> int:
    """Delete the expired owner leases (of dead processes), so they do not pile up; how many.
    Harmless to the jobs: a missing owner lease means "orphaned", as an expired one does."""
    end = prefix_end(OWNER_PREFIX)
    deleted = 0
    cursor = OWNER_PREFIX
    while page := await meta.scan(LEASES, start=cursor, end=end, limit=1000):
        for record in page:
            if LeaseRecord.decode(record.value).expires > now:
                continue
            with contextlib.suppress(ConditionFailed):  # renewed or re-taken meanwhile
                await meta.commit([Delete(LEASES, record.key, expect=record.version)])
                deleted += 1
        cursor = page[-1].key + "\x00"
    return deleted
