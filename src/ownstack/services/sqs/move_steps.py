"""One message move task's work loop: a step of at most MaxNumberOfMessagesPerSecond messages
a second, progress saved after each step, a cancel seen at the next one; the runner stops
before a step once it no longer holds the task's lease (another process has taken it over)."""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import Callable

from ownstack.ports.errors import ConditionFailed
from ownstack.ports.meta import Put
from ownstack.ports.queues import NewMessage

from .base import SqsBase
from .move_records import CANCELLED, CANCELLING, COMPLETED, MOVES, MoveTaskRecord
from .records import QueueRecord

DEFAULT_RATE = 500
"""Messages a second when the caller sets no rate (SQS's maximum)."""
_FALLBACK_VISIBILITY = 30.0


def _always() -> bool:
    return True


class MoveSteps(SqsBase):
    async def run_move(
        self, task: MoveTaskRecord, still_held: Callable[[], bool] = _always
    ) -> None:
        source = await self.find_arn(task.source_arn)
        if source is None:
            raise RuntimeError("The source queue was deleted.")
        rate = task.rate or DEFAULT_RATE
        loop = asyncio.get_running_loop()
        while still_held():
            current = await self.meta.get(MOVES, task.key)
            if current is None:
                return
            if MoveTaskRecord.decode(current.value).status == CANCELLING:
                task.status = CANCELLED
                await self.meta.commit([Put(MOVES, task.key, task.encode())])
                return
            began = loop.time()
            moved = 0
            if task.moved < task.to_move:
                moved = await self._step(source, task, min(rate, task.to_move - task.moved))
            task.moved += moved
            done = moved == 0 or task.moved >= task.to_move
            if done:
                task.status = COMPLETED
            try:
                await self.meta.commit(
                    [Put(MOVES, task.key, task.encode(), expect=current.version)]
                )
            except ConditionFailed:
                task.status = current_status(task)
                continue  # cancelled meanwhile: the next round sees it (progress is kept)
            if done:
                return
            await asyncio.sleep(max(0.0, 1.0 - (loop.time() - began)))

    async def _step(self, source: QueueRecord, task: MoveTaskRecord, limit: int) -> int:
        if task.destination_arn:
            target = await self.find_arn(task.destination_arn)
            if target is None:
                raise RuntimeError("The destination queue was deleted.")
            return await self.queues.move(source.id, target.id, limit)
        origins = await self.dead_letter_sources(source)
        if len(origins) == 1:
            return await self.queues.move(source.id, origins[0].id, limit)
        return await self._move_to_origins(source, limit)

    async def _move_to_origins(self, source: QueueRecord, limit: int) -> int:
        """Messages of several source queues: each goes back to the queue it came from. The
        port moves to one target per call, so this receives, re-sends and deletes (a crash in
        between may leave a message in both queues; none is lost)."""
        received = await self.queues.receive(
            source.id, max_messages=min(10, limit), visibility=_FALLBACK_VISIBILITY
        )
        by_origin: dict[str, list[tuple[str, NewMessage]]] = defaultdict(list)
        for msg in received:
            origin = msg.dead_letter_source
            if origin is not None and await self.find_id(origin) is not None:
                new = NewMessage(msg.body, msg.attributes, group=msg.group, dedup_id=msg.dedup_id)
                by_origin[origin].append((msg.receipt, new))
        moved = 0
        for origin, items in by_origin.items():
            await self.queues.send(origin, [new for _, new in items])
            await self.queues.delete(source.id, [receipt for receipt, _ in items])
            moved += len(items)
        return moved


def current_status(task: MoveTaskRecord) -> str:
    """After a lost race the task is still running as far as this runner knows."""
    return "RUNNING" if task.status == COMPLETED else task.status
