"""Group commit on the event loop: calls of one kind on one key (a queue) that arrive while the
previous batch for that key is being written go together as the next batch, written by one
statement in one transaction (one round trip, one COMMIT, one WAL flush). A caller is answered
only when its batch's statement returned, so what it wrote is committed (durable) by then.

A batch starts on the loop turn after its first call, so calls made in the same turn (requests
parsed from one read of the sockets) join it; later ones wait for the next. One batch per key is
in flight at a time: the pool's other connections stay free for receives."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Generic, TypeVar

from ownstack.ports.errors import BackendUnavailable

K = TypeVar("K")
I = TypeVar("I")  # noqa: E741 - the item type
R = TypeVar("R")

Flush = Callable[[K, list[I]], Awaitable[list[R | Exception]]]
"""Writes the items of one batch (in submission order) in one transaction; one result per item,
or the exception that item's caller gets. What it raises goes to every caller of the batch."""
After = Callable[[K, list[R | Exception]], Awaitable[None]]
"""Runs once the batch's callers are answered, before the next batch (a wake-up to send)."""


class Batcher(Generic[K, I, R]):
    def __init__(self, flush: Flush[K, I, R], after: After[K, R]) -> None:
        self._flush = flush
        self._after = after
        self._waiting: dict[K, list[tuple[I, asyncio.Future[R]]]] = {}
        self._running: dict[K, asyncio.Task[None]] = {}

    async def submit(self, key: K, item: I) -> R:
        """`item` written with whatever else is submitted for `key` meanwhile; its result."""
        loop = asyncio.get_running_loop()
        future: asyncio.Future[R] = loop.create_future()
        self._waiting.setdefault(key, []).append((item, future))
        if key not in self._running:
            self._running[key] = loop.create_task(self._run(key))
        return await future

    async def _run(self, key: K) -> None:
        try:
            while batch := self._waiting.pop(key, None):
                await self._write(key, batch)
        finally:
            # Ending without writing what waits (the loop is shutting down): nobody is left to.
            del self._running[key]
            _fail(self._waiting.pop(key, []), BackendUnavailable("postgres: store closing"))

    async def _write(self, key: K, batch: list[tuple[I, asyncio.Future[R]]]) -> None:
        # A caller cancelled before its batch started is left out: nothing of it was written.
        batch = [(item, future) for item, future in batch if not future.done()]
        if not batch:
            return
        try:
            results = await self._flush(key, [item for item, _ in batch])
        except asyncio.CancelledError:
            _fail(batch, BackendUnavailable("postgres: cancelled while committing"))
            raise
        except Exception as exc:
            _fail(batch, exc)
            return
        for (_, future), result in zip(batch, results, strict=True):
            if future.done():  # a caller cancelled meanwhile: its write stands regardless
                continue
            if isinstance(result, Exception):
                future.set_exception(result)
            else:
                future.set_result(result)
        await self._after(key, results)


def _fail(batch: list[tuple[I, asyncio.Future[R]]], error: BaseException) -> None:
    for _, future in batch:
        if not future.done():
            future.set_exception(error)
