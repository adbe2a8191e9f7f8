"""Group commit for the queue database: jobs run on the event loop, COMMITs on one thread.

The same split as writer.py (see its docstring for why): a job is a function run inside the
open write transaction on the caller's thread; the committer thread runs only COMMIT, and jobs
submitted while a COMMIT is in flight are applied together afterwards and committed as the next
batch, one fsync for all of them. A job's future resolves after its COMMIT returned.

writer.py's GroupWriter applies meta operations; this one applies arbitrary jobs, each raising
a PortError before its first write when it fails (so a failed job leaves nothing behind). Any
other exception (a sqlite3 error, a body that cannot be encoded) rolls the batch back: the job
that raised fails, `on_abort` restores the caller's in-memory state, and the others are applied
again without it.

Durability per batch: a batch with any `durable` job (sends, deletes, queue changes) commits
with synchronous=FULL; a batch of receives and visibility changes only with NORMAL, which in
WAL mode writes without an fsync. Losing such a commit in a power cut only makes messages
visible early; WAL order means it can never lose a send, and the next FULL commit syncs it.
"""

from __future__ import annotations

import asyncio
import contextlib
import queue
import sqlite3
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from ownstack.ports.errors import BackendUnavailable, PortError

T = TypeVar("T")


@dataclass(slots=True)
class _Pending:
    job: Callable[[], Any]
    durable: bool
    loop: asyncio.AbstractEventLoop
    future: asyncio.Future[Any]
    outcome: Any = None


class QueueWriter:
    def __init__(
        self,
        conn: sqlite3.Connection,
        before_commit: Callable[[], None],
        on_abort: Callable[[], None],
    ) -> None:
        self._conn = conn
        self._before_commit = before_commit
        self._on_abort = on_abort
        self._mutex = threading.Lock()
        self._waiting: list[_Pending] = []
        self._busy = False
        """A batch owns the connection (applying, committing, or about to apply the waiting
        ones); whoever sets it is the only one touching the connection until it is cleared."""
        self._closed = False
        self._synchronous = "FULL"
        self._batches: queue.SimpleQueue[list[_Pending] | None] = queue.SimpleQueue()
        self.syncs = 0
        self.batches = 0
        self._thread = threading.Thread(target=self._run, name="ownstack-queue-commit", daemon=True)
        self._thread.start()

    @property
    def alive(self) -> bool:
        return self._thread.is_alive() and not self._closed

    def submit(self, job: Callable[[], T], *, durable: bool) -> asyncio.Future[T]:
        loop = asyncio.get_running_loop()
        pending = _Pending(job, durable, loop, loop.create_future())
        with self._mutex:
            if self._closed:
                raise BackendUnavailable("queue store is closed")
            if self._busy:
                self._waiting.append(pending)
                return pending.future
            self._busy = True
        self._apply([pending])
        return pending.future

    def stop(self) -> None:
        """Commit what is queued, then end the thread (join() waits for it)."""
        with self._mutex:
            if self._closed:
                return
            self._closed = True
            if self._busy:
                return  # the committer ends once the queued jobs are committed
        self._batches.put(None)

    def join(self) -> None:
        self._thread.join()

    # -- applying (the submitter's loop, or the committer when no loop can) --------------------

    def _apply(self, members: list[_Pending]) -> None:
        """Apply `members` in one transaction and queue its COMMIT. The caller owns `_busy`."""
        while members:
            members = self._run_jobs(members)
            if members:
                self._batches.put(members)
                return
            members = self._take_waiting()  # nothing to commit: go on with the next ones

    def _run_jobs(self, members: list[_Pending]) -> list[_Pending]:
        """Run the jobs in a new transaction; those left to commit (the others are answered)."""
        while members:
            try:
                # Only outside a transaction can the level change (SQLite refuses it inside).
                self._set_synchronous("FULL" if _durable(members) else "NORMAL")
                self._conn.execute("BEGIN IMMEDIATE")
                failed = self._first_failure(members)
                if failed is None:
                    self._before_commit()
                    return members
            except Exception as exc:  # the transaction itself failed: every member with it
                self._rollback()
                _resolve(members, unavailable("queue write failed", exc))
                return []
            index, error = failed
            self._rollback()
            _resolve([members[index]], _job_error(error))
            members = members[:index] + members[index + 1 :]
        return []

    @staticmethod
    def _first_failure(members: list[_Pending]) -> tuple[int, Exception] | None:
        for index, member in enumerate(members):
            try:
                member.outcome = member.job()
            except PortError as exc:  # raised before the job's first write: nothing to undo
                member.outcome = exc
            except Exception as exc:
                return index, exc
        return None

    def _rollback(self) -> None:
        if self._conn.in_transaction:
            with contextlib.suppress(sqlite3.Error):
                self._conn.execute("ROLLBACK")
        # Never raise from here (that would strand `_busy`): if the database cannot be read
        # back, the caller's state stays ahead of it, which only wastes numbers.
        with contextlib.suppress(Exception):
            self._on_abort()

    def _take_waiting(self) -> list[_Pending]:
        """The queued jobs (keeping `_busy`), or none (releasing it)."""
        with self._mutex:
            waiting, self._waiting = self._waiting, []
            if not waiting:
                self._busy = False
                if self._closed:
                    self._batches.put(None)  # stop() found us busy and left the ending to us
            return waiting

    # -- committer thread ---------------------------------------------------------------------

    def _run(self) -> None:
        try:
            while (batch := self._batches.get()) is not None:
                self._commit(batch)
                self._hand_over()
        finally:
            self._fail_leftovers()
            self._conn.close()

    def _commit(self, batch: list[_Pending]) -> None:
        durable = _durable(batch)
        try:
            self._conn.execute("COMMIT")
        except Exception as exc:  # never leave a future unresolved
            self._rollback()
            _resolve(batch, unavailable("queue commit failed", exc))
            return
        self.batches += 1
        self.syncs += 1 if durable else 0
        _resolve_each(batch)

    def _set_synchronous(self, level: str) -> None:
        if level != self._synchronous:
            self._conn.execute(f"PRAGMA synchronous = {level}")
            self._synchronous = level

    def _hand_over(self) -> None:
        waiting = self._take_waiting()
        if not waiting:
            return
        try:
            waiting[0].loop.call_soon_threadsafe(self._apply, waiting)
        except RuntimeError:  # that loop is closed: apply here rather than strand the rest
            self._apply(waiting)

    def _fail_leftovers(self) -> None:
        with self._mutex:
            self._closed = True
            waiting, self._waiting = self._waiting, []
        _resolve(waiting, BackendUnavailable("queue store is closed"))


