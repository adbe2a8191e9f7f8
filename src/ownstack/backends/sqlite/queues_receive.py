"""The receive job: pick the messages to hand out, redrive or drop the ones that must not be,
and put the rest in flight, all in the caller's write transaction.

A standard receive walks `msg_visible` from the oldest visibility; a FIFO receive walks the
ready groups (`groups_ready`) and each group in sequence order. Either reads only the rows it
hands out, plus those it removes (past retention, redriven) and, on FIFO, at most one row per
group that is not visible yet. Changes to a group's row wait until the walk is over, so the
walk's OFFSETs stay valid.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass, field
from typing import NamedTuple

from ownstack.backends.sqlite.queues_catalog import Catalog, QueueInfo
from ownstack.backends.sqlite.queues_rows import SELECT, Row, received, refresh_group, rows
from ownstack.backends.sqlite.queues_rows import transfer as transfer_row
from ownstack.ports.queues import Received, Redrive

VISIBLE = SELECT + " WHERE qn = ? AND visible_at <= ? ORDER BY visible_at"
READY_GROUPS = (
    "SELECT grp FROM groups WHERE qn = ? AND ready_at <= ? ORDER BY ready_at, head LIMIT ? OFFSET ?"
)
GROUP_AFTER = SELECT + " WHERE qn = ? AND grp = ? AND seq > ? ORDER BY seq LIMIT ?"
REPEATED = (
    SELECT + " WHERE mn = ? AND qn = ? AND receive_count = ? AND attempt = ? AND visible_at > ?"
)
HAND_OUT = (
    "UPDATE messages SET visible_at = ?, receive_count = ?, first_received = ?, attempt = ?"
    " WHERE mn = ?"
)


class Outcome(NamedTuple):
    received: list[Received]
    next_change: float | None
    """When none were received: the next time a message may become receivable."""
    redriven: int
    """How many messages went to the dead-letter queue."""


@dataclass(slots=True)
class _Walk:
    """One receive call's state."""

    conn: sqlite3.Connection
    catalog: Catalog
    info: QueueInfo
    limit: int
    now: float
    redrive: Redrive | None
    target: QueueInfo | None
    handed: list[Row] = field(default_factory=list)
    redriven: int = 0

    @property
    def full(self) -> bool:
        return len(self.handed) >= self.limit

    def consider(self, row: Row) -> None:
        """Hand the row out, or drop it (past retention) or redrive it."""
        if row.sent_at + self.info.spec.retention <= self.now:
            self.conn.execute("DELETE FROM messages WHERE mn = ?", (row.mn,))
        elif self._redriven(row):
            assert self.target is not None
            transfer_row(self.conn, self.catalog, row, self.target, self.now, self.info.name)
            self.redriven += 1
        else:
            self.handed.append(row)

    def _redriven(self, row: Row) -> bool:
        redrive = self.redrive
        return (
            redrive is not None
            and self.target is not None
            and row.receive_count >= redrive.max_receives
        )


def receive(
    conn: sqlite3.Connection,
    catalog: Catalog,
    name: str,
    *,
    limit: int,
    visibility: float,
    redrive: Redrive | None,
    attempt_id: str | None,
    now: float,
) -> Outcome:
    info = catalog.get(name)
    target = catalog.queues.get(redrive.target) if redrive is not None else None
    walk = _Walk(conn, catalog, info, limit, now, redrive, target)
    if limit <= 0:
        return Outcome([], None, 0)
    if not info.spec.fifo:
        _walk_standard(walk)
        got = _hand_out(walk, visibility, None)
    else:
        repeat = _repeat(walk, attempt_id) if attempt_id is not None else None
        if repeat is not None:
            return Outcome(repeat, None, 0)
        touched = _walk_fifo(walk)
        got = _hand_out(walk, visibility, attempt_id)
        for group in touched:
            refresh_group(conn, info.qn, group)
        if attempt_id is not None and got:
            _save_attempt(walk, attempt_id)
    return Outcome(got, None if got else _next_change(conn, info, now), walk.redriven)


