"""Group commit: transactions are applied on the caller's event loop and made durable in batches
by one committer thread. The core shared by the meta writer (writer.py) and the queue writer
(queues_writer.py); each says how to apply a batch (`_begin`) and what to do once its COMMIT
returned (`_after_commit`).

Why the split: an earlier design ran every statement on a writer thread. Each SQLite call
releases and re-takes the GIL, and with the event loop busy on the same core nearly every
re-take was a context switch (~1.9 per 1 KiB PutObject, ~a third of that thread's CPU). Now the
event loop runs the statements (microseconds each, on the one connection that writes) and the
committer thread only runs COMMIT, the call that waits for the disk: two hand-offs per batch
instead of two per statement.

How: `_enqueue` applies a transaction at once when no batch is in flight, and hands its COMMIT
to the thread; otherwise it queues the transaction. When a COMMIT returns, its callers are
answered and the queued transactions are applied together (on the loop of the first of them)
and committed as the next batch: one fsync for everything that arrived during the previous one.
Futures resolve only after their COMMIT returned, so the result is durable and visible to
readers.
"""

from __future__ import annotations

import asyncio
import contextlib
import queue
import sqlite3
import threading
from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from ownstack.ports.errors import BackendUnavailable


@dataclass(slots=True)
class Pending:
    """One submitted transaction; writers add what they apply."""

    loop: asyncio.AbstractEventLoop
    future: asyncio.Future[Any]
    outcome: Any = field(default=None, init=False)
    """Its result, or the exception that fails it: set when applied, handed over at COMMIT."""


P = TypeVar("P", bound=Pending)


class GroupCommit(ABC, Generic[P]):
    def __init__(self, conn: sqlite3.Connection, label: str) -> None:
        self._conn = conn
        self._label = label
        """"meta" or "queue": names the thread and the errors."""
        self._mutex = threading.Lock()
        self._waiting: list[P] = []
        self._busy = False
        """A batch owns the connection: being applied, or committing, or about to be applied
        from `_waiting`. Whoever sets it is the only one touching the connection until the
        committer clears it."""
        self._closed = False
        self._batches: queue.SimpleQueue[list[P] | None] = queue.SimpleQueue()
        self._thread = threading.Thread(
            target=self._run, name=f"ownstack-{label}-commit", daemon=True
        )
        self._thread.start()

    @property
    def alive(self) -> bool:
        return self._thread.is_alive() and not self._closed

    def stop(self) -> None:
        """Commit what is queued, then end the thread."""
        with self._mutex:
            if self._closed:
                return
            self._closed = True
            if self._busy:
                return  # the committer ends once the queued transactions are committed
        self._batches.put(None)

    async def close(self) -> None:
        """Commit what is queued and end the thread, waiting for it off the event loop."""
        self.stop()
        await asyncio.to_thread(self._thread.join)

    # -- what a writer provides ----------------------------------------------------------------

    @abstractmethod
    def _begin(self, members: list[P]) -> list[P]:
        """Apply `members` in a new write transaction and return those left to COMMIT (the
        others answered, e.g. through `_fail`). Runs on the thread that owns `_busy`."""

    def _after_commit(self, batch: list[P], committed: bool) -> None:
        """On the committer thread, after the batch's COMMIT (or its failure), before any of
        its callers is answered."""

    def _rollback(self) -> None:
        """End the open transaction, if any; extended to undo what the writer keeps in memory.
        Never raises: that would strand `_busy`."""
        if self._conn.in_transaction:
            with contextlib.suppress(sqlite3.Error):
                self._conn.execute("ROLLBACK")

    def _fail(self, members: list[P], what: str, exc: BaseException) -> None:
        """Roll back and answer every member with BackendUnavailable("<label> <what>: exc")."""
        self._rollback()
        settle_with(members, unavailable(f"{self._label} {what}", exc))

    # -- applying (the submitter's loop, or the committer when no loop can) --------------------

    def _enqueue(self, pending: P) -> None:
        with self._mutex:
            if self._closed:
                raise BackendUnavailable(f"{self._label} store is closed")
            if self._busy:
                self._waiting.append(pending)
                return
            self._busy = True
        self._apply([pending])

    def _apply(self, members: list[P]) -> None:
        """Apply `members` in one transaction and queue its COMMIT. The caller owns `_busy`."""
        while members:
            members = self._begin(members)
            if members:
                self._batches.put(members)
                return
            members = self._take_waiting()  # nothing to commit: go on with the next ones

    def _take_waiting(self) -> list[P]:
        """The queued transactions (keeping `_busy`), or none (releasing it)."""
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

    def _commit(self, batch: list[P]) -> None:
        try:
            self._conn.execute("COMMIT")
        except Exception as exc:  # never leave a future unresolved
            self._rollback()
            self._after_commit(batch, False)
            settle_with(batch, unavailable(f"{self._label} commit failed", exc))
            return
        self._after_commit(batch, True)
        resolve(batch)

    def _hand_over(self) -> None:
        """Pass what queued up during the COMMIT to an event loop to apply (see module doc)."""
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
        settle_with(waiting, BackendUnavailable(f"{self._label} store is closed"))


def unavailable(what: str, exc: BaseException) -> BackendUnavailable:
    error = BackendUnavailable(f"{what}: {exc}")
    error.__cause__ = exc
    return error


def settle_with(members: list[P], error: BaseException) -> None:
    """Answer every member with `error`."""
    for member in members:
        member.outcome = error
    resolve(members)


def resolve(members: list[P]) -> None:
    """Hand each caller its outcome: one call_soon_threadsafe per event loop for the whole
    batch rather than one per transaction (each is a self-pipe write and a loop wake-up), in
    submission order."""
    by_loop: dict[asyncio.AbstractEventLoop, list[P]] = {}
    for member in members:
        by_loop.setdefault(member.loop, []).append(member)
    for loop, settled in by_loop.items():
        with contextlib.suppress(RuntimeError):  # the caller's loop is gone
            loop.call_soon_threadsafe(_settle_all, settled)


def _settle_all(settled: list[P]) -> None:
    for member in settled:
        future = member.future
        if future.done():  # the caller was cancelled; the commit's outcome stands regardless
            continue
        outcome = member.outcome
        if isinstance(outcome, BaseException):
            future.set_exception(outcome)
        else:
            future.set_result(outcome)
