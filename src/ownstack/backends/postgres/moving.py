"""Moving messages to another queue (redrive to a dead-letter queue, and `move`): deleted from
the source and inserted into the target in the caller's transaction, keeping id, body,
attributes, sent_at, group and dedup id, with new sequence numbers in the target and the
receive count restarted."""

from __future__ import annotations

from collections.abc import Sequence

from ownstack.backends.postgres import sql
from ownstack.backends.postgres.driver import Connection, Row
from ownstack.backends.postgres.rows import Stored, insert_args
from ownstack.backends.postgres.sending import next_seqs
from ownstack.ports.queues import QueueNotFound


async def lock_target(conn: Connection, target: str) -> Row | None:
    """Holds the target queue's row as a FIFO send does (its sequence order is commit order);
    its spec, or None when there is no such queue."""
    spec: Row | None = await conn.fetchrow(sql.SPEC_LOCKED, target)
    return spec


async def move_oldest(conn: Connection, source: str, target: str, limit: int, now: float) -> int:
    """`move`: up to `limit` visible messages, oldest first, in one transaction."""
    async with conn.transaction():
        spec: Row | None = await conn.fetchrow(sql.SPEC, source)
        if spec is None:
            raise QueueNotFound(source)
        target_spec = await lock_target(conn, target)
        if target_spec is None:
            raise QueueNotFound(target)
        picked = await conn.fetch(sql.PICK_OLDEST, source, now, now - spec["retention"], limit)
        seqs = [r["seq"] for r in picked]
        return await move_rows(conn, (target, target_spec["fifo"]), seqs, now, None)


async def move_rows(
    conn: Connection,
    target: tuple[str, bool],
    seqs: Sequence[int],
    now: float,
    dead_letter_source: str | None,
) -> int:
    """Moves the messages `seqs` to `target` (its id, and whether it is FIFO)."""
    if not seqs:
        return 0
    rows: list[Row] = await conn.fetch(sql.REMOVE, list(seqs))
    order = {seq: i for i, seq in enumerate(seqs)}
    rows.sort(key=lambda r: order[r["seq"]])  # the target gets them in the order picked
    new_seqs = await next_seqs(conn, len(rows))
    queue, fifo = target
    stored = [
        _moved(row, seq, now, dead_letter_source, fifo)
        for row, seq in zip(rows, new_seqs, strict=True)
    ]
    await conn.execute(sql.INSERT, *insert_args(queue, stored))
    return len(stored)


def _moved(row: Row, seq: int, now: float, dead_letter_source: str | None, fifo: bool) -> Stored:
    return Stored(
        seq=seq,
        message_id=row["id"],
        body=row["body"],
        attributes=row["attributes"],
        sent_at=row["sent_at"],
        visible_at=now,
        group=row["grp"] or "" if fifo else row["grp"],  # a FIFO queue's messages have a group
        dedup_id=row["dedup_id"],
        dead_letter_source=dead_letter_source,
    )
