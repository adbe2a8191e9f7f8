"""Group commit for the meta store: commits that callers make at the same time go to
PostgreSQL together, as one statement and one transaction (meta_commit_many), so they share one
round trip and one WAL flush instead of paying one each. What the sqlite engine's writer does
for it, and what a small-object PUT needs to keep up with sqlite (docs/scaling.md).

Each commit keeps its own outcome: its own version, its own failed expectation (the others
still apply), its own replaced record. Batches form on the event loop (batching.Batcher): a
commit made while its lane's previous batch is in flight goes with the next one. Two lanes, so
one batch is being written while the next forms, and a lone commit never waits behind a full
batch for long.
"""

from __future__ import annotations

import asyncio
import hashlib
import itertools
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass

from ownstack.backends.postgres import driver, meta_sql
from ownstack.backends.postgres.batching import Batcher
from ownstack.ports.errors import BackendUnavailable, PortError
from ownstack.ports.meta import ABSENT, Check, Delete, Op, Put

_KINDS = {Put: meta_sql.PUT, Delete: meta_sql.DELETE, Check: meta_sql.CHECK}
LANES = 2

Outcome = tuple[int, int | None, bytes | None, int | None]
"""(committed version, index of the failed op or None, replaced value, replaced version)."""


@dataclass(frozen=True, slots=True)
class Pending:
    ops: Sequence[Op]
    want_prev: bool


Run = Callable[[Callable[[driver.Pool], Awaitable[object]]], Awaitable[object]]
"""Runs a call on this loop's pool with driver errors translated into port errors."""


class CommitGroups:
    def __init__(self, run: Run) -> None:
        self._run = run
        self._batcher: Batcher[tuple[int, int], Pending, Outcome] = Batcher(
            self._flush, _nothing_after
        )
        self._lanes = itertools.cycle(range(LANES))

    async def commit(self, ops: Sequence[Op], want_prev: bool) -> Outcome:
        # Batches are per event loop: a pool's connections serve the loop that opened them.
        lane = (id(asyncio.get_running_loop()), next(self._lanes))
        return await self._batcher.submit(lane, Pending(ops, want_prev))

    async def _flush(
        self, lane: tuple[int, int], batch: list[Pending]
    ) -> list[Outcome | Exception]:
        if len(batch) == 1:
            return [await self._one(batch[0])]
        try:
            return await self._many(batch)
        except BackendUnavailable:
            raise
        except PortError:
            # PostgreSQL refused a record of one commit (text it cannot hold): each commit
            # alone, so only that commit's caller gets the error.
            return [await self._one_or_error(pending) for pending in batch]

    async def _one(self, pending: Pending) -> Outcome:
        args = commit_args(pending.ops)

        async def call(pool: driver.Pool) -> object:
            return await pool.fetchrow(meta_sql.COMMIT, *args, pending.want_prev)

        row = await self._run(call)
        return _outcome(row)

    async def _one_or_error(self, pending: Pending) -> Outcome | Exception:
        try:
            return await self._one(pending)
        except BackendUnavailable:
            raise
        except PortError as exc:
            return exc

    async def _many(self, batch: list[Pending]) -> list[Outcome | Exception]:
        args = many_args(batch)

        async def call(pool: driver.Pool) -> object:
            return await pool.fetch(meta_sql.COMMIT_MANY, *args)

        rows = await self._run(call)
        assert isinstance(rows, list) and len(rows) == len(batch)
        return [_outcome(row) for row in rows]


def _outcome(row: driver.Row) -> Outcome:
    return row[0], row[1], row[2], row[3]


async def _nothing_after(lane: tuple[int, int], results: list[Outcome | Exception]) -> None:
    return None


def commit_args(ops: Sequence[Op]) -> tuple[object, ...]:
    """meta_commit's parameters but the last (p_want_prev)."""
    kinds, nss, keys, values, expects, absents = _columns(ops)
    conditional = any(op.expect is not None for op in ops)
    locks = sorted({lock_id(ns, key) for ns, key in zip(nss, keys, strict=True)})
    return kinds, nss, keys, values, expects, absents, locks, conditional


def many_args(batch: Sequence[Pending]) -> tuple[object, ...]:
    """meta_commit_many's parameters: every commit's ops end to end, where each ends, the
    union of their locks, and each commit's flags."""
    ops = [op for pending in batch for op in pending.ops]
    kinds, nss, keys, values, expects, absents = _columns(ops)
    ends = list(itertools.accumulate(len(pending.ops) for pending in batch))
    locks = sorted({lock_id(ns, key) for ns, key in zip(nss, keys, strict=True)})
    conditional = [any(op.expect is not None for op in pending.ops) for pending in batch]
    want_prev = [pending.want_prev for pending in batch]
    return ends, kinds, nss, keys, values, expects, absents, locks, conditional, want_prev


def _columns(ops: Sequence[Op]) -> tuple[list[object], ...]:
    kinds: list[object] = []
    nss: list[object] = []
    keys: list[object] = []
    values: list[object] = []
    expects: list[object] = []
    absents: list[object] = []
    for op in ops:
        kinds.append(_KINDS[type(op)])
        nss.append(op.ns)
        keys.append(op.key.encode())
        values.append(op.value if isinstance(op, Put) else None)
        expect = op.expect
        absents.append(expect is ABSENT)
        expects.append(expect if isinstance(expect, int) else None)
    return kinds, nss, keys, values, expects, absents


def lock_id(ns: object, key: object) -> int:
    """The advisory lock of one record, the same in every process (a change of this function
    must come with a schema migration: processes that disagree would not exclude each other)."""
    assert isinstance(ns, str) and isinstance(key, bytes)
    digest = hashlib.blake2b(ns.encode() + b"\0" + key, digest_size=8, person=b"ownstack-meta")
    return int.from_bytes(digest.digest(), "big", signed=True)
