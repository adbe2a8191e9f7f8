"""Long-poll wake-ups inside one process: receivers waiting on a queue, woken by a local send or
by a NOTIFY from any process sharing the database.

A wake-up goes to one waiter, the longest waiting: 32 receivers long-polling a queue should not
all query the database for the one message a send brought. A waiter that took a full batch
passes the wake-up on (there may be more), and so does one that leaves before looking."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from contextlib import contextmanager


class Wakeups:
    def __init__(self) -> None:
        self._waiting: dict[str, dict[asyncio.Event, None]] = {}
        """Per queue, the waiters' events in the order they came (a dict as an ordered set)."""

    @contextmanager
    def watch(self, queue: str) -> Iterator[asyncio.Event]:
        """A waiter registers before it looks for messages, so a send that commits while it
        looks still wakes it."""
        event = asyncio.Event()
        self._waiting.setdefault(queue, {})[event] = None
        try:
            yield event
        except BaseException:
            if event.is_set():  # woken, but leaving without a look: another one looks
                self._forget(queue, event)
                self.wake(queue)
            raise
        finally:
            self._forget(queue, event)

    def wake(self, queue: str) -> None:
        for event in self._waiting.get(queue, {}):
            if not event.is_set():
                event.set()
                return

    def wake_all(self, queue: str | None = None) -> None:
        """Every waiter on `queue` (None: on every queue) looks again: the queue was dropped, or
        the listener was lost and a notification may have been missed."""
        groups = self._waiting.values() if queue is None else [self._waiting.get(queue, {})]
        for waiting in groups:
            for event in waiting:
                event.set()

    def _forget(self, queue: str, event: asyncio.Event) -> None:
        waiting = self._waiting.get(queue)
        if waiting is not None:
            waiting.pop(event, None)
            if not waiting:
                del self._waiting[queue]
