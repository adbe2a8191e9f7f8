"""The log database (`logs.db`): tables, statements and the write connection.

- `log_shards(log, shard, last_offset)`: one row per shard ever appended to; `last_offset` is
  the highest offset handed out, kept here (not max(seq)) so trimming or deleting the newest
  records never lets an offset be handed out again.
- `log_records`: a rowid table (records carry up to ~400 KB of data, which SQLite keeps
  better out of a WITHOUT ROWID b-tree), unique on (log, shard, seq) for reads in offset order
  and on (log, shard, id) for dedup; (log, appended) serves trims by age.

The schema is versioned (migrations.py): MIGRATIONS, applied when the write connection opens.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from ownstack.backends.sqlite.migrations import Migration
from ownstack.backends.sqlite.schema import open_wal

COMPONENT = "logs"
MIGRATIONS = (
    Migration(
        1,
        "shards and records",
        (
            """CREATE TABLE log_shards(
                log TEXT NOT NULL,
                shard TEXT NOT NULL,
                last_offset INTEGER NOT NULL,
                PRIMARY KEY(log, shard)
            ) WITHOUT ROWID""",
            """CREATE TABLE log_records(
                rn INTEGER PRIMARY KEY,
                log TEXT NOT NULL,
                shard TEXT NOT NULL,
                seq INTEGER NOT NULL,
                id TEXT NOT NULL,
                appended REAL NOT NULL,
                data BLOB NOT NULL
            )""",
            "CREATE UNIQUE INDEX log_records_seq ON log_records(log, shard, seq)",
            "CREATE UNIQUE INDEX log_records_id ON log_records(log, shard, id)",
            "CREATE INDEX log_records_age ON log_records(log, appended)",
        ),
    ),
)

LAST_OFFSET = "SELECT last_offset FROM log_shards WHERE log = ? AND shard = ?"
OFFSET_OF = "SELECT seq FROM log_records WHERE log = ? AND shard = ? AND id = ?"
INSERT = "INSERT INTO log_records(log, shard, seq, id, appended, data) VALUES(?, ?, ?, ?, ?, ?)"
SAVE_LAST = (
    "INSERT INTO log_shards(log, shard, last_offset) VALUES(?, ?, ?)"
    " ON CONFLICT(log, shard) DO UPDATE SET last_offset = excluded.last_offset"
)
READ = (
    "SELECT seq, id, data, appended FROM log_records"
    " WHERE log = ? AND shard = ? AND seq > ? ORDER BY seq LIMIT ?"
)
SHARDS = (
    "SELECT s.shard,"
    " coalesce((SELECT min(r.seq) FROM log_records r WHERE r.log = s.log AND r.shard = s.shard),"
    " s.last_offset + 1),"
    " s.last_offset"
    " FROM log_shards s WHERE s.log = ? ORDER BY s.shard"
)
TRIM = "DELETE FROM log_records WHERE log = ? AND appended < ?"
DELETE_RECORDS = "DELETE FROM log_records WHERE log = ?"
DELETE_SHARDS = "DELETE FROM log_shards WHERE log = ?"


def open_writer(path: Path) -> sqlite3.Connection:
    """The write connection (WAL, synchronous=FULL: a COMMIT is durable when it returns)."""
    return open_wal(path, COMPONENT, MIGRATIONS)
