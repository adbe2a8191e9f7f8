"""Group commit: one thread owns the write connection and makes many commits durable at once.

`submit` enqueues a transaction and returns a future. The writer takes everything queued (up to
MAX_BATCH), runs each transaction inside its own SAVEPOINT (a failed condition rolls back only
that one and fails only its future), then issues one COMMIT, which is one WAL fsync for the whole
batch. Futures resolve only after that COMMIT returned, so whoever awaited a commit reads it back
(read-after-write) and may acknowledge it (durable). While one batch is being fsynced the next
one accumulates: under load, fsyncs per commit fall well below one.
"""

from __future__ import annotations

import asyncio
import contextlib
import queue
import sqlite3
import threading
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from ownstack.backends.sqlite import schema
from ownstack.ports.errors import BackendUnavailable, ConditionFailed, PortError
from ownstack.ports.meta import ABSENT, Check, Delete, Expect, Op, Put

MAX_BATCH = 1000
"""Transactions per durable COMMIT: bounds the latency one batch adds to the next."""

Outcome = int | BaseException
Written = Callable[[Iterable[tuple[str, str]]], None]
"""Told the (ns, key) of every op of a batch once its COMMIT returned, whatever the outcome."""


@dataclass(slots=True)
class _Pending:
    ops: Sequence[Op]
    loop: asyncio.AbstractEventLoop
    future: asyncio.Future[int]


def _settle(future: asyncio.Future[int], outcome: Outcome) -> None:
    if future.done():  # the caller was cancelled; the commit's outcome stands regardless
        return
    if isinstance(outcome, BaseException):
        future.set_exception(outcome)
    else:
        future.set_result(outcome)


def _settle_all(settled: list[tuple[asyncio.Future[int], Outcome]]) -> None:
    for future, outcome in settled:
        _settle(future, outcome)


def _holds(expect: Expect, current: int | None) -> bool:
    if expect is None:
        return True
    if expect is ABSENT:
        return current is None
    return current == expect


