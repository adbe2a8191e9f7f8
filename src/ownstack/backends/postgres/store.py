"""PostgresQueues: the queue port on PostgreSQL, for any number of ownstack processes sharing
one database. Each call is one transaction, durable at COMMIT (synchronous_commit on), but for
a receive's (sql.ASYNC_COMMIT says why); concurrent standard sends, and deletes, of one queue
share one (grouped.py); long polls wake on LISTEN/NOTIFY from any process, and on a timer for
delayed and in-flight messages."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
from collections.abc import Sequence

from ownstack.backends.postgres import sql
from ownstack.backends.postgres.driver import (
    Connection,
    Row,
    migrating,
    unavailable_as_port_error,
)
from ownstack.backends.postgres.grouped import Outgoing
from ownstack.backends.postgres.moving import move_oldest
from ownstack.backends.postgres.receipts import Receipts, Ticket
from ownstack.backends.postgres.receiving import Ask, next_visible, take_fifo, take_standard
from ownstack.backends.postgres.rows import received
from ownstack.backends.postgres.schema import COMPONENT, check_schema_name, open_schema
from ownstack.backends.postgres.sending import send
from ownstack.backends.postgres.session import Session
from ownstack.core.clock import Clock
from ownstack.ports.errors import PortError
from ownstack.ports.queues import (
    Counts,
    MessageNotInflight,
    NewMessage,
    QueueNotFound,
    QueueSpec,
    Received,
    Redrive,
    Sent,
)

SWEEP_EVERY = 60.0
"""Seconds between clean-ups of one queue's expired rows by one process."""
RECHECK_EVERY = 5.0
"""A long poll looks again at least this often, should a notification have been lost."""


