"""The queue jobs other than receive (queues_receive.py): each runs in the caller's write
transaction and raises its PortError (QueueNotFound) before its first write."""

from __future__ import annotations

import sqlite3
import uuid
from collections.abc import Sequence

from ownstack.backends.sqlite.queues_catalog import Catalog, QueueInfo
from ownstack.backends.sqlite.queues_rows import (
    ADD_GROUP,
    INSERT,
    SELECT,
    refresh_group,
    rows,
    transfer,
)
from ownstack.ports.errors import PortError
from ownstack.ports.queues import (
    MessageNotInflight,
    NewMessage,
    QueueSpec,
    ReceiptInvalid,
    Sent,
)

PURGE = (
    "DELETE FROM messages WHERE qn = ?",
    "DELETE FROM groups WHERE qn = ?",
    "DELETE FROM attempts WHERE qn = ?",
)
"""Dedup ids stay remembered across a purge."""
DROP = (*PURGE, "DELETE FROM dedup WHERE qn = ?", "DELETE FROM queues WHERE qn = ?")
OLDEST_VISIBLE = (
    SELECT + " WHERE qn = ? AND visible_at <= ? AND sent_at > ? ORDER BY sent_at, mn LIMIT ?"
)


def create(conn: sqlite3.Connection, catalog: Catalog, name: str, spec: QueueSpec) -> None:
    values = (spec.fifo, spec.retention, spec.dedup_window, spec.dedup_per_group)
    info = catalog.queues.get(name)
    if info is not None:
        conn.execute(
            "UPDATE queues SET fifo = ?, retention = ?, dedup_window = ?, dedup_per_group = ?"
            " WHERE qn = ?",
            (*values, info.qn),
        )
        info.spec = spec
        return
    (qn,) = conn.execute(
        "INSERT INTO queues(name, fifo, retention, dedup_window, dedup_per_group, next_seq)"
        " VALUES(?, ?, ?, ?, ?, 1) RETURNING qn",
        (name, *values),
    ).fetchall()[0]
    catalog.queues[name] = QueueInfo(int(qn), name, spec, 1)


def drop(conn: sqlite3.Connection, catalog: Catalog, name: str) -> None:
    info = catalog.queues.pop(name, None)
    if info is None:
        return
    for statement in DROP:
        conn.execute(statement, (info.qn,))


def send(
    conn: sqlite3.Connection,
    catalog: Catalog,
    name: str,
    messages: Sequence[NewMessage],
    now: float,
) -> list[Sent]:
    info = catalog.get(name)
    if not info.spec.fifo:
        return _send_standard(conn, catalog, info, messages, now)
    return _send_fifo(conn, catalog, info, messages, now)


def _send_standard(
    conn: sqlite3.Connection,
    catalog: Catalog,
    info: QueueInfo,
    messages: Sequence[NewMessage],
    now: float,
) -> list[Sent]:
    values = []
    sent = []
    for message in messages:
        message_id = str(uuid.uuid4())
        mn = catalog.new_message_number()
        visible_at = now + max(message.delay, 0.0)
        values.append(
            (mn, info.qn, visible_at, now, None, None, None, None, message_id,
             bytes(message.attributes), message.body)
        )  # fmt: skip
        sent.append(Sent(message_id, None))
    conn.executemany(INSERT, values)
    return sent


def _send_fifo(
    conn: sqlite3.Connection,
    catalog: Catalog,
    info: QueueInfo,
    messages: Sequence[NewMessage],
    now: float,
) -> list[Sent]:
    conn.execute("DELETE FROM dedup WHERE expires_at <= ?", (now,))
    first_of: dict[tuple[str, str], Sent] = {}
    sent = []
    for message in messages:
        group = message.group or ""  # a FIFO message always has a group
        key = None
        if message.dedup_id is not None:
            key = (group if info.spec.dedup_per_group else "", message.dedup_id)
            earlier = first_of.get(key) or _deduplicated(conn, info, key, now)
            if earlier is not None:
                sent.append(Sent(earlier.message_id, earlier.sequence, duplicate=True))
                continue
        sent.append(_insert_fifo(conn, catalog, info, message, group, now))
        if key is not None:
            first_of[key] = sent[-1]
    expires_at = now + info.spec.dedup_window
    conn.executemany(
        "INSERT INTO dedup(qn, scope, dedup, expires_at, id, seq) VALUES(?, ?, ?, ?, ?, ?)"
        " ON CONFLICT(qn, scope, dedup) DO UPDATE SET expires_at = excluded.expires_at,"
        " id = excluded.id, seq = excluded.seq",
        [(info.qn, *key, expires_at, s.message_id, s.sequence) for key, s in first_of.items()],
    )
    return sent


