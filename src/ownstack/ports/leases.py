"""Leases over the metadata port: background work that must run in one process of N.

A lease is one record {holder, expires} in the LEASES namespace, written only with a
compare-and-set on the version last read (ABSENT when there is none), so it works on every
meta engine. Whoever holds an unexpired record holds the lease; an expired one is taken over
by the next `try_acquire`. The record's version is the fencing token: a holder that was
taken over fails its next `renew` (the version moved), and `held` turns False by itself at
the holder's own deadline, so work that checks `held` between steps stops before (or as) a
successor may begin.

Assumptions: process clocks agree to well within `ttl` (expiry is compared across processes
on the wall clock); the holder's own deadline is measured on its monotonic clock from before
the write, so it never outlives the record's expiry by its own reckoning.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from ownstack.core.clock import Clock
from ownstack.core.records import JsonRecord

from .errors import ConditionFailed
from .meta import ABSENT, Delete, Expect, MetaStore, Put

LEASES = "leases"
DEFAULT_TTL_S = 5.0
"""Short enough that a dead holder's work resumes within seconds; renewed every ttl/3."""
log = logging.getLogger("ownstack.leases")


@dataclass(slots=True)
class LeaseRecord(JsonRecord):
    holder: str
    expires: float
    """Wall-clock seconds since the epoch."""


async def holder_alive(meta: MetaStore, name: str, now: float) -> bool:
    """Whether the lease `name` is held (by anyone) at `now`."""
    found = await meta.get(LEASES, name)
    return found is not None and LeaseRecord.decode(found.value).expires > now


class Lease:
    def __init__(
        self,
        meta: MetaStore,
        name: str,
        holder_id: str,
        clock: Clock,
        ttl: float = DEFAULT_TTL_S,
    ) -> None:
        self.meta = meta
        self.name = name
        self.holder_id = holder_id
        self.clock = clock
        self.ttl = ttl
        self._version: int | None = None
        self._deadline = 0.0  # monotonic

    @property
    def held(self) -> bool:
        return self._version is not None and self.clock.monotonic() < self._deadline

    async def try_acquire(self) -> bool:
        """Take the lease if it is free, expired or already ours; whether it is held now."""
        found = await self.meta.get(LEASES, self.name)
        expect: Expect = ABSENT
        if found is not None:
            current = LeaseRecord.decode(found.value)
            if current.holder != self.holder_id and current.expires > self.clock.now():
                return False
            expect = found.version
        return await self._write(expect)

    async def renew(self) -> bool:
        """Extend the lease; False (and no longer held) when another holder took it over.
        Renewing after our own deadline succeeds only if no one wrote the record since."""
        if self._version is None:
            return False
        return await self._write(self._version)

    async def release(self) -> None:
        """Give the lease up now (a clean stop: a successor need not wait for expiry)."""
        version, self._version = self._version, None
        if version is None:
            return
        with contextlib.suppress(ConditionFailed):  # taken over meanwhile: nothing of ours
            await self.meta.commit([Delete(LEASES, self.name, expect=version)])

    async def _write(self, expect: Expect) -> bool:
        started = self.clock.monotonic()
        record = LeaseRecord(self.holder_id, self.clock.now() + self.ttl)
        try:
            version = await self.meta.commit([Put(LEASES, self.name, record.encode(), expect)])
        except ConditionFailed:
            self._version = None
            return False
        self._version, self._deadline = version, started + self.ttl
        return True


Body = Callable[[], Awaitable[None]]


class LeasedLoop:
    """Runs `body` every `interval` seconds, only while holding `lease`, renewing it every
    ttl/3 meanwhile; when not the holder, tries to acquire every `interval`. The first try is
    at once, and so is the first run once acquired. With `once`, the loop ends (and releases
    the lease) after the first run of `body` that completes while still held. `body` should
    check `lease.held` between its steps and return when it is False. Failures of `body` or of
    the meta store are logged and retried; they never end the loop."""

    def __init__(self, lease: Lease, body: Body, interval: float, *, once: bool = False) -> None:
        self.lease = lease
        self._body = body
        self._interval = interval
        self._once = once
        self._task: asyncio.Task[None] | None = None
        self.finished = asyncio.Event()
        """Set when a `once` loop has run its body to completion."""

    def start(self) -> None:
        if self._task is None:
            name = f"leased:{self.lease.name}"
            self._task = asyncio.get_running_loop().create_task(self._run(), name=name)

    async def stop(self) -> None:
        """Cancel the work and release the lease, so another process takes over at once."""
        if self._task is not None:
            self._task.cancel()
            await asyncio.wait([self._task])
        try:
            await self.lease.release()
        except Exception:
            log.exception("releasing lease %s failed", self.lease.name)

    async def _run(self) -> None:
        while not self.finished.is_set():
            if await _attempt(self.lease.try_acquire, self.lease.name):
                await self._while_held()
            if self.finished.is_set():
                await self.lease.release()
                return
            await asyncio.sleep(self._interval)

    async def _while_held(self) -> None:
        keeper = asyncio.get_running_loop().create_task(self._keep())
        try:
            while self.lease.held:
                try:
                    await self._body()
                except Exception:
                    log.exception("background work under lease %s failed", self.lease.name)
                else:
                    if self._once and self.lease.held:
                        self.finished.set()
                        return
                # Wakes early when the keeper gives up: the lease is lost.
                await asyncio.wait([keeper], timeout=self._interval)
                if keeper.done():
                    return
        finally:
            keeper.cancel()
            await asyncio.wait([keeper])

    async def _keep(self) -> None:
        await renew_until_lost(self.lease)


async def renew_until_lost(lease: Lease) -> None:
    """Renew `lease` every ttl/3; return once it is no longer held (taken over, or the store
    unreachable past the holder's deadline)."""
    while True:
        await asyncio.sleep(lease.ttl / 3)
        if not await _attempt(lease.renew, lease.name) and not lease.held:
            return


async def run_renewed(lease: Lease, work: Body) -> None:
    """Run `work` under `lease` (already acquired), renewing it meanwhile; `work` checks
    `lease.held` between its steps. The lease is released afterwards."""
    keeper = asyncio.get_running_loop().create_task(renew_until_lost(lease))
    try:
        await work()
    finally:
        keeper.cancel()
        await asyncio.wait([keeper])
        await _attempt(_released(lease), lease.name)


def _released(lease: Lease) -> Callable[[], Awaitable[bool]]:
    async def release() -> bool:
        await lease.release()
        return True

    return release


async def try_acquire(lease: Lease) -> bool:
    """`lease.try_acquire()`, a store failure counting as "not acquired" (and logged)."""
    return await _attempt(lease.try_acquire, lease.name)


async def _attempt(step: Callable[[], Awaitable[bool]], name: str) -> bool:
    """A lease step whose failure to reach the store counts as "not acquired"."""
    try:
        return await step()
    except Exception:
        log.exception("lease %s: the meta store failed", name)
        return False
