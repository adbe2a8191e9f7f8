"""The memory engine's receive: which messages a receive hands out, redrives or drops, and
moving a message to another queue (redrive, move)."""

from __future__ import annotations

import secrets

from ownstack.backends.memory.queue_state import Attempt, Message, QueueState, sign_receipt
from ownstack.ports.queues import Received, Redrive


def take(
    secret: bytes,
    queue: str,
    state: QueueState,
    now: float,
    *,
    limit: int,
    visibility: float,
    redrive: Redrive | None,
    target: QueueState | None,
    attempt_id: str | None,
) -> list[Received]:
    """Hand out up to `limit` messages (in flight for `visibility` seconds)."""
    state.forget_old(now)
    if attempt_id is not None and state.spec.fifo:
        repeat = _repeat(state, attempt_id, now)
        if repeat is not None:
            return repeat
    if limit <= 0:
        return []
    handed: list[tuple[Message, str]] = []
    for message in state.candidates(now):
        # Checked before the next candidate is drawn: a standard queue's candidates are popped
        # from its heap, so one drawn must be handled.
        if (
            target is not None
            and redrive is not None
            and message.receive_count >= redrive.max_receives
        ):
            transfer(state, message, target, now, queue)
            continue
        handed.append((message, _hand_out(secret, queue, message, visibility, now)))
        if len(handed) >= limit:
            break
    for message, _ in handed:  # after the walk: a visibility of 0 must not hand it out twice
        state.schedule(message)
    if attempt_id is not None and state.spec.fifo and handed:
        for message, _ in handed:
            message.attempt = attempt_id
        state.attempts[attempt_id] = Attempt(now, handed)
    return [m.received(receipt, sequence(state, m)) for m, receipt in handed]


def _hand_out(secret: bytes, queue: str, message: Message, visibility: float, now: float) -> str:
    message.receive_count += 1
    if message.receive_count == 1:
        message.first_received_at = now
    message.nonce = secrets.token_hex(8)
    message.attempt = None
    message.visible_at = now + max(visibility, 0.0)
    return sign_receipt(secret, queue, message.id, message.nonce)


def _repeat(state: QueueState, attempt_id: str, now: float) -> list[Received] | None:
    """The same messages and receipts as the attempt's first call, if all are untouched."""
    attempt = state.attempts.get(attempt_id)
    if attempt is None:
        return None
    for message, _ in attempt.messages:
        if state.messages.get(message.id) is not message or message.attempt != attempt_id:
            return None
        if not message.in_flight(now):
            return None
    return [m.received(r, sequence(state, m)) for m, r in attempt.messages]


def transfer(
    source: QueueState,
    message: Message,
    target: QueueState,
    now: float,
    dead_letter_source: str | None,
) -> None:
    """Move a message to another queue, visible now: same id, body, attributes, sent_at, group
    and dedup id; its receive count restarts."""
    source.remove(message)
    order = target.next_order
    target.next_order += 1
    fifo = target.spec.fifo
    moved = Message(
        id=message.id,
        body=message.body,
        attributes=message.attributes,
        sent_at=message.sent_at,
        order=order,
        visible_at=now,
        group=(message.group or "") if fifo else None,
        dedup_id=message.dedup_id if fifo else None,
        dead_letter_source=dead_letter_source,
    )
    target.add(moved)
    target.wake(1)


def sequence(state: QueueState, message: Message) -> int | None:
    return message.order if state.spec.fifo else None
