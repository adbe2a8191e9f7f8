"""Group commit for the queue database: jobs run on the event loop, COMMITs on one thread (the
mechanism is groupcommit.py's). A job is a function run inside the open write transaction on
the caller's thread; its future resolves after its batch's COMMIT returned.

Unlike meta operations, a job cannot be undone on its own: each raises a PortError before its
first write when it fails (so a failed job leaves nothing behind). Any other exception (a
sqlite3 error, a body that cannot be encoded) rolls the batch back: the job that raised fails,
`on_abort` restores the caller's in-memory state, and the others are applied again without it.

Durability per batch: a batch with any `durable` job (sends, deletes, queue changes) commits
with synchronous=FULL; a batch of receives and visibility changes only with NORMAL, which in
WAL mode writes without an fsync. Losing such a commit in a power cut only makes messages
visible early; WAL order means it can never lose a send, and the next FULL commit syncs it.
"""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from ownstack.backends.sqlite.groupcommit import GroupCommit, Pending, settle_with, unavailable
from ownstack.ports.errors import PortError

T = TypeVar("T")


@dataclass(slots=True)
class _Job(Pending):
    job: Callable[[], Any]
    durable: bool


class QueueWriter(GroupCommit[_Job]):
    def __init__(
        self,
        conn: sqlite3.Connection,
        before_commit: Callable[[], None],
        on_abort: Callable[[], None],
    ) -> None:
        self._before_commit = before_commit
        self._on_abort = on_abort
        self._synchronous = "FULL"
        self.syncs = 0
        self.batches = 0
        super().__init__(conn, "queue")

    def submit(self, job: Callable[[], T], *, durable: bool) -> asyncio.Future[T]:
        loop = asyncio.get_running_loop()
        pending = _Job(loop, loop.create_future(), job, durable)
        self._enqueue(pending)
        return pending.future

    def _begin(self, members: list[_Job]) -> list[_Job]:
        """Run the jobs in a new transaction; those left to commit (the others are answered)."""
        while members:
            try:
                # Only outside a transaction can the level change (SQLite refuses it inside).
                self._set_synchronous("FULL" if _durable(members) else "NORMAL")
                self._conn.execute("BEGIN IMMEDIATE")
                failed = _first_failure(members)
                if failed is None:
                    self._before_commit()
                    return members
            except Exception as exc:  # the transaction itself failed: every member with it
                self._fail(members, "write failed", exc)
                return []
            index, error = failed
            self._rollback()
            settle_with([members[index]], _job_error(error))
            members = members[:index] + members[index + 1 :]
        return []

    def _rollback(self) -> None:
        super()._rollback()
        # If the database cannot be read back, the caller's state stays ahead of it, which
        # only wastes numbers.
        with contextlib.suppress(Exception):
            self._on_abort()

    def _after_commit(self, batch: list[_Job], committed: bool) -> None:
        if committed:
            self.batches += 1
            self.syncs += 1 if _durable(batch) else 0

    def _set_synchronous(self, level: str) -> None:
        if level != self._synchronous:
            self._conn.execute(f"PRAGMA synchronous = {level}")
            self._synchronous = level


def _first_failure(members: list[_Job]) -> tuple[int, Exception] | None:
    for index, member in enumerate(members):
        try:
            member.outcome = member.job()
        except PortError as exc:  # raised before the job's first write: nothing to undo
            member.outcome = exc
        except Exception as exc:
            return index, exc
    return None


def _durable(members: list[_Job]) -> bool:
    return any(member.durable for member in members)


def _job_error(exc: Exception) -> PortError:
    """What a job that raised unexpectedly fails with: bad input (a body that cannot be
    encoded), or the database's own error."""
    if isinstance(exc, (UnicodeEncodeError, ValueError, TypeError, OverflowError)):
        error = PortError(f"invalid message: {exc}")
        error.__cause__ = exc
        return error
    return unavailable("queue write failed", exc)
