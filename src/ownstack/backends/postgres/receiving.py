"""receive, one look: pick messages, redrive those past max_receives, take the rest in flight.

Standard queues pick with FOR UPDATE SKIP LOCKED, so concurrent receivers (in any process)
never wait for each other or take the same message. FIFO queues take a per-queue advisory lock
first: which messages head their group depends on what the other receivers took, so FIFO
receives of one queue go one at a time (each a short transaction)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from ownstack.backends.postgres import sql
from ownstack.backends.postgres.driver import Connection, Row
from ownstack.backends.postgres.moving import lock_target, move_rows
from ownstack.ports.queues import Redrive

_MAX_ROUNDS = 10
"""Picks per receive when redrive keeps moving what was picked (each round moves >= 1)."""


@dataclass(slots=True)
class Taken:
    """What one look took: the rows now in flight, and how many it redrove."""

    rows: list[Row]
    redriven: int = 0


@dataclass(frozen=True, slots=True)
class Ask:
    """What one receive asks for, at the Clock's `now`."""

    now: float
    max_messages: int
    visibility: float
    redrive: Redrive | None
    attempt_id: str | None


async def take_standard(conn: Connection, queue: str, spec: Row, ask: Ask) -> Taken:
    cutoff = ask.now - spec["retention"]
    if ask.redrive is None:  # the common case: one statement, one commit
        rows: list[Row] = await conn.fetch(
            sql.TAKE_READY, queue, ask.now, cutoff, ask.max_messages, ask.now + ask.visibility
        )
        return Taken(sorted(rows, key=lambda r: r["seq"]))
    async with conn.transaction():
        await conn.execute(sql.ASYNC_COMMIT)
        return await _pick_and_take(conn, queue, sql.PICK_READY, ask, cutoff)


async def take_fifo(conn: Connection, queue: str, spec: Row, ask: Ask) -> Taken:
    async with conn.transaction():
        await conn.execute(sql.FIFO_LOCK, queue)
        if ask.attempt_id is not None:
            replayed = await _replay(conn, queue, ask, ask.now - spec["dedup_window"])
            if replayed is not None:
                return Taken(replayed)
        cutoff = ask.now - spec["retention"]
        taken = await _pick_and_take(conn, queue, sql.PICK_HEADS, ask, cutoff)
        rows = taken.rows
        if ask.attempt_id is not None and rows:
            await conn.execute(
                sql.ATTEMPT_SAVE,
                queue,
                ask.attempt_id,
                ask.now,
                [r["seq"] for r in rows],
                [r["receipt"] for r in rows],
                [r["visible_at"] for r in rows],
            )
        return taken


async def next_visible(conn: Connection, queue: str, spec: Row, now: float) -> float | None:
    """When the queue's next delayed or in-flight message becomes visible (None: none)."""
    at: float | None = await conn.fetchval(sql.NEXT_VISIBLE, queue, now, now - spec["retention"])
    return at


async def _pick_and_take(conn: Connection, queue: str, pick: str, ask: Ask, cutoff: float) -> Taken:
    taken = Taken([])
    for _ in range(_MAX_ROUNDS):
        want = ask.max_messages - len(taken.rows)
        picked: list[Row] = await conn.fetch(pick, queue, ask.now, cutoff, want)
        spent = await _redrive(conn, queue, picked, ask)
        taken.redriven += len(spent)
        keep = [r["seq"] for r in picked if r["seq"] not in spent]
        if keep:
            rows: list[Row] = await conn.fetch(sql.TAKE, ask.now, ask.now + ask.visibility, keep)
            order = {seq: i for i, seq in enumerate(keep)}
            taken.rows += sorted(rows, key=lambda r: order[r["seq"]])
        if not spent or len(picked) < want or len(taken.rows) >= ask.max_messages:
            break
    return taken


async def _redrive(conn: Connection, queue: str, picked: Sequence[Row], ask: Ask) -> set[int]:
    """Moves the picked messages already received max_receives times to the dead-letter
    queue; their seqs. A dead-letter queue that does not exist moves nothing."""
    redrive = ask.redrive
    if redrive is None:
        return set()
    spent = [r["seq"] for r in picked if r["receive_count"] >= redrive.max_receives]
    target = await lock_target(conn, redrive.target) if spent else None
    if target is None:
        return set()
    await move_rows(conn, (redrive.target, target["fifo"]), spent, ask.now, queue)
    return set(spent)


async def _replay(conn: Connection, queue: str, ask: Ask, cutoff: float) -> list[Row] | None:
    """The messages of an earlier attempt with this id, if all are still in flight under the
    receipts it handed out and untouched since; else None."""
    attempt: Row | None = await conn.fetchrow(sql.ATTEMPT_FIND, queue, ask.attempt_id, cutoff)
    if attempt is None:
        return None
    seqs: list[int] = list(attempt["seqs"])
    rows = {r["seq"]: r for r in await conn.fetch(sql.ROWS, seqs)}
    for seq, nonce, visible_at in zip(
        seqs, attempt["receipts"], attempt["visible_ats"], strict=True
    ):
        row = rows.get(seq)
        if row is None or row["receipt"] != nonce or row["visible_at"] != visible_at:
            return None
        if visible_at <= ask.now:
            return None
    return [rows[seq] for seq in seqs]
