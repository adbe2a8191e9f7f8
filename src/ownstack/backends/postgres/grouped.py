"""The writes a store groups (batching.py), per queue: standard sends, and deletes. Each batch
is one autocommit statement (synchronous_commit on: it returns after its COMMIT is flushed), so
every caller it answers holds a durable result; one NOTIFY per batch tells other processes.

What is not grouped, and why: FIFO sends (they lock the queue row and resolve dedup ids in a
transaction of their own: sending.py), receives (each picks with SKIP LOCKED in one statement
already and commits without a flush), visibility changes (rare, and two changes of one message
in one statement would apply one of them arbitrarily)."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from ownstack.backends.postgres import driver, sql
from ownstack.backends.postgres.batching import Batcher
from ownstack.backends.postgres.receipts import Ticket
from ownstack.backends.postgres.rows import encode_body
from ownstack.ports.queues import NewMessage

Notify = Callable[[str], None]


@dataclass(frozen=True, slots=True)
class Outgoing:
    """One send call: its messages, the ids they get, and the Clock's time of the call."""

    messages: Sequence[NewMessage]
    ids: list[str]
    now: float

    @classmethod
    def of(cls, messages: Sequence[NewMessage], now: float) -> Outgoing:
        return cls(messages, [str(uuid.uuid4()) for _ in messages], now)


@dataclass(frozen=True, slots=True)
class Deleted:
    """What a delete batch found: the queue (else QueueNotFound), and whether FIFO groups may
    have been unblocked (a FIFO queue, something deleted)."""

    found: bool
    unblocked: bool


def send_args(queue: str, calls: Sequence[Outgoing]) -> list[Any]:
    """The parameters of sql.SEND for the messages of `calls`, in order."""
    messages = [(m, call.now, message_id) for call in calls for m, message_id in _ided(call)]
    return [
        queue,
        [now for _, now, _ in messages],
        [message_id for _, _, message_id in messages],
        [encode_body(m.body) for m, _, _ in messages],
        [m.attributes for m, _, _ in messages],
        [m.delay for m, _, _ in messages],
        [m.group for m, _, _ in messages],
        [m.dedup_id for m, _, _ in messages],
    ]


def _ided(call: Outgoing) -> zip[tuple[NewMessage, str]]:
    return zip(call.messages, call.ids, strict=True)


class GroupedWrites:
    def __init__(self, pool: driver.Pool, notify: Notify) -> None:
        self._pool = pool
        self._notify = notify
        self.sends: Batcher[str, Outgoing, bool] = Batcher(self._send, self._after_send)
        """True: sent. False: nothing sent, as the queue is FIFO or missing (or dropped while
        the batch was written): the caller sends on its own (sending.send) and finds out."""
        self.deletes: Batcher[str, Sequence[Ticket], Deleted] = Batcher(
            self._delete, self._after_delete
        )

    async def _send(self, queue: str, calls: list[Outgoing]) -> list[bool | Exception]:
        try:
            return [await self._send_together(queue, calls)] * len(calls)
        except Exception as exc:
            if len(calls) == 1 or driver.is_unavailable(exc):
                raise
        # A statement error: one call's messages may be what the database refused (text it
        # cannot hold). Each call alone, so that error goes to that caller only.
        return [await self._send_alone(queue, call) for call in calls]

    async def _send_together(self, queue: str, calls: list[Outgoing]) -> bool:
        try:
            count: int = await self._pool.fetchval(sql.SEND, *send_args(queue, calls))
        except driver.ForeignKeyViolation:  # dropped while we sent
            count = 0
        return count > 0

    async def _send_alone(self, queue: str, call: Outgoing) -> bool | Exception:
        try:
            return await self._send_together(queue, [call])
        except Exception as exc:
            if driver.is_unavailable(exc):
                raise
            return exc

    async def _after_send(self, queue: str, results: list[bool | Exception]) -> None:
        if any(result is True for result in results):
            self._notify(queue)

    async def _delete(self, queue: str, calls: list[Sequence[Ticket]]) -> list[Deleted | Exception]:
        tickets = [ticket for call in calls for ticket in call]
        row: driver.Row | None = await self._pool.fetchrow(
            sql.DELETE, queue, [t.seq for t in tickets], [t.nonce for t in tickets]
        )
        outcome = Deleted(row is not None, row is not None and row["fifo"] and row["deleted"] > 0)
        return [outcome] * len(calls)

    async def _after_delete(self, queue: str, results: list[Deleted | Exception]) -> None:
        if any(isinstance(result, Deleted) and result.unblocked for result in results):
            self._notify(queue)  # the group behind a deleted message may be free now