class GroupWriter:
    def __init__(
        self, conn: sqlite3.Connection, version: int, written: Written | None = None
    ) -> None:
        self._conn = conn
        self._version = version
        self._written = written
        self._queue: queue.SimpleQueue[_Pending | None] = queue.SimpleQueue()
        self._closed = False
        self._gate = threading.Lock()
        """Orders submit() against the thread's exit, so no commit is queued after the last
        drain (it would never resolve)."""
        self.commits = 0
        """Transactions applied."""
        self.syncs = 0
        """Durable COMMITs (each one WAL fsync)."""
        self.conditions_failed = 0
        self.errors = 0
        self._thread = threading.Thread(target=self._run, name="ownstack-meta-writer", daemon=True)
        self._thread.start()

    @property
    def alive(self) -> bool:
        return self._thread.is_alive() and not self._closed

    def submit(self, ops: Sequence[Op]) -> asyncio.Future[int]:
        loop = asyncio.get_running_loop()
        future: asyncio.Future[int] = loop.create_future()
        with self._gate:
            if self._closed:
                raise BackendUnavailable("meta store is closed")
            self._queue.put(_Pending(tuple(ops), loop, future))
        return future

    def stop(self) -> None:
        """Finish what is queued, then end the thread (join() waits for it)."""
        with self._gate:
            if self._closed:
                return
            self._closed = True
            self._queue.put(None)

    def join(self) -> None:
        self._thread.join()

    # -- writer thread ------------------------------------------------------------------------

    def _run(self) -> None:
        try:
            stop = False
            while not stop:
                batch, stop = self._next_batch()
                if batch:
                    self._commit_batch(batch)
        finally:
            with self._gate:
                self._closed = True
            self._fail_leftovers()
            self._conn.close()

    def _next_batch(self) -> tuple[list[_Pending], bool]:
        first = self._queue.get()
        if first is None:
            return [], True
        batch = [first]
        while len(batch) < MAX_BATCH:
            try:
                item = self._queue.get_nowait()
            except queue.Empty:
                break
            if item is None:
                return batch, True
            batch.append(item)
        return batch, False

    def _commit_batch(self, batch: list[_Pending]) -> None:
        start_version = self._version
        try:
            self._conn.execute("BEGIN IMMEDIATE")
            # Under the write lock: another process (or a second store on this file) may have
            # committed since, and versions must never repeat.
            row = self._conn.execute(schema.CURRENT_VERSION).fetchone()
            self._version = max(self._version, 0 if row is None else int(row[0]))
            start_version = self._version
            outcomes = [self._apply(pending.ops) for pending in batch]
            if self._version != start_version:
                self._conn.execute(schema.SAVE_VERSION, (self._version,))
            self._conn.execute("COMMIT")
        except Exception as exc:  # sqlite3.Error mostly; never leave a future unresolved
            self._abandon()
            self._version = start_version
            outcomes = [_unavailable("meta commit failed", exc) for _ in batch]
        else:
            applied = sum(1 for outcome in outcomes if isinstance(outcome, int))
            self.commits += applied
            self.syncs += 1 if applied else 0
        if self._written is not None:
            # Before any caller hears of it: a read that follows an acknowledged write must
            # not be answered from a cache that predates it.
            self._written((op.ns, op.key) for pending in batch for op in pending.ops)
        _resolve(batch, outcomes)

    def _abandon(self) -> None:
        self.errors += 1
        if self._conn.in_transaction:
            with contextlib.suppress(sqlite3.Error):
                self._conn.execute("ROLLBACK")

    def _apply(self, ops: Sequence[Op]) -> Outcome:
        """One transaction inside the batch: its version, or the error that fails only it.
        Raises sqlite3.Error when the whole batch is lost (SQLite rolled it back itself)."""
        # A SAVEPOINT lets a failed transaction undo its earlier writes. One that writes at
        # most one row (PutObject, DeleteObject) never has any: conditions are all checked
        # before the first write, and SQLite undoes a failed statement by itself. Skipping
        # the SAVEPOINT / RELEASE pair saves two of the ~five statements such a transaction runs.
        savepoint = _writes(ops) > 1
        conn = self._conn
        if savepoint:
            conn.execute("SAVEPOINT txn")
        outcome = self._attempt(ops)
        if isinstance(outcome, int):
            if savepoint:
                conn.execute("RELEASE txn")
            self._version = outcome
            return outcome
        if savepoint:
            conn.execute("ROLLBACK TO txn")
            conn.execute("RELEASE txn")
        return outcome

    def _attempt(self, ops: Sequence[Op]) -> Outcome:
        try:
            return self._check_and_write(ops, self._version + 1)
        except sqlite3.Error as exc:
            if not self._conn.in_transaction:
                raise
            return _unavailable("meta write failed", exc)
        except (UnicodeEncodeError, TypeError, ValueError) as exc:
            error = PortError(f"invalid record: {exc}")
            error.__cause__ = exc
            return error

    def _check_and_write(self, ops: Sequence[Op], version: int) -> Outcome:
        # Every condition is evaluated against the state before this transaction (as
        # MemoryMeta does), then the writes apply in order.
        for index, op in enumerate(ops):
            if op.expect is None:
                continue
            row = self._conn.execute(schema.VERSION_OF, (op.ns, op.key)).fetchone()
            if not _holds(op.expect, None if row is None else int(row[0])):
                self.conditions_failed += 1
                return ConditionFailed(index, op.key)
        for op in ops:
            if isinstance(op, Put):
                self._conn.execute(schema.UPSERT, (op.ns, op.key, op.value, version))
            elif isinstance(op, Delete):
                self._conn.execute(schema.DELETE, (op.ns, op.key))
            else:
                assert isinstance(op, Check)
        return version

    def _fail_leftovers(self) -> None:
        while True:
            try:
                item = self._queue.get_nowait()
            except queue.Empty:
                return
            if item is not None:
                with contextlib.suppress(RuntimeError):
                    error = BackendUnavailable("meta store is closed")
                    item.loop.call_soon_threadsafe(_settle, item.future, error)


def _writes(ops: Sequence[Op]) -> int:
    return sum(1 for op in ops if not isinstance(op, Check))


def _resolve(batch: list[_Pending], outcomes: list[Outcome]) -> None:
    """Hand each caller its outcome: one call_soon_threadsafe per event loop for the whole
    batch rather than one per transaction (each is a self-pipe write and a loop wake-up: ~5%
    of a loaded server's samples before), in submission order."""
    by_loop: dict[asyncio.AbstractEventLoop, list[tuple[asyncio.Future[int], Outcome]]] = {}
    for pending, outcome in zip(batch, outcomes, strict=True):
        by_loop.setdefault(pending.loop, []).append((pending.future, outcome))
    for loop, settled in by_loop.items():
        with contextlib.suppress(RuntimeError):  # the caller's loop is gone
            loop.call_soon_threadsafe(_settle_all, settled)


def _unavailable(what: str, exc: BaseException) -> BackendUnavailable:
    error = BackendUnavailable(f"{what}: {exc}")
    error.__cause__ = exc
    return error
