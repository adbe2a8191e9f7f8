"""The queue database (`queues.db`): tables, indexes and connections.

- `messages` is a rowid table keyed by `mn`, a message number that never repeats (the
  `counters` row keeps the highest one handed out, so deleting the newest message does not
  free its number): a receipt names (mn, receive count), so a stale receipt can never match a
  later message. Bodies (up to 256 KiB) sit last in the row.
- `msg_visible` (qn, visible_at, ...) is what a standard receive walks: the visible messages
  of one queue, oldest visibility first, and it covers `counts`.
- FIFO queues: `msg_group` orders each group by sequence, `msg_received` gives the latest
  visibility of a group's received messages in one seek, and `groups` keeps per group the time
  it can next hand out its head (`ready_at`: the head's visibility, or later while any of the
  group's messages is in flight) so a receive finds ready groups with one index range.
- `dedup` and `attempts` remember FIFO deduplication ids and receive attempts until
  `expires_at` (indexed, for the sweep).

The schema is versioned (migrations.py): MIGRATIONS, applied when the write connection opens.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from ownstack.backends.sqlite.migrations import Migration
from ownstack.backends.sqlite.schema import open_wal

COMPONENT = "queue"
_TABLES = (
    """CREATE TABLE IF NOT EXISTS queues(
        qn INTEGER PRIMARY KEY,
        name TEXT NOT NULL UNIQUE,
        fifo INTEGER NOT NULL,
        retention REAL NOT NULL,
        dedup_window REAL NOT NULL,
        dedup_per_group INTEGER NOT NULL,
        next_seq INTEGER NOT NULL
    )""",
    """CREATE TABLE IF NOT EXISTS messages(
        mn INTEGER PRIMARY KEY,
        qn INTEGER NOT NULL,
        visible_at REAL NOT NULL,
        sent_at REAL NOT NULL,
        receive_count INTEGER NOT NULL,
        first_received REAL NOT NULL,
        seq INTEGER,
        grp TEXT,
        dedup TEXT,
        attempt TEXT,
        dls TEXT,
        id TEXT NOT NULL,
        attributes BLOB NOT NULL,
        body TEXT NOT NULL
    )""",
    "CREATE INDEX IF NOT EXISTS msg_visible ON messages(qn, visible_at, sent_at, receive_count)",
    "CREATE INDEX IF NOT EXISTS msg_group ON messages(qn, grp, seq) WHERE grp IS NOT NULL",
    "CREATE INDEX IF NOT EXISTS msg_received ON messages(qn, grp, visible_at)"
    " WHERE grp IS NOT NULL AND receive_count > 0",
    """CREATE TABLE IF NOT EXISTS groups(
        qn INTEGER NOT NULL,
        grp TEXT NOT NULL,
        ready_at REAL NOT NULL,
        head INTEGER NOT NULL,
        PRIMARY KEY(qn, grp)
    ) WITHOUT ROWID""",
    "CREATE INDEX IF NOT EXISTS groups_ready ON groups(qn, ready_at, head)",
    """CREATE TABLE IF NOT EXISTS dedup(
        qn INTEGER NOT NULL,
        scope TEXT NOT NULL,
        dedup TEXT NOT NULL,
        expires_at REAL NOT NULL,
        id TEXT NOT NULL,
        seq INTEGER NOT NULL,
        PRIMARY KEY(qn, scope, dedup)
    ) WITHOUT ROWID""",
    "CREATE INDEX IF NOT EXISTS dedup_expiry ON dedup(expires_at)",
    """CREATE TABLE IF NOT EXISTS attempts(
        qn INTEGER NOT NULL,
        attempt TEXT NOT NULL,
        expires_at REAL NOT NULL,
        receipts TEXT NOT NULL,
        PRIMARY KEY(qn, attempt)
    ) WITHOUT ROWID""",
    "CREATE INDEX IF NOT EXISTS attempts_expiry ON attempts(expires_at)",
    """CREATE TABLE IF NOT EXISTS settings(
        name TEXT PRIMARY KEY,
        value BLOB NOT NULL
    ) WITHOUT ROWID""",
)
MIGRATIONS = (Migration(1, "queues, messages, groups, dedup, attempts, settings", _TABLES),)
"""Step 1 is what releases before versioning made (migrations.py: how their files are adopted)."""


def open_writer(path: Path) -> sqlite3.Connection:
    """The write connection (WAL, synchronous=FULL: a COMMIT is durable when it returns)."""
    return open_wal(path, COMPONENT, MIGRATIONS)


def load_setting(conn: sqlite3.Connection, name: str, default: bytes) -> bytes:
    """A setting, stored as `default` the first time (in its own committed transaction)."""
    row = conn.execute("SELECT value FROM settings WHERE name = ?", (name,)).fetchone()
    if row is not None:
        return bytes(row[0])
    conn.execute("INSERT INTO settings(name, value) VALUES(?, ?)", (name, default))
    return default


def last_message_number(conn: sqlite3.Connection) -> int:
    row = conn.execute(
        "SELECT max(coalesce((SELECT CAST(value AS INTEGER) FROM settings WHERE name = 'mn'), 0),"
        " coalesce((SELECT max(mn) FROM messages), 0))"
    ).fetchone()
    return int(row[0])


SAVE_MESSAGE_NUMBER = (
    "INSERT INTO settings(name, value) VALUES('mn', ?)"
    " ON CONFLICT(name) DO UPDATE SET value = excluded.value"
)
