"""One memory queue's state: its messages, FIFO groups, dedup window, receive attempts and
long-poll waiters (MemoryQueues in queues.py is the port over a dict of these)."""

from __future__ import annotations

import asyncio
import base64
import heapq
import hmac
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass, field

from ownstack.ports.queues import QueueSpec, Received


@dataclass(slots=True, eq=False)
class Message:
    id: str
    body: str
    attributes: bytes
    sent_at: float
    order: int
    """Arrival order in this queue (its FIFO sequence number)."""
    visible_at: float
    group: str | None = None
    dedup_id: str | None = None
    dead_letter_source: str | None = None
    receive_count: int = 0
    first_received_at: float = 0.0
    nonce: str = ""
    """Of the latest receipt ("" before the first receive)."""
    attempt: str | None = None
    """The receive attempt id that handed it out, until it is deleted or its visibility changes."""

    def in_flight(self, now: float) -> bool:
        return self.receive_count > 0 and self.visible_at > now

    def received(self, receipt: str, sequence: int | None) -> Received:
        return Received(
            message_id=self.id,
            body=self.body,
            attributes=self.attributes,
            receipt=receipt,
            sent_at=self.sent_at,
            receive_count=self.receive_count,
            first_received_at=self.first_received_at,
            group=self.group,
            dedup_id=self.dedup_id,
            sequence=sequence,
            dead_letter_source=self.dead_letter_source,
        )


@dataclass(slots=True)
class Attempt:
    at: float
    messages: list[tuple[Message, str]]
    """Each message handed out with its receipt."""


@dataclass(slots=True, eq=False)
class QueueState:
    spec: QueueSpec
    messages: dict[str, Message] = field(default_factory=dict)
    """By id, in arrival order."""
    next_order: int = 1
    heap: list[tuple[float, int, int, Message]] = field(default_factory=list)
    """Standard queues: (visible_at, order, push count, message) entries; stale ones are
    skipped on pop (the push count keeps two entries of one message apart)."""
    pushes: int = 0
    groups: dict[str, list[Message]] = field(default_factory=dict)
    """FIFO queues: each group's messages in send order."""
    dedup: dict[tuple[str | None, str], tuple[float, str, int]] = field(default_factory=dict)
    """(group or None, dedup id) -> (first sent at, message id, sequence)."""
    attempts: dict[str, Attempt] = field(default_factory=dict)
    waiters: deque[asyncio.Future[None]] = field(default_factory=deque)
    """Long polls, oldest first."""
    dropped: bool = False

    def add(self, message: Message) -> None:
        self.messages[message.id] = message
        if self.spec.fifo:
            self.groups.setdefault(message.group or "", []).append(message)
        else:
            self.schedule(message)

    def schedule(self, message: Message) -> None:
        """Record a new visible_at (standard queues keep a heap of them)."""
        if not self.spec.fifo:
            self.pushes += 1
            heapq.heappush(self.heap, (message.visible_at, message.order, self.pushes, message))

    def remove(self, message: Message) -> None:
        if self.messages.pop(message.id, None) is not message:
            return
        if self.spec.fifo:
            group = self.groups[message.group or ""]
            group.remove(message)
            if not group:
                del self.groups[message.group or ""]

    def expired(self, message: Message, now: float) -> bool:
        return message.sent_at + self.spec.retention <= now

    def live(self, now: float) -> Iterator[Message]:
        """Every message still within retention (removing the others)."""
        for message in list(self.messages.values()):
            if self.expired(message, now):
                self.remove(message)
            else:
                yield message

    def candidates(self, now: float) -> Iterator[Message]:
        """Messages that may be handed out now, in the order they should be."""
        return self._fifo_candidates(now) if self.spec.fifo else self._standard_candidates(now)

    def _standard_candidates(self, now: float) -> Iterator[Message]:
        heap = self.heap
        while heap and heap[0][0] <= now:
            visible_at, _, _, message = heapq.heappop(heap)
            if message.visible_at != visible_at or self.messages.get(message.id) is not message:
                continue  # stale entry: the message moved on or is gone
            if self.expired(message, now):
                self.remove(message)
                continue
            yield message

    def _fifo_candidates(self, now: float) -> Iterator[Message]:
        for name in list(self.groups):
            group = self.groups.get(name)
            if group is None or _blocked(group, now):
                continue
            index = 0
            while index < len(group):
                message = group[index]
                if self.expired(message, now):
                    self.remove(message)  # the next one moves up to `index`
                    continue
                if message.visible_at > now:
                    break  # strict order: nothing after a message that is not visible yet
                yield message
                if index < len(group) and group[index] is message:
                    index += 1  # still there (handed out rather than redriven)

    def next_change(self, now: float) -> float | None:
        """The earliest time after `now` a message becomes visible (None: none will)."""
        times = [m.visible_at for m in self.messages.values() if m.visible_at > now]
        return min(times) if times else None

    def forget_old(self, now: float) -> None:
        """Drop dedup entries and receive attempts older than the dedup window."""
        horizon = now - self.spec.dedup_window
        for key in [k for k, (at, _, _) in self.dedup.items() if at <= horizon]:
            del self.dedup[key]
        for attempt_id in [k for k, a in self.attempts.items() if a.at <= horizon]:
            del self.attempts[attempt_id]

    def wake(self, count: int | None = None) -> None:
        """Wake `count` long polls, oldest first (None: all). A send wakes one per message
        rather than all: idle consumers would otherwise each look again for every message."""
        waiters = self.waiters
        while waiters and (count is None or count > 0):
            waiter = waiters.popleft()
            if waiter.done():
                continue
            waiter.set_result(None)
            if count is not None:
                count -= 1


def _blocked(group: list[Message], now: float) -> bool:
    """Whether any message of the group is in flight. Received messages are always a prefix of
    their group (a receive hands out from the head), so the walk stops at the first one never
    received."""
    for message in group:
        if message.receive_count == 0:
            return False
        if message.in_flight(now):
            return True
    return False


def sign_receipt(secret: bytes, queue: str, message_id: str, nonce: str) -> str:
    return f"{message_id}:{nonce}:{_mac(secret, queue, message_id, nonce)}"


def open_receipt(secret: bytes, queue: str, receipt: str) -> tuple[str, str] | None:
    """(message id, nonce) of a receipt this store issued for `queue`, else None."""
    parts = receipt.split(":")
    if len(parts) != 3:
        return None
    message_id, nonce, mac = parts
    if not hmac.compare_digest(mac, _mac(secret, queue, message_id, nonce)):
        return None
    return message_id, nonce


def _mac(secret: bytes, queue: str, message_id: str, nonce: str) -> str:
    text = f"{queue}\n{message_id}\n{nonce}".encode()
    digest = hmac.digest(secret, text, "sha256")[:15]
    return base64.urlsafe_b64encode(digest).decode()