def _durable(members: list[_Pending]) -> bool:
    return any(member.durable for member in members)


def _job_error(exc: Exception) -> PortError:
    """What a job that raised unexpectedly fails with: bad input (a body that cannot be
    encoded), or the database's own error."""
    if isinstance(exc, (UnicodeEncodeError, ValueError, TypeError, OverflowError)):
        error = PortError(f"invalid message: {exc}")
        error.__cause__ = exc
        return error
    return unavailable("queue write failed", exc)


def unavailable(what: str, exc: BaseException) -> BackendUnavailable:
    error = BackendUnavailable(f"{what}: {exc}")
    error.__cause__ = exc
    return error


def _settle_all(settled: list[_Pending]) -> None:
    for member in settled:
        if member.future.done():  # the caller was cancelled; the commit stands regardless
            continue
        if isinstance(member.outcome, BaseException):
            member.future.set_exception(member.outcome)
        else:
            member.future.set_result(member.outcome)


def _resolve(members: list[_Pending], error: BaseException) -> None:
    for member in members:
        member.outcome = error
    _resolve_each(members)


def _resolve_each(members: list[_Pending]) -> None:
    """One call_soon_threadsafe per event loop for the whole batch, in submission order."""
    by_loop: dict[asyncio.AbstractEventLoop, list[_Pending]] = {}
    for member in members:
        by_loop.setdefault(member.loop, []).append(member)
    for loop, settled in by_loop.items():
        with contextlib.suppress(RuntimeError):  # the caller's loop is gone
            loop.call_soon_threadsafe(_settle_all, settled)
