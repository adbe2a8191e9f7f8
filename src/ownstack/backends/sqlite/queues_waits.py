"""In-process long-poll wake-ups: receivers wait on futures per queue, and a send wakes as many
of them as it enqueued messages (not all: 32 idle consumers would otherwise each run a receive
per message). A waiter registers before its receive runs, so a send that commits in between
still finds it."""

from __future__ import annotations

import asyncio
import contextlib
from collections import deque


class Waiters:
    def __init__(self) -> None:
        self._by_queue: dict[str, deque[asyncio.Future[None]]] = {}

    def register(self, queue: str) -> asyncio.Future[None]:
        waiter: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._by_queue.setdefault(queue, deque()).append(waiter)
        return waiter

    def release(self, queue: str, waiter: asyncio.Future[None]) -> None:
        """The caller will not wait after all (its receive found messages): a wake-up it got
        goes on to the next waiter."""
        self.forget(queue, waiter)
        if waiter.done():
            self.wake(queue, 1)

    def forget(self, queue: str, waiter: asyncio.Future[None]) -> None:
        waiting = self._by_queue.get(queue)
        if waiting is None:
            return
        with contextlib.suppress(ValueError):  # already woken (and taken off)
            waiting.remove(waiter)
        if not waiting:
            del self._by_queue[queue]

    async def wait(self, queue: str, waiter: asyncio.Future[None], timeout: float) -> None:
        """Until woken or `timeout` seconds; a wake-up that arrives as the caller is cancelled
        goes on to the next waiter."""
        try:
            await asyncio.wait({waiter}, timeout=max(timeout, 0.0))
        except asyncio.CancelledError:
            if waiter.done() and not waiter.cancelled():
                self.wake(queue, 1)
            raise
        finally:
            self.forget(queue, waiter)

    def wake(self, queue: str, count: int | None = None) -> None:
        """Wake `count` waiters of the queue, oldest first (None: all of them)."""
        waiting = self._by_queue.get(queue)
        while waiting and (count is None or count > 0):
            waiter = waiting.popleft()
            if waiter.done():
                continue
            _resolve(waiter)
            if count is not None:
                count -= 1
        if waiting is not None and not waiting:
            self._by_queue.pop(queue, None)

    def wake_all(self) -> None:
        for queue in list(self._by_queue):
            self.wake(queue)


def _resolve(waiter: asyncio.Future[None]) -> None:
    loop = waiter.get_loop()
    try:
        running = asyncio.get_running_loop()
    except RuntimeError:
        running = None
    if loop is running:
        waiter.set_result(None)
    else:  # a waiter of another loop (or woken from a thread)
        loop.call_soon_threadsafe(_settle, waiter)


def _settle(waiter: asyncio.Future[None]) -> None:
    if not waiter.done():
        waiter.set_result(None)