class PostgresQueues:
    def __init__(self, dsn: str, schema: str, clock: Clock, pool_size: int = 10) -> None:
        self._dsn = dsn
        self._schema = check_schema_name(schema)
        self._clock = clock
        self._pool_size = pool_size
        self._channel = "ownstack_" + hashlib.sha256(schema.encode()).hexdigest()[:16]
        self._receipts: Receipts | None = None
        self._opening: asyncio.Task[Session] | None = None
        self._opening_loop: asyncio.AbstractEventLoop | None = None
        self._swept: dict[str, float] = {}

    async def open(self) -> None:
        with unavailable_as_port_error():
            await self._session()

    async def create(self, queue: str, spec: QueueSpec) -> None:
        s = await self._session()
        args = (spec.fifo, spec.retention, spec.dedup_window, spec.dedup_per_group)
        with unavailable_as_port_error():
            await s.pool.execute(sql.CREATE, queue, *args)

    async def drop(self, queue: str) -> None:
        s = await self._session()
        with unavailable_as_port_error():
            await s.pool.execute(sql.DROP, queue)
        self._swept.pop(queue, None)
        s.wakeups.wake_all(queue)  # its waiting receives raise QueueNotFound
        s.notify(queue)

    async def send(self, queue: str, messages: Sequence[NewMessage]) -> list[Sent]:
        s = await self._session()
        now = self._clock.now()
        with unavailable_as_port_error():
            if messages:  # a standard queue's: group-committed with concurrent sends
                outgoing = Outgoing.of(messages, now)
                if await s.writes.sends.submit(queue, outgoing):
                    return [Sent(message_id, None) for message_id in outgoing.ids]
            async with s.pool.acquire() as conn:
                sent = await send(conn, queue, messages, now)
        s.notify(queue)
        return sent

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
        s = await self._session()
        loop = asyncio.get_running_loop()
        deadline = loop.time() + wait
        with unavailable_as_port_error():
            if wait > 0:
                await s.listen()
            while True:
                with s.wakeups.watch(queue) as woken:
                    ask = Ask(self._clock.now(), max_messages, visibility, redrive, attempt_id)
                    got, wake_at = await self._receive_once(s, queue, ask)
                    pause = min(deadline - loop.time(), RECHECK_EVERY)
                    if woken.is_set() and len(got) >= max_messages:
                        s.wakeups.wake(queue)  # a full batch: there may be more for others
                    if got or pause <= 0:
                        return got
                    if wake_at is not None:
                        pause = min(pause, max(wake_at - self._clock.now(), 0.0))
                    await s.listen()
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(woken.wait(), pause)

    async def delete(self, queue: str, receipts: Sequence[str]) -> list[PortError | None]:
        s = await self._session()
        tickets, errors = self._tickets(queue, receipts)
        valid = [t for t in tickets if t is not None]
        with unavailable_as_port_error():
            deleted = await s.writes.deletes.submit(queue, valid)  # group-committed
        if not deleted.found:
            raise QueueNotFound(queue)
        return errors

    async def change_visibility(
        self, queue: str, changes: Sequence[tuple[str, float]]
    ) -> list[PortError | None]:
        s = await self._session()
        now = self._clock.now()
        tickets, errors = self._tickets(queue, [receipt for receipt, _ in changes])
        asked = [(t, now + seconds) for t, (_, seconds) in zip(tickets, changes, strict=True) if t]
        with unavailable_as_port_error():
            row: Row = await s.pool.fetchrow(
                sql.CHANGE,
                queue,
                [t.seq for t, _ in asked],
                [t.nonce for t, _ in asked],
                [visible_at for _, visible_at in asked],
                now,
            )
        if not row["found"]:
            raise QueueNotFound(queue)
        changed = set(row["changed"])
        for i, ticket in enumerate(tickets):
            if ticket is not None and ticket.seq not in changed:
                errors[i] = MessageNotInflight(
                    f"message of receipt {changes[i][0]!r} not in flight"
                )
        if changed:  # waiting receives re-arm their timers (a message may be due sooner)
            s.notify(queue)
        return errors

    async def purge(self, queue: str) -> None:
        s = await self._session()
        with unavailable_as_port_error():
            found: bool = await s.pool.fetchval(sql.PURGE, queue)
        if not found:
            raise QueueNotFound(queue)

    async def counts(self, queue: str) -> Counts:
        s = await self._session()
        with unavailable_as_port_error():
            row: Row | None = await s.pool.fetchrow(sql.COUNTS, queue, self._clock.now())
        if row is None:
            raise QueueNotFound(queue)
        return Counts(visible=row["visible"], in_flight=row["in_flight"], delayed=row["delayed"])

    async def move(self, source: str, target: str, limit: int) -> int:
        s = await self._session()
        now = self._clock.now()
        with unavailable_as_port_error():
            async with s.pool.acquire() as conn:
                moved = await move_oldest(conn, source, target, limit, now)
        if moved:
            s.notify(target)
        return moved

    async def health(self) -> None:
        s = await self._session()
        with unavailable_as_port_error():
            await s.pool.fetchval("SELECT 1")

    async def close(self) -> None:
        opening, self._opening = self._opening, None
        if opening is None or self._opening_loop is not asyncio.get_running_loop():
            return  # another loop's session: its keeper closed it when that loop ended
        if not opening.done():
            opening.cancel()
        elif not opening.cancelled() and opening.exception() is None:
            await opening.result().close()

    # -- internals ---------------------------------------------------------------------------

    async def _session(self) -> Session:
        """This loop's session, opened on first use (the schema too, the first time)."""
        loop = asyncio.get_running_loop()
        if self._opening is None or self._opening_loop is not loop:
            self._opening_loop = loop
            self._opening = loop.create_task(self._open_session())
        opening = self._opening
        try:
            with unavailable_as_port_error():
                return await asyncio.shield(opening)
        except BaseException:
            if opening.done() and self._opening is opening:
                self._opening = None  # the next call tries again
            raise

    async def _open_session(self) -> Session:
        s = await Session.open(self._dsn, self._schema, self._channel, self._pool_size)
        if self._receipts is None:
            try:
                async with s.pool.acquire() as conn:
                    with migrating(self._schema, COMPONENT):
                        self._receipts = Receipts(await open_schema(conn, self._schema))
            except BaseException:
                await s.close()
                raise
        return s

    async def _receive_once(
        self, s: Session, queue: str, ask: Ask
    ) -> tuple[list[Received], float | None]:
        """What one look hands out, and (when nothing) when a message next becomes visible."""
        receipts = self._receipts
        assert receipts is not None
        await self._sweep(s, queue, ask.now)
        if ask.redrive is None:  # the common case: one statement (sql.RECEIVE)
            rows: list[Row] = await s.pool.fetch(
                sql.RECEIVE, queue, ask.now, ask.max_messages, ask.now + ask.visibility
            )
            if not rows:
                raise QueueNotFound(queue)
            if not rows[0]["fifo"]:
                taken_rows = sorted((r for r in rows if r["seq"] is not None), key=_seq)
                got = [received(r, queue, False, receipts) for r in taken_rows]
                return got, None if got else rows[0]["wake_at"]
        async with s.pool.acquire() as conn:
            spec = await self._spec(conn, queue)
            take = take_fifo if spec["fifo"] else take_standard
            taken = await take(conn, queue, spec, ask)
            got = [received(r, queue, spec["fifo"], receipts) for r in taken.rows]
            wake_at = None if got else await next_visible(conn, queue, spec, ask.now)
        if taken.redriven and ask.redrive is not None:
            s.notify(ask.redrive.target)
        return got, wake_at

    async def _spec(self, conn: Connection, queue: str) -> Row:
        spec: Row | None = await conn.fetchrow(sql.SPEC, queue)
        if spec is None:
            raise QueueNotFound(queue)
        return spec

    async def _sweep(self, s: Session, queue: str, now: float) -> None:
        tick = self._clock.monotonic()
        if tick - self._swept.get(queue, -SWEEP_EVERY) < SWEEP_EVERY:
            return
        self._swept[queue] = tick
        await s.pool.execute(sql.SWEEP, queue, now)

    def _tickets(
        self, queue: str, receipts: Sequence[str]
    ) -> tuple[list[Ticket | None], list[PortError | None]]:
        assert self._receipts is not None  # set by the session every call opens first
        return self._receipts.read_all(queue, receipts)


def _seq(row: Row) -> int:
    seq: int = row["seq"]
    return seq
