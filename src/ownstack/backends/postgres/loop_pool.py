"""One connection pool per event loop, opened on first use.

asyncpg connections belong to the loop that made them, so a store used from a new loop (each
asyncio.run) opens a new pool there; a keeper task closes a pool while its loop still runs, also
when the loop ends without `close()` (as session.Session does for the queue store)."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable

from ownstack.backends.postgres import driver

_CLOSE_TIMEOUT = 2.0

Opener = Callable[[], Awaitable[driver.Pool]]


class LoopPool:
    def __init__(self, open_pool: Opener) -> None:
        self._open_pool = open_pool
        self._loop: asyncio.AbstractEventLoop | None = None
        self._opening: asyncio.Task[driver.Pool] | None = None
        self._ready: driver.Pool | None = None
        self._keeper: asyncio.Task[None] | None = None

    async def get(self) -> driver.Pool:
        """This loop's pool. Raises what opening raised (the next call tries again)."""
        loop = asyncio.get_running_loop()
        if self._loop is loop and self._ready is not None:
            return self._ready
        if self._loop is not loop or self._opening is None:
            self._loop, self._ready = loop, None
            self._opening = loop.create_task(self._open())
        opening = self._opening
        try:
            pool = await asyncio.shield(opening)
        except BaseException:
            if opening.done() and self._opening is opening:
                self._opening = None
            raise
        if self._opening is opening:
            self._ready = pool
        return pool

    async def close(self) -> None:
        """Closes this loop's pool (another loop's was closed when that loop ended)."""
        opening, keeper = self._opening, self._keeper
        same_loop = self._loop is asyncio.get_running_loop()
        self._opening = self._ready = self._keeper = None
        self._loop = None
        if opening is None or not same_loop:
            return
        if not opening.done():
            opening.cancel()
        if keeper is not None:
            keeper.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await keeper

    async def _open(self) -> driver.Pool:
        pool = await self._open_pool()
        self._keeper = asyncio.get_running_loop().create_task(_keep(pool))
        return pool


async def _keep(pool: driver.Pool) -> None:
    try:
        await asyncio.get_running_loop().create_future()
    finally:
        try:
            await asyncio.wait_for(pool.close(), _CLOSE_TIMEOUT)
        except Exception:  # connections still busy (a cancelled call): drop them
            pool.terminate()
