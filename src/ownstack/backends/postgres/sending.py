"""send: a standard queue's messages go in with one INSERT (one commit, no lock but the foreign
key's share lock on the queue row; grouped with other sends: grouped.py); a FIFO queue's lock
that row, so sequence numbers follow commit order, and resolve deduplication ids against
`dedup` in the same transaction."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from ownstack.backends.postgres import sql
from ownstack.backends.postgres.driver import Connection, ForeignKeyViolation, Row
from ownstack.backends.postgres.grouped import Outgoing, send_args
from ownstack.backends.postgres.rows import Stored, encode_body, insert_args
from ownstack.ports.queues import NewMessage, QueueNotFound, Sent


async def send(
    conn: Connection, queue: str, messages: Sequence[NewMessage], now: float
) -> list[Sent]:
    """What a standard send (grouped.py, tried first) did not send: none, or to a FIFO queue, or
    to a missing one."""
    if not messages:
        if await conn.fetchrow(sql.SPEC, queue) is None:
            raise QueueNotFound(queue)
        return []
    async with conn.transaction():
        spec: Row | None = await conn.fetchrow(sql.SPEC_LOCKED, queue)
        if spec is None:
            raise QueueNotFound(queue)
        if spec["fifo"]:
            return await send_fifo(conn, queue, spec, messages, now)
    # Recreated as a standard queue since we looked (rare): as a standard send after all.
    sent = await send_standard(conn, queue, messages, now)
    if sent is None:
        raise QueueNotFound(queue)
    return sent


async def send_standard(
    conn: Connection, queue: str, messages: Sequence[NewMessage], now: float
) -> list[Sent] | None:
    """None (nothing sent) when the queue is FIFO or missing."""
    outgoing = Outgoing.of(messages, now)
    try:
        count: int = await conn.fetchval(sql.SEND, *send_args(queue, [outgoing]))
    except ForeignKeyViolation as exc:  # dropped while we sent
        raise QueueNotFound(queue) from exc
    if count == 0:
        return None
    return [Sent(message_id, None) for message_id in outgoing.ids]


async def send_fifo(
    conn: Connection, queue: str, spec: Row, messages: Sequence[NewMessage], now: float
) -> list[Sent]:
    """In a transaction that holds the queue row (sql.SPEC_LOCKED)."""
    per_group: bool = spec["dedup_per_group"]
    seen: dict[tuple[str, str], Sent | int] = dict(
        await _recent_dedup_ids(conn, queue, messages, now - spec["dedup_window"])
    )
    """Dedup key -> the first send's Sent, or its index in `fresh` (sent earlier in this call)."""
    fresh: list[tuple[NewMessage, str]] = []
    plan: list[tuple[Sent | int, bool]] = []
    """Per message: (a Sent or an index in `fresh`, whether it is a duplicate)."""
    for m in messages:
        key = _dedup_key(m, per_group)
        earlier = seen.get(key) if key is not None else None
        if earlier is not None:
            plan.append((earlier, True))
            continue
        if key is not None:
            seen[key] = len(fresh)
        plan.append((len(fresh), False))
        fresh.append((m, str(uuid.uuid4())))
    seqs = await next_seqs(conn, len(fresh))
    stored = [
        _stored(m, message_id, seq, now) for (m, message_id), seq in zip(fresh, seqs, strict=True)
    ]
    if stored:
        await conn.execute(sql.INSERT, *insert_args(queue, stored))
        await _save_dedup_ids(conn, queue, per_group, stored, now)
    return [_resolve(target, duplicate, stored) for target, duplicate in plan]


async def next_seqs(conn: Connection, count: int) -> list[int]:
    if count == 0:
        return []
    rows: list[Row] = await conn.fetch(sql.NEXT_SEQS, count)
    return sorted(row[0] for row in rows)


def _dedup_key(m: NewMessage, per_group: bool) -> tuple[str, str] | None:
    if m.dedup_id is None:
        return None
    return (m.group or "" if per_group else "", m.dedup_id)


async def _recent_dedup_ids(
    conn: Connection, queue: str, messages: Sequence[NewMessage], cutoff: float
) -> dict[tuple[str, str], Sent]:
    wanted = sorted({m.dedup_id for m in messages if m.dedup_id is not None})
    if not wanted:
        return {}
    rows: list[Row] = await conn.fetch(sql.DEDUP_FIND, queue, wanted, cutoff)
    return {
        (r["scope"], r["dedup_id"]): Sent(r["message_id"], r["seq"], duplicate=True) for r in rows
    }


def _stored(m: NewMessage, message_id: str, seq: int, now: float) -> Stored:
    return Stored(
        seq=seq,
        message_id=message_id,
        body=encode_body(m.body),
        attributes=m.attributes,
        sent_at=now,
        visible_at=now + m.delay,
        group=m.group or "",
        dedup_id=m.dedup_id,
    )


async def _save_dedup_ids(
    conn: Connection, queue: str, per_group: bool, stored: Sequence[Stored], now: float
) -> None:
    keyed = [s for s in stored if s.dedup_id is not None]
    if not keyed:
        return
    await conn.execute(
        sql.DEDUP_SAVE,
        queue,
        [s.group or "" if per_group else "" for s in keyed],
        [s.dedup_id for s in keyed],
        [s.message_id for s in keyed],
        [s.seq for s in keyed],
        now,
    )


def _resolve(target: Sent | int, duplicate: bool, stored: Sequence[Stored]) -> Sent:
    if isinstance(target, Sent):
        return target
    return Sent(stored[target].message_id, stored[target].seq, duplicate=duplicate)
