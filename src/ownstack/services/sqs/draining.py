"""Ending long polls when the server stops.

A ReceiveMessage may wait up to 20 s. Without this, stopping the server either waits that long
for it or, past the HTTP server's grace period, drops the connection, which the client sees as
an error. Once draining, a waiting receive answers at once with no messages (what it would
answer had its wait run out), and new receives do not wait.

A receive cancelled between marking messages in flight and answering leaves them invisible
until their visibility timeout ends: delivered later, never lost (at-least-once holds).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Coroutine
from typing import Any, TypeVar

T = TypeVar("T")


class Drain:
    def __init__(self) -> None:
        self._event = asyncio.Event()

    @property
    def draining(self) -> bool:
        return self._event.is_set()

    def start(self) -> None:
        self._event.set()

    async def unless_draining(self, waiting: Coroutine[Any, Any, T], empty: T) -> T:
        """`waiting`'s result, or `empty` if draining starts first."""
        task = asyncio.ensure_future(waiting)
        drained = asyncio.ensure_future(self._event.wait())
        try:
            await asyncio.wait((task, drained), return_when=asyncio.FIRST_COMPLETED)
        finally:
            drained.cancel()
        if not task.done():
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                return await task  # it may have finished before the cancel landed
            return empty
        return task.result()
