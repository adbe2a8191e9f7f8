"""Message rows of the queue database, and the writes several jobs share: copying a message to
another queue (redrive, move) and keeping a FIFO group's `groups` row in step."""

from __future__ import annotations

import sqlite3
from typing import NamedTuple

from ownstack.backends.sqlite.queues_catalog import Catalog, QueueInfo
from ownstack.ports.queues import Received

SELECT = (
    "SELECT mn, visible_at, sent_at, receive_count, first_received, seq, grp, dedup, dls, id,"
    " attributes, body FROM messages"
)
"""Rows as Row; the caller adds the WHERE clause."""
INSERT = (
    "INSERT INTO messages(mn, qn, visible_at, sent_at, receive_count, first_received, seq, grp,"
    " dedup, dls, id, attributes, body) VALUES(?, ?, ?, ?, 0, 0, ?, ?, ?, ?, ?, ?, ?)"
)
ADD_GROUP = (
    "INSERT INTO groups(qn, grp, ready_at, head) VALUES(?, ?, ?, ?) ON CONFLICT(qn, grp) DO NOTHING"
)


class Row(NamedTuple):
    """A message as selected with SELECT."""

    mn: int
    visible_at: float
    sent_at: float
    receive_count: int
    first_received: float
    seq: int | None
    grp: str | None
    dedup: str | None
    dls: str | None
    id: str
    attributes: bytes
    body: str


def rows(conn: sqlite3.Connection, sql: str, params: tuple[object, ...]) -> list[Row]:
    return [Row._make(row) for row in conn.execute(sql, params)]


def received(
    catalog: Catalog, info: QueueInfo, row: Row, count: int, first_received: float
) -> Received:
    """The message as handed out with receive count `count`."""
    return Received(
        message_id=row.id,
        body=row.body,
        attributes=bytes(row.attributes),
        receipt=catalog.receipt(info, row.mn, count),
        sent_at=row.sent_at,
        receive_count=count,
        first_received_at=first_received,
        group=row.grp,
        dedup_id=row.dedup,
        sequence=row.seq if info.spec.fifo else None,
        dead_letter_source=row.dls,
    )


def transfer(
    conn: sqlite3.Connection,
    catalog: Catalog,
    row: Row,
    target: QueueInfo,
    now: float,
    dead_letter_source: str | None,
) -> None:
    """Move a message to `target`, visible now, keeping its id, body, attributes, sent_at,
    group and dedup id; its receive count restarts. The caller refreshes the source group."""
    conn.execute("DELETE FROM messages WHERE mn = ?", (row.mn,))
    fifo = target.spec.fifo
    seq = catalog.next_sequence(target) if fifo else None
    group = (row.grp or "") if fifo else None
    conn.execute(
        INSERT,
        (
            catalog.new_message_number(),
            target.qn,
            now,
            row.sent_at,
            seq,
            group,
            row.dedup if fifo else None,
            dead_letter_source,
            row.id,
            row.attributes,
            row.body,
        ),
    )
    if fifo:
        conn.execute(ADD_GROUP, (target.qn, group, now, seq))


def refresh_group(conn: sqlite3.Connection, qn: int, group: str) -> None:
    """Recompute when a group can next hand out its head: the head's visibility, or later
    while any received message of the group is still invisible (two index seeks)."""
    head = conn.execute(
        "SELECT seq, visible_at FROM messages WHERE qn = ? AND grp = ? ORDER BY seq LIMIT 1",
        (qn, group),
    ).fetchone()
    if head is None:
        conn.execute("DELETE FROM groups WHERE qn = ? AND grp = ?", (qn, group))
        return
    (latest,) = conn.execute(
        "SELECT max(visible_at) FROM messages WHERE qn = ? AND grp = ? AND receive_count > 0",
        (qn, group),
    ).fetchone()
    ready_at = head[1] if latest is None else max(head[1], latest)
    conn.execute(
        "INSERT INTO groups(qn, grp, ready_at, head) VALUES(?, ?, ?, ?) ON CONFLICT(qn, grp)"
        " DO UPDATE SET ready_at = excluded.ready_at, head = excluded.head",
        (qn, group, ready_at, head[0]),
    )
