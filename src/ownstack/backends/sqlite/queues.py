"""SqliteQueues: the queue port on its own SQLite file (`queues.db`: WAL, group commit).

Every change runs as a job of a QueueWriter (queues_writer.py): on the event loop, inside the
batch's write transaction, answered once the batch's COMMIT returned (sends, deletes and queue
changes with an fsync; receives without one of their own). The jobs are in queues_tx.py and
queues_receive.py; `counts` reads on a connection of its own in a worker thread (it counts a
whole queue). Long polls wait in process (queues_waits.py) for a send, or for the next time a
delayed or in-flight message becomes visible. The file is locked to this process (lock.py).
"""

from __future__ import annotations

import asyncio
import sqlite3
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TypeVar

from ownstack.backends.sqlite import queues_receive, queues_tx
from ownstack.backends.sqlite import queues_schema as schema
from ownstack.backends.sqlite.lock import open_locked
from ownstack.backends.sqlite.queues_catalog import Catalog
from ownstack.backends.sqlite.queues_waits import Waiters
from ownstack.backends.sqlite.queues_writer import QueueWriter
from ownstack.backends.sqlite.schema import open_reader
from ownstack.core.clock import Clock
from ownstack.ports.errors import BackendUnavailable, PortError
from ownstack.ports.queues import Counts, NewMessage, QueueSpec, Received, Redrive, Sent

T = TypeVar("T")

COUNTS = (
    "SELECT coalesce(sum(visible_at <= ?1), 0),"
    " coalesce(sum(visible_at > ?1 AND receive_count > 0), 0),"
    " coalesce(sum(visible_at > ?1 AND receive_count = 0), 0)"
    " FROM messages WHERE qn = ?2 AND sent_at > ?3"
)


class SqliteQueues:
    def __init__(self, path: Path, clock: Clock) -> None:
        self.path = path
        self._clock = clock
        self._lock, (conn, self._catalog, self._reader) = open_locked(path, "queue", _open)
        self._read_lock = threading.Lock()
        self._conn = conn
        self._writer = QueueWriter(conn, self._catalog.flush, self._catalog.load)
        self._waiters = Waiters()
        self._closed = False

    async def create(self, queue: str, spec: QueueSpec) -> None:
        await self._run(lambda: queues_tx.create(self._conn, self._catalog, queue, spec), True)

    async def drop(self, queue: str) -> None:
        await self._run(lambda: queues_tx.drop(self._conn, self._catalog, queue), True)
        self._waiters.wake(queue)

    async def send(self, queue: str, messages: Sequence[NewMessage]) -> list[Sent]:
        sent = await self._run(
            lambda: queues_tx.send(self._conn, self._catalog, queue, messages, self._clock.now()),
            True,
        )
        self._waiters.wake(queue, sum(1 for s in sent if not s.duplicate))
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
        loop = asyncio.get_running_loop()
        deadline = loop.time() + wait

        def job() -> queues_receive.Outcome:
            return queues_receive.receive(
                self._conn,
                self._catalog,
                queue,
                limit=max_messages,
                visibility=visibility,
                redrive=redrive,
                attempt_id=attempt_id,
                now=self._clock.now(),
            )

        while True:
            waiter = self._waiters.register(queue) if wait > 0 else None
            try:
                got, change, redriven = await self._run(job, False)
            except BaseException:
                if waiter is not None:
                    self._waiters.release(queue, waiter)
                raise
            if redrive is not None and redriven:
                self._waiters.wake(redrive.target, redriven)
            remaining = deadline - loop.time()
            if waiter is None or got or remaining <= 0:
                if waiter is not None:
                    self._waiters.release(queue, waiter)
                return got
            timeout = remaining if change is None else min(remaining, change - self._clock.now())
            await self._waiters.wait(queue, waiter, timeout)

    async def delete(self, queue: str, receipts: Sequence[str]) -> list[PortError | None]:
        results = await self._run(
            lambda: queues_tx.delete(self._conn, self._catalog, queue, receipts), True
        )
        info = self._catalog.queues.get(queue)
        if info is not None and info.spec.fifo:  # a deleted head may unblock its group
            self._waiters.wake(queue, len(receipts))
        return results

    async def change_visibility(
        self, queue: str, changes: Sequence[tuple[str, float]]
    ) -> list[PortError | None]:
        results = await self._run(
            lambda: queues_tx.change_visibility(
                self._conn, self._catalog, queue, changes, self._clock.now()
            ),
            False,
        )
        # A shorter visibility makes a message receivable sooner than the waiters' timers
        # expect: one waiter per change looks again (and sets its timer anew).
        self._waiters.wake(queue, len(changes))
        return results

    async def purge(self, queue: str) -> None:
        await self._run(lambda: queues_tx.purge(self._conn, self._catalog, queue), True)

    async def counts(self, queue: str) -> Counts:
        self._check_open()
        info = self._catalog.get(queue)
        now = self._clock.now()
        params = (now, info.qn, now - info.spec.retention)
        visible, in_flight, delayed = await asyncio.to_thread(self._read_one, COUNTS, params)
        return Counts(int(visible), int(in_flight), int(delayed))

    async def move(self, source: str, target: str, limit: int) -> int:
        moved = await self._run(
            lambda: queues_tx.move(
                self._conn, self._catalog, source, target, limit, self._clock.now()
            ),
            True,
        )
        self._waiters.wake(target, moved)
        return moved

    async def health(self) -> None:
        if self._closed or not self._writer.alive:
            raise BackendUnavailable("queue writer is not running")
        await asyncio.to_thread(self._read_one, "SELECT 1", ())

    async def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        await self._writer.close()
        self._waiters.wake_all()
        with self._read_lock:
            self._reader.close()
        self._lock.release()

    def stats(self) -> dict[str, int]:
        """For benchmarks: batches committed, and how many of them were fsynced."""
        return {"batches": self._writer.batches, "syncs": self._writer.syncs}

    async def _run(self, job: Callable[[], T], durable: bool) -> T:
        """Run `job` in the writer's next batch; `durable`: its batch commits with an fsync."""
        self._check_open()
        return await self._writer.submit(job, durable=durable)

    def _check_open(self) -> None:
        if self._closed:
            raise BackendUnavailable("queue store is closed")

    def _read_one(self, sql: str, params: Sequence[object]) -> tuple[int, ...]:
        with self._read_lock:
            try:
                row: tuple[int, ...] = self._reader.execute(sql, params).fetchone()
            except sqlite3.Error as exc:
                raise BackendUnavailable(f"queue read failed: {exc}") from exc
        return row


def _open(path: Path) -> tuple[sqlite3.Connection, Catalog, sqlite3.Connection]:
    """The write connection, the catalog it holds, and the read connection."""
    conn = schema.open_writer(path)
    try:
        return conn, Catalog(conn), open_reader(path)
    except BaseException:
        conn.close()
        raise