def _walk_standard(walk: _Walk) -> None:
    while not walk.full:
        # Rows handed out stay where they are until _hand_out; the others are gone: skip the
        # handed ones with OFFSET.
        batch = rows(
            walk.conn,
            VISIBLE + " LIMIT ? OFFSET ?",
            (walk.info.qn, walk.now, walk.limit - len(walk.handed), len(walk.handed)),
        )
        if not batch:
            return
        for row in batch:
            walk.consider(row)


def _walk_fifo(walk: _Walk) -> set[str]:
    """Walk the ready groups; returns every group it looked into."""
    touched: set[str] = set()
    offset = 0
    while not walk.full:
        params = (walk.info.qn, walk.now, walk.limit - len(walk.handed), offset)
        groups = [row[0] for row in walk.conn.execute(READY_GROUPS, params)]
        if not groups:
            break
        offset += len(groups)
        for group in groups:
            touched.add(group)
            _walk_group(walk, group)
            if walk.full:
                break
    return touched


def _walk_group(walk: _Walk, group: str) -> None:
    """The group's messages in order, up to the first that is not visible yet."""
    last = 0
    while not walk.full:
        params = (walk.info.qn, group, last, walk.limit - len(walk.handed))
        batch = rows(walk.conn, GROUP_AFTER, params)
        if not batch:
            return
        for row in batch:
            if row.visible_at > walk.now:
                return
            last = row.seq or 0
            walk.consider(row)
            if walk.full:
                return


def _hand_out(walk: _Walk, visibility: float, attempt_id: str | None) -> list[Received]:
    now = walk.now
    visible_at = now + max(visibility, 0.0)
    updates = []
    got = []
    for row in walk.handed:
        count = row.receive_count + 1
        first = now if count == 1 else row.first_received
        updates.append((visible_at, count, first, attempt_id, row.mn))
        got.append(received(walk.catalog, walk.info, row, count, first))
    if updates:
        walk.conn.executemany(HAND_OUT, updates)
    return got


def _repeat(walk: _Walk, attempt_id: str) -> list[Received] | None:
    """A retried receive attempt: the same messages and receipts, if all are untouched."""
    conn, info, now = walk.conn, walk.info, walk.now
    saved = conn.execute(
        "SELECT receipts FROM attempts WHERE qn = ? AND attempt = ? AND expires_at > ?",
        (info.qn, attempt_id, now),
    ).fetchone()
    if saved is None:
        return None
    got = []
    for item in str(saved[0]).split(","):
        mn, count = (int(part) for part in item.split("."))
        found = rows(conn, REPEATED, (mn, info.qn, count, attempt_id, now))
        if not found:
            return None  # deleted, changed, or received again since: a new receive
        got.append(received(walk.catalog, info, found[0], count, found[0].first_received))
    return got


def _save_attempt(walk: _Walk, attempt_id: str) -> None:
    conn, now = walk.conn, walk.now
    conn.execute("DELETE FROM attempts WHERE expires_at <= ?", (now,))
    receipts = ",".join(f"{row.mn}.{row.receive_count + 1}" for row in walk.handed)
    conn.execute(
        "INSERT INTO attempts(qn, attempt, expires_at, receipts) VALUES(?, ?, ?, ?)"
        " ON CONFLICT(qn, attempt) DO UPDATE SET"
        " expires_at = excluded.expires_at, receipts = excluded.receipts",
        (walk.info.qn, attempt_id, now + walk.info.spec.dedup_window, receipts),
    )


def _next_change(conn: sqlite3.Connection, info: QueueInfo, now: float) -> float | None:
    if info.spec.fifo:
        sql = "SELECT min(ready_at) FROM groups WHERE qn = ? AND ready_at > ?"
    else:
        sql = "SELECT min(visible_at) FROM messages WHERE qn = ? AND visible_at > ?"
    (found,) = conn.execute(sql, (info.qn, now)).fetchone()
    return None if found is None else float(found)
