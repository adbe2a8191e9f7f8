"""Runs the pollers of the enabled event source mappings in this process, and settles their
states (Creating/Enabling/Updating -> Enabled, Disabling -> Disabled, Deleting -> gone).

Every process that invokes functions runs one: it reads all mappings (at once when this
process changed one, else every RECONCILE_S, so a change made by another process sharing the
stores reaches it within that), starts a poller for each enabled mapping, restarts it when the
mapping's settings changed (its generation moved), and stops those of mappings disabled or
deleted. A poller that ended by itself is started again. State changes are written with a
compare-and-set, so a settle never overwrites a concurrent update.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable, Coroutine
from typing import Any

from ownstack.ports.errors import ConditionFailed
from ownstack.ports.meta import Delete, MetaStore, Put, Record, pages, prefix_end

from .esm_poll import log
from .esm_records import (
    DELETING,
    DISABLED,
    ENABLED,
    MAPPINGS,
    POSITIONS,
    SETTLING,
    MappingRecord,
)

RECONCILE_S = 1.0
Work = Coroutine[Any, Any, None]
PollerFor = Callable[[MappingRecord], "Work | None"]
"""The poller of a mapping, to run as a task; None when this process runs none for it."""


class MappingSupervisor:
    def __init__(self, meta: MetaStore, poller_for: PollerFor) -> None:
        self.meta = meta
        self.poller_for = poller_for
        self.running: dict[str, tuple[int, asyncio.Task[None]]] = {}
        self._wake: asyncio.Event | None = None
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        if self._task is None:
            self._wake = asyncio.Event()
            loop = asyncio.get_running_loop()
            self._task = loop.create_task(self._loop(), name="lambda-esm-supervisor")

    def poke(self) -> None:
        """A mapping changed in this process: reconcile now."""
        if self._wake is not None:
            self._wake.set()

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.wait([self._task])
            self._task = None
        # All at once: each may take a few seconds to finish the batch it has under way.
        tasks = [task for _, task in self.running.values()]
        self.running.clear()
        for task in tasks:
            task.cancel()
        if tasks:
            await asyncio.wait(tasks)

    async def _loop(self) -> None:
        assert self._wake is not None
        while True:
            self._wake.clear()
            try:
                await self.reconcile()
            except Exception:
                log.exception("event source mappings: reconciling failed")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), RECONCILE_S)

    async def reconcile(self) -> None:
        seen: set[str] = set()
        async for page in pages(self.meta, MAPPINGS):
            for raw in page:
                mapping = MappingRecord.decode(raw.value)
                seen.add(mapping.uuid)
                await self._one(raw, mapping)
        for uuid in set(self.running) - seen:
            await self._stop(uuid)

    async def _one(self, raw: Record, mapping: MappingRecord) -> None:
        if mapping.state == DELETING:
            await self._stop(mapping.uuid)
            await self._forget(raw, mapping)
            return
        if mapping.enabled:
            await self._ensure(mapping)
        else:
            await self._stop(mapping.uuid)
        if mapping.state in SETTLING:
            mapping.state = ENABLED if mapping.enabled else DISABLED
            with contextlib.suppress(ConditionFailed):  # changed meanwhile: next round
                await self.meta.commit(
                    [Put(MAPPINGS, raw.key, mapping.encode(), expect=raw.version)]
                )

    async def _ensure(self, mapping: MappingRecord) -> None:
        current = self.running.get(mapping.uuid)
        if current is not None:
            generation, task = current
            if generation == mapping.generation and not task.done():
                return
            await self._stop(mapping.uuid)
        work = self.poller_for(mapping)
        if work is None:
            return
        task = asyncio.get_running_loop().create_task(work, name=f"esm:{mapping.uuid}")
        self.running[mapping.uuid] = (mapping.generation, task)

    async def _stop(self, uuid: str) -> None:
        current = self.running.pop(uuid, None)
        if current is None:
            return
        task = current[1]
        task.cancel()
        await asyncio.wait([task])
        if not task.cancelled() and task.exception() is not None:
            log.error("event source mapping %s: poller failed", uuid, exc_info=task.exception())

    async def _forget(self, raw: Record, mapping: MappingRecord) -> None:
        """Delete a mapping whose deletion was asked for, and its checkpoints."""
        base = f"{mapping.uuid}/"
        ops: list[Delete] = [Delete(MAPPINGS, raw.key, expect=raw.version)]
        async for page in pages(self.meta, POSITIONS, start=base, end=prefix_end(base)):
            ops += [Delete(POSITIONS, r.key) for r in page]
        with contextlib.suppress(ConditionFailed):
            await self.meta.commit(ops)
