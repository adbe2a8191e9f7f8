"""Work taken off a queue of the queue port: what an asynchronous delivery system (Lambda's
async invocations, EventBridge's target deliveries) runs on. Messages are taken one at a time,
up to `workers` in hand at once; each stays taken while its handler runs (renewed every third
of `visibility`), so a process that dies mid-work gives it back when `visibility` ends, and
another process (or this one after a restart) takes it again."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

from ownstack.ports.queues import QueueStore, Received

log = logging.getLogger("ownstack.events")

Handle = Callable[[Received], Awaitable[float | None]]
"""Does the work of a message: None when it is done with (it is deleted), else the seconds
after which it is to be taken again. An exception leaves it taken until `visibility` ends."""


class QueueTaker:
    def __init__(
        self,
        queue: QueueStore,
        name: str,
        handle: Handle,
        *,
        workers: int,
        visibility: float,
        wait: float = 10.0,
        label: str = "",
    ) -> None:
        self.queue = queue
        self.name = name
        self._handle = handle
        self._visibility = visibility
        self._wait = wait
        self._label = label or name
        self._slots = asyncio.Semaphore(workers)
        self._task: asyncio.Task[None] | None = None
        self._running: set[asyncio.Task[None]] = set()

    def start(self) -> None:
        if self._task is None:
            loop = asyncio.get_running_loop()
            self._task = loop.create_task(self._take_forever(), name=self._label)

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.wait([self._task])
            self._task = None
        for task in list(self._running):
            task.cancel()
        if self._running:
            await asyncio.wait(self._running)

    async def _take_forever(self) -> None:
        while True:
            await self._slots.acquire()
            try:
                got = await self.queue.receive(
                    self.name, max_messages=1, visibility=self._visibility, wait=self._wait
                )
            except asyncio.CancelledError:
                raise
            except Exception:
                self._slots.release()
                log.exception("taking work off %s failed", self._label)
                await asyncio.sleep(1.0)
                continue
            if not got:
                self._slots.release()
                continue
            task = asyncio.get_running_loop().create_task(self._work(got[0]))
            self._running.add(task)
            task.add_done_callback(self._done)

    def _done(self, task: asyncio.Task[None]) -> None:
        self._running.discard(task)
        self._slots.release()

    async def _work(self, message: Received) -> None:
        keep = asyncio.get_running_loop().create_task(self._keep_taken(message.receipt))
        try:
            again = await self._handle(message)
            if again is None:
                await self.queue.delete(self.name, [message.receipt])
            else:
                await self.queue.change_visibility(self.name, [(message.receipt, again)])
        except asyncio.CancelledError:
            raise
        except Exception:  # left taken: it comes back when its visibility ends
            log.exception("%s: work on %s failed", self._label, message.message_id)
        finally:
            keep.cancel()

    async def _keep_taken(self, receipt: str) -> None:
        while True:
            await asyncio.sleep(self._visibility / 3)
            try:
                await self.queue.change_visibility(self.name, [(receipt, self._visibility)])
            except Exception:
                log.exception("%s: renewing taken work failed", self._label)
