"""MemoryQueues: the queue port in process memory (nothing survives a restart).

Every method runs without an await between reading and changing state, so each is atomic on
the event loop. Long polls wait on futures that a send (or a drop) resolves, with a timer for
the next delayed or in-flight message to become visible.
"""

from __future__ import annotations

import asyncio
import secrets
import uuid
from collections.abc import Sequence

from ownstack.backends.memory.queue_receive import take, transfer
from ownstack.backends.memory.queue_state import Message, QueueState, open_receipt
from ownstack.core.clock import Clock
from ownstack.ports.errors import BackendUnavailable, PortError
from ownstack.ports.queues import (
    Counts,
    MessageNotInflight,
    NewMessage,
    QueueNotFound,
    QueueSpec,
    ReceiptInvalid,
    Received,
    Redrive,
    Sent,
)


class MemoryQueues:
    def __init__(self, clock: Clock) -> None:
        self._clock = clock
        self._queues: dict[str, QueueState] = {}
        self._secret = secrets.token_bytes(32)
        self._closed = False

    async def create(self, queue: str, spec: QueueSpec) -> None:
        self._check_open()
        state = self._queues.get(queue)
        if state is None:
            self._queues[queue] = QueueState(spec)
        else:
            state.spec = spec

    async def drop(self, queue: str) -> None:
        self._check_open()
        state = self._queues.pop(queue, None)
        if state is not None:
            state.dropped = True
            state.wake()

    async def send(self, queue: str, messages: Sequence[NewMessage]) -> list[Sent]:
        state = self._queue(queue)
        now = self._clock.now()
        state.forget_old(now)
        sent = [self._enqueue(state, message, now) for message in messages]
        state.wake(sum(1 for s in sent if not s.duplicate))
        return sent

    def _enqueue(self, state: QueueState, new: NewMessage, now: float) -> Sent:
        fifo = state.spec.fifo
        key = None
        if fifo and new.dedup_id is not None:
            key = (new.group if state.spec.dedup_per_group else None, new.dedup_id)
            first = state.dedup.get(key)
            if first is not None:
                return Sent(first[1], first[2], duplicate=True)
        order = state.next_order
        state.next_order += 1
        message = Message(
            id=str(uuid.uuid4()),
            body=new.body,
            attributes=bytes(new.attributes),
            sent_at=now,
            order=order,
            visible_at=now + max(new.delay, 0.0),
            group=(new.group or "") if fifo else None,  # a FIFO message always has a group
            dedup_id=new.dedup_id if fifo else None,
        )
        state.add(message)
        if key is not None:
            state.dedup[key] = (now, message.id, order)
        return Sent(message.id, order if fifo else None)

    async def receive(
        self,
        queue: str,
        *,
        max_messages: int,
        visibility: float,
        wait: float = 0.0,
        redrive: Redrive | None = None,
        attempt_id: str | None = None,
    ) -> list[Received]:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + wait
        while True:
            state = self._queue(queue)
            target = self._queues.get(redrive.target) if redrive is not None else None
            now = self._clock.now()
            got = take(
                self._secret,
                queue,
                state,
                now,
                limit=max_messages,
                visibility=visibility,
                redrive=redrive,
                target=target,
                attempt_id=attempt_id,
            )
            remaining = deadline - loop.time()
            if got or remaining <= 0:
                return got
            now = self._clock.now()
            change = state.next_change(now)
            timeout = remaining if change is None else min(remaining, change - now)
            await _wait(state, loop, timeout)

    async def delete(self, queue: str, receipts: Sequence[str]) -> list[PortError | None]:
        state = self._queue(queue)
        results: list[PortError | None] = []
        for receipt in receipts:
            message = self._holder(queue, state, receipt)
            if isinstance(message, PortError):
                results.append(message)
                continue
            if message is not None:
                state.remove(message)
            results.append(None)
        if state.spec.fifo:
            state.wake(len(receipts))  # a deleted head may unblock its group
        return results

    async def change_visibility(
        self, queue: str, changes: Sequence[tuple[str, float]]
    ) -> list[PortError | None]:
        state = self._queue(queue)
        now = self._clock.now()
        results: list[PortError | None] = []
        for receipt, seconds in changes:
            message = self._holder(queue, state, receipt)
            if isinstance(message, PortError):
                results.append(message)
            elif message is None or not message.in_flight(now):
                results.append(MessageNotInflight(f"message of receipt {receipt!r} not in flight"))
            else:
                message.visible_at = now + max(seconds, 0.0)
                message.attempt = None
                state.schedule(message)
                results.append(None)
        # A shorter visibility makes a message receivable sooner than the waiters' timers
        # expect: one waiter per change looks again (and sets its timer anew).
        state.wake(len(changes))
        return results

    def _holder(self, queue: str, state: QueueState, receipt: str) -> Message | PortError | None:
        """The message `receipt` is the latest receipt of, None if stale or gone, or the
        error for a receipt this store never issued for this queue."""
        opened = open_receipt(self._secret, queue, receipt)
        if opened is None:
            return ReceiptInvalid(f"receipt {receipt!r} is not valid for queue {queue!r}")
        message = state.messages.get(opened[0])
        if message is None or message.nonce != opened[1]:
            return None
        if state.expired(message, self._clock.now()):
            state.remove(message)
            return None
        return message

    async def purge(self, queue: str) -> None:
        state = self._queue(queue)
        for message in list(state.messages.values()):
            state.remove(message)
        state.heap.clear()
        state.attempts.clear()

    async def counts(self, queue: str) -> Counts:
        state = self._queue(queue)
        now = self._clock.now()
        visible = in_flight = delayed = 0
        for message in state.live(now):
            if message.visible_at <= now:
                visible += 1
            elif message.receive_count > 0:
                in_flight += 1
            else:
                delayed += 1
        return Counts(visible, in_flight, delayed)

    async def move(self, source: str, target: str, limit: int) -> int:
        state = self._queue(source)
        destination = self._queue(target)
        now = self._clock.now()
        visible = [m for m in state.live(now) if m.visible_at <= now]
        visible.sort(key=lambda m: (m.sent_at, m.order))
        for message in visible[: max(limit, 0)]:
            transfer(state, message, destination, now, None)
        return min(len(visible), max(limit, 0))

    async def health(self) -> None:
        self._check_open()

    async def close(self) -> None:
        self._closed = True
        for state in self._queues.values():
            state.wake()

    def _queue(self, queue: str) -> QueueState:
        self._check_open()
        state = self._queues.get(queue)
        if state is None:
            raise QueueNotFound(queue)
        return state

    def _check_open(self) -> None:
        if self._closed:
            raise BackendUnavailable("queue store is closed")


async def _wait(state: QueueState, loop: asyncio.AbstractEventLoop, timeout: float) -> None:
    """Until a send, a drop or `timeout` seconds, whichever comes first."""
    waiter: asyncio.Future[None] = loop.create_future()
    state.waiters.append(waiter)
    try:
        await asyncio.wait({waiter}, timeout=max(timeout, 0.0))
    except asyncio.CancelledError:
        if waiter.done():  # woken as it was cancelled: the wake-up goes to the next one
            state.wake(1)
        raise
    finally:
        if not waiter.done():  # timed out: still queued
            state.waiters.remove(waiter)