def _deduplicated(
    conn: sqlite3.Connection, info: QueueInfo, key: tuple[str, str], now: float
) -> Sent | None:
    found = conn.execute(
        "SELECT id, seq FROM dedup WHERE qn = ? AND scope = ? AND dedup = ? AND expires_at > ?",
        (info.qn, *key, now),
    ).fetchone()
    return None if found is None else Sent(found[0], int(found[1]), duplicate=True)


def _insert_fifo(
    conn: sqlite3.Connection,
    catalog: Catalog,
    info: QueueInfo,
    message: NewMessage,
    group: str,
    now: float,
) -> Sent:
    message_id = str(uuid.uuid4())
    seq = catalog.next_sequence(info)
    visible_at = now + max(message.delay, 0.0)
    conn.execute(
        INSERT,
        (catalog.new_message_number(), info.qn, visible_at, now, seq, group, message.dedup_id,
         None, message_id, bytes(message.attributes), message.body),
    )  # fmt: skip
    conn.execute(ADD_GROUP, (info.qn, group, visible_at, seq))
    return Sent(message_id, seq)


def delete(
    conn: sqlite3.Connection, catalog: Catalog, name: str, receipts: Sequence[str]
) -> list[PortError | None]:
    info = catalog.get(name)
    results: list[PortError | None] = []
    groups: set[str] = set()
    for receipt in receipts:
        opened = catalog.open_receipt(info, receipt)
        if opened is None:
            results.append(ReceiptInvalid(f"receipt {receipt!r} is not valid for {name!r}"))
            continue
        removed = conn.execute(
            "DELETE FROM messages WHERE mn = ? AND qn = ? AND receive_count = ? RETURNING grp",
            (opened[0], info.qn, opened[1]),
        ).fetchall()
        groups.update(row[0] for row in removed if row[0] is not None)
        results.append(None)  # deleted, or a stale receipt / a message already gone
    for group in groups:
        refresh_group(conn, info.qn, group)
    return results


def change_visibility(
    conn: sqlite3.Connection,
    catalog: Catalog,
    name: str,
    changes: Sequence[tuple[str, float]],
    now: float,
) -> list[PortError | None]:
    info = catalog.get(name)
    horizon = now - info.spec.retention
    results: list[PortError | None] = []
    groups: set[str] = set()
    for receipt, seconds in changes:
        opened = catalog.open_receipt(info, receipt)
        if opened is None:
            results.append(ReceiptInvalid(f"receipt {receipt!r} is not valid for {name!r}"))
            continue
        changed = conn.execute(
            "UPDATE messages SET visible_at = ?, attempt = NULL WHERE mn = ? AND qn = ?"
            " AND receive_count = ? AND visible_at > ? AND sent_at > ? RETURNING grp",
            (now + max(seconds, 0.0), opened[0], info.qn, opened[1], now, horizon),
        ).fetchall()
        if not changed:
            results.append(MessageNotInflight(f"message of receipt {receipt!r} not in flight"))
            continue
        groups.update(row[0] for row in changed if row[0] is not None)
        results.append(None)
    for group in groups:
        refresh_group(conn, info.qn, group)
    return results


def purge(conn: sqlite3.Connection, catalog: Catalog, name: str) -> None:
    info = catalog.get(name)
    for statement in PURGE:
        conn.execute(statement, (info.qn,))


def move(
    conn: sqlite3.Connection, catalog: Catalog, source: str, target: str, limit: int, now: float
) -> int:
    origin, destination = catalog.get(source), catalog.get(target)
    if limit <= 0:
        return 0
    found = rows(conn, OLDEST_VISIBLE, (origin.qn, now, now - origin.spec.retention, limit))
    for row in found:
        transfer(conn, catalog, row, destination, now, None)
    for group in {row.grp for row in found if row.grp is not None}:
        refresh_group(conn, origin.qn, group)
    return len(found)
