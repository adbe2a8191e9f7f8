"""The meta store's group commit: each transaction is a list of meta operations, applied by
BatchApplier (apply.py) on the caller's event loop and made durable with the others of its
batch by one COMMIT on the committer thread (groupcommit.py says how and why).

What it adds to the core: commit versions (restored when a batch is lost), `replace`'s read of
the record it replaces, and telling the cache which keys a batch wrote. A transaction that
fails alone (a condition, a bad key) fails only its own future.
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from ownstack.backends.sqlite.apply import BatchApplier, Outcome
from ownstack.backends.sqlite.groupcommit import GroupCommit, Pending
from ownstack.ports.meta import Check, Op, Record

Written = Callable[[Iterable[tuple[str, str]]], None]
"""Told the (ns, key) of every op of a batch once its COMMIT returned, whatever the outcome."""


@dataclass(slots=True)
class _Ops(Pending):
    ops: Sequence[Op]
    capture: bool = False
    """Read the first op's record before applying (MetaStore.replace)."""
    replaced: Record | None = None


class GroupWriter(GroupCommit[_Ops]):
    def __init__(
        self, conn: sqlite3.Connection, version: int, written: Written | None = None
    ) -> None:
        self._applier = BatchApplier(conn, version)
        self._start_version = version
        """The version to go back to if the batch in flight is lost."""
        self._written = written
        self.commits = 0
        """Transactions applied."""
        self.syncs = 0
        """Durable COMMITs (each one WAL fsync)."""
        self.errors = 0
        super().__init__(conn, "meta")

    @property
    def conditions_failed(self) -> int:
        return self._applier.conditions_failed

    def submit(self, ops: Sequence[Op]) -> asyncio.Future[int]:
        loop = asyncio.get_running_loop()
        pending = _Ops(loop, loop.create_future(), tuple(ops))
        self._enqueue(pending)
        return pending.future

    async def replace(self, ops: tuple[Op, ...]) -> tuple[int, Record | None]:
        """Commit `ops`, also returning the record at the first op's key just before they
        applied (the others are conditions on the same transaction)."""
        loop = asyncio.get_running_loop()
        pending = _Ops(loop, loop.create_future(), ops, True)
        self._enqueue(pending)
        version: int = await pending.future
        return version, pending.replaced

    def _begin(self, members: list[_Ops]) -> list[_Ops]:
        applier = self._applier
        self._start_version = applier.version
        try:
            self._start_version = applier.begin()
            for member in members:
                member.outcome = _apply(applier, member)
            applier.finish(self._start_version)
        except Exception as exc:  # sqlite3.Error mostly: SQLite dropped the transaction
            self._fail(members, "write failed", exc)
            return []
        return members

    def _rollback(self) -> None:
        self.errors += 1
        super()._rollback()
        self._applier.version = self._start_version

    def _after_commit(self, batch: list[_Ops], committed: bool) -> None:
        if committed:
            applied = sum(1 for member in batch if isinstance(member.outcome, int))
            self.commits += applied
            self.syncs += 1 if applied else 0
        if self._written is not None:
            # Before any caller hears of it: a read that follows an acknowledged write must
            # not be answered from a cache that predates it. Only what was written: a Check
            # writes nothing (a PutObject's guard must not evict the cached absence of its
            # bucket's deletion marker), nor does a transaction that failed alone.
            written = batch if not committed else [m for m in batch if isinstance(m.outcome, int)]
            self._written(
                (op.ns, op.key)
                for member in written
                for op in member.ops
                if not isinstance(op, Check)
            )


def _apply(applier: BatchApplier, member: _Ops) -> Outcome:
    if member.capture:
        first = member.ops[0]
        member.replaced = applier.read(first.ns, first.key)
    return applier.apply(member.ops)
