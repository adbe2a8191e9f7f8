"""The queue port: durable message queues with visibility timeouts, long polling, FIFO message
groups, deduplication and dead-letter redrive. What SQS needs (and SNS through it).

A queue is named by an opaque id the caller chooses (SQS uses a fresh id per CreateQueue, so a
queue deleted and created again starts empty); queue attributes, names and tags are the
caller's business (the meta port), not the engine's. Message bodies are text, message
`attributes` opaque bytes the caller encodes; engines store both and never look inside.

Semantics every engine keeps (the conformance suite, tests/conformance/queues, checks each):

- `send` is durable when it returns (fsync / the engine's commit), all messages of one call in
  one commit. Concurrent calls are batched into one durable write where the engine can.
- A message is *delayed* until `sent_at + delay`, then *visible*. `receive` makes it *in flight*
  until `now + visibility`, with a new receipt and its receive count + 1; when that passes
  without a `delete` it is visible again (at-least-once). Times come from the engine's Clock.
- A message older than the queue's `retention` (from its first `sent_at`) is gone: never
  received, counted or moved again.
- FIFO queues (`QueueSpec.fifo`): messages of one group are received strictly in send order
  and a group is blocked while any of its messages is in flight. `send` with a `dedup_id`
  already sent within `dedup_window` seconds (of the first send; in the same group when
  `dedup_per_group`), even one since deleted, enqueues nothing and returns the first send's
  message id and sequence, with `duplicate=True`. Sequence numbers grow per queue.
- Redrive: a `receive` with `redrive` moves each message it would hand out for more than the
  `max_receives`-th time to the `redrive.target` queue instead (keeping id, body, attributes,
  `sent_at`, FIFO group and dedup id; the receive count restarts), in the same transaction.
- Long polling: `receive(wait=s)` returns as soon as at least one message can be handed out, or
  with none after `s` seconds; a `send` from any client (any process, for shared engines) wakes
  it promptly (the bar: within 50 ms).
- Receipts: only the latest receipt of a message may delete it or change its visibility. A
  stale receipt (the message was received again since) deletes nothing and is not an error, as
  on AWS; a receipt that this engine never issued for this queue is `ReceiptInvalid`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from ownstack.ports.errors import PortError

DEFAULT_RETENTION = 345_600.0
"""Seconds a message is kept (SQS's default MessageRetentionPeriod, 4 days)."""
DEDUP_WINDOW = 300.0
"""Seconds a FIFO deduplication id is remembered (SQS: 5 minutes)."""


class QueueNotFound(PortError):
    def __init__(self, queue: str) -> None:
        super().__init__(f"queue {queue!r} not found")
        self.queue = queue


class ReceiptInvalid(PortError):
    """A receipt this engine never issued for this queue (malformed, or another queue's)."""


class MessageNotInflight(PortError):
    """A visibility change for a message that is not in flight under this receipt (deleted,
    visible again, or received again since)."""


@dataclass(frozen=True, slots=True)
class QueueSpec:
    fifo: bool = False
    retention: float = DEFAULT_RETENTION
    dedup_window: float = DEDUP_WINDOW
    dedup_per_group: bool = False
    """FIFO: a dedup id is unique per message group, not per queue (SQS's
    DeduplicationScope=messageGroup, high-throughput mode)."""


@dataclass(frozen=True, slots=True)
class NewMessage:
    body: str
    attributes: bytes = b""
    """The caller's encoding of its message attributes; opaque to the engine."""
    delay: float = 0.0
    group: str | None = None
    """FIFO: the message group (required on FIFO queues, ignored elsewhere)."""
    dedup_id: str | None = None
    """FIFO: the deduplication id (the caller derives content-based ids itself)."""


@dataclass(frozen=True, slots=True)
class Sent:
    message_id: str
    sequence: int | None
    """FIFO: the message's sequence number; None on standard queues."""
    duplicate: bool = False
    """FIFO: the dedup id was sent within the window; nothing new was enqueued."""


@dataclass(frozen=True, slots=True)
class Received:
    message_id: str
    body: str
    attributes: bytes
    receipt: str
    sent_at: float
    """Epoch seconds of the first send (a redriven or moved message keeps it)."""
    receive_count: int
    first_received_at: float
    group: str | None = None
    dedup_id: str | None = None
    sequence: int | None = None
    dead_letter_source: str | None = None
    """The queue a redrive moved this message from (SQS's DeadLetterQueueSourceArn)."""


@dataclass(frozen=True, slots=True)
class Redrive:
    target: str
    """The dead-letter queue's id."""
    max_receives: int


@dataclass(frozen=True, slots=True)
class Counts:
    visible: int
    in_flight: int
    delayed: int


@runtime_checkable
class QueueStore(Protocol):
    async def create(self, queue: str, spec: QueueSpec) -> None:
        """Create the queue, or update the spec of an existing one (messages kept)."""
        ...

    async def drop(self, queue: str) -> None:
        """Delete the queue and its messages; an unknown queue is not an error."""
        ...

    async def send(self, queue: str, messages: Sequence[NewMessage]) -> list[Sent]:
        """Enqueue, durably, in one commit; one `Sent` per message, in order. Raises
        QueueNotFound."""
        ...

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
        """Up to `max_messages` messages, now in flight for `visibility` seconds (0: visible
        again at once). Waits up to `wait` seconds for the first one. FIFO: a retry with the
        same `attempt_id` within the dedup window, while the messages it returned are still in
        flight and untouched, returns those same messages and receipts. Raises QueueNotFound
        (also when the queue is dropped during the wait)."""
        ...

    async def delete(self, queue: str, receipts: Sequence[str]) -> list[PortError | None]:
        """Delete the messages, in one commit; per receipt None or the error
        (ReceiptInvalid). A stale receipt or a message already gone is None. Raises
        QueueNotFound."""
        ...

    async def change_visibility(
        self, queue: str, changes: Sequence[tuple[str, float]]
    ) -> list[PortError | None]:
        """(receipt, seconds from now) per message, in one commit; per change None or the
        error (ReceiptInvalid, MessageNotInflight). Raises QueueNotFound."""
        ...

    async def purge(self, queue: str) -> None:
        """Delete every message (in flight and delayed too). Raises QueueNotFound."""
        ...

    async def counts(self, queue: str) -> Counts:
        """Approximate numbers of visible, in-flight and delayed messages (exact for the
        embedded engines). Raises QueueNotFound."""
        ...

    async def move(self, source: str, target: str, limit: int) -> int:
        """Move up to `limit` visible messages, oldest first, from `source` to `target` in one
        commit, each keeping its id, body, attributes and `sent_at` (receive count restarts);
        how many moved (0: nothing visible left). Raises QueueNotFound."""
        ...

    async def health(self) -> None: ...

    async def close(self) -> None: ...
