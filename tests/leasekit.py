"""Helpers for running two "processes" (service instances) on one shared meta store in-process."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Any

from ownstack.ports.meta import Check, MetaStore, Op, Record


class DyingMeta:
    """One process's view of the shared meta store; `die()` makes every later call hang, as
    for a process SIGKILLed: it never renews, writes or releases anything again."""

    def __init__(self, shared: MetaStore) -> None:
        self._shared = shared
        self._alive = asyncio.Event()
        self._alive.set()

    def die(self) -> None:
        self._alive.clear()

    def revive(self) -> None:
        """For clean-up only, so its stop() can finish."""
        self._alive.set()

    async def get(self, ns: str, key: str) -> Record | None:
        await self._alive.wait()
        return await self._shared.get(ns, key)

    async def scan(self, ns: str, **kwargs: Any) -> list[Record]:
        await self._alive.wait()
        return await self._shared.scan(ns, **kwargs)

    async def commit(self, ops: Sequence[Op]) -> int:
        await self._alive.wait()
        return await self._shared.commit(ops)

    async def replace(
        self, ns: str, key: str, value: bytes, *, guard: Check | None = None
    ) -> tuple[int, Record | None]:
        await self._alive.wait()
        return await self._shared.replace(ns, key, value, guard=guard)

    async def health(self) -> None:
        return None

    async def close(self) -> None:
        return None
