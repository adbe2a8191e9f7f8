"""The log database (`logs.db`): tables, statements and the write connection.

- `log_shards(log, shard, last_offset)`: one row per shard ever appended to; `last_offset` is
  the highest offset handed out, kept here (not max(seq)) so trimming or deleting the newest
  records never lets an offset be handed out again.
- `log_records`: a rowid table (records carry up to ~400 KB of data, which SQLite keeps
  better out of a WITHOUT ROWID b-tree), unique on (log, shard, seq) for reads in offset order
  and on (log, shard, id) for dedup; (log, appended) serves trims by age.
- Since migration 2, records carry a `key` and shards count their records and data bytes and
  keep the time of their last append (`records`, `data_bytes`, `last_appended`, changed in the
  transaction that changes the records). (log, key, shard, seq) serves keyed scans of a log and
  trims by key; (log, shard, key, seq) keyed scans of one shard and its lowest and highest key.

The schema is versioned (migrations.py): MIGRATIONS, applied when the write connection opens.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
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
    Migration(
        2,
        "keys and shard counters",
        (
            "ALTER TABLE log_records ADD COLUMN key INTEGER NOT NULL DEFAULT 0",
            "ALTER TABLE log_shards ADD COLUMN records INTEGER NOT NULL DEFAULT 0",
            "ALTER TABLE log_shards ADD COLUMN data_bytes INTEGER NOT NULL DEFAULT 0",
            "ALTER TABLE log_shards ADD COLUMN last_appended REAL NOT NULL DEFAULT 0",
            """UPDATE log_shards SET
                records = (SELECT count(*) FROM log_records r
                    WHERE r.log = log_shards.log AND r.shard = log_shards.shard),
                data_bytes = (SELECT coalesce(sum(length(r.data)), 0) FROM log_records r
                    WHERE r.log = log_shards.log AND r.shard = log_shards.shard),
                last_appended = (SELECT coalesce(max(r.appended), 0) FROM log_records r
                    WHERE r.log = log_shards.log AND r.shard = log_shards.shard)""",
            "CREATE INDEX log_records_key ON log_records(log, key, shard, seq)",
            "CREATE INDEX log_records_shard_key ON log_records(log, shard, key, seq)",
        ),
    ),
)

LAST_OFFSET = "SELECT last_offset FROM log_shards WHERE log = ? AND shard = ?"
IDS_PER_LOOKUP = 500
"""Ids per lookup of already stored entries: well below SQLite's 32,766 bound parameters."""


def offsets_of(count: int) -> str:
    """The (id, seq) of stored records among `count` ids (log, shard, then the ids, bound)."""
    marks = ", ".join("?" * count)  # only placeholders go into the text: the ids are bound
    return f"SELECT id, seq FROM log_records WHERE log = ? AND shard = ? AND id IN ({marks})"  # noqa: S608


INSERT = (
    "INSERT INTO log_records(log, shard, seq, id, appended, data, key) VALUES(?, ?, ?, ?, ?, ?, ?)"
)
SAVE_LAST = (
    "INSERT INTO log_shards(log, shard, last_offset, records, data_bytes, last_appended)"
    " VALUES(?, ?, ?, ?, ?, ?)"
    " ON CONFLICT(log, shard) DO UPDATE SET last_offset = excluded.last_offset,"
    " records = records + excluded.records, data_bytes = data_bytes + excluded.data_bytes,"
    " last_appended = excluded.last_appended"
)
READ = (
    "SELECT seq, id, data, appended, key FROM log_records"
    " WHERE log = ? AND shard = ? AND seq > ? ORDER BY seq LIMIT ?"
)
SCAN_COLUMNS = "SELECT shard, seq, id, data, appended, key FROM log_records WHERE log = ?"
GONE_BY_AGE = (
    "SELECT shard, count(*), sum(length(data)) FROM log_records"
    " WHERE log = ? AND appended < ? GROUP BY shard"
)
GONE_BY_KEY = (
    "SELECT shard, count(*), sum(length(data)) FROM log_records"
    " WHERE log = ? AND key < ? GROUP BY shard"
)
UNCOUNT = (
    "UPDATE log_shards SET records = records - ?, data_bytes = data_bytes - ?"
    " WHERE log = ? AND shard = ?"
)
TRIM_KEYS = "DELETE FROM log_records WHERE log = ? AND key < ?"
DELETE_SHARD_RECORDS = "DELETE FROM log_records WHERE log = ? AND shard = ?"
DELETE_SHARD = "DELETE FROM log_shards WHERE log = ? AND shard = ?"
STATS = (
    "SELECT s.shard, s.records, s.data_bytes,"
    " (SELECT min(r.key) FROM log_records r WHERE r.log = s.log AND r.shard = s.shard),"
    " (SELECT max(r.key) FROM log_records r WHERE r.log = s.log AND r.shard = s.shard),"
    " s.last_appended, s.last_offset FROM log_shards s WHERE s.log = ?"
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


def scan_statement(
    log: str,
    shards: Sequence[str] | None,
    shard_prefix: str,
    key_from: int | None,
    key_to: int | None,
    after: tuple[int, str, int] | None,
    descending: bool,
    limit: int,
) -> tuple[str, list[object]]:
    """The SELECT of a keyed scan (ports/logs.py `scan`) and its parameters."""
    sql: list[str] = [SCAN_COLUMNS]
    params: list[object] = [log]
    if shards is not None:
        sql.append(f" AND shard IN ({', '.join('?' * len(shards))})")
        params += list(shards)
    elif shard_prefix:
        sql.append(" AND substr(shard, 1, ?) = ?")
        params += [len(shard_prefix), shard_prefix]
    if key_from is not None:
        sql.append(" AND key >= ?")
        params.append(key_from)
    if key_to is not None:
        sql.append(" AND key < ?")
        params.append(key_to)
    if after is not None:
        # The key bound on its own too: the planner seeks the index to it (it does not to a
        # row value), so a page deep in a long scan starts where it begins.
        sql.append(f" AND key {'<=' if descending else '>='} ?")
        sql.append(f" AND (key, shard, seq) {'<' if descending else '>'} (?, ?, ?)")
        params += [after[0], *after]
    order = " DESC" if descending else ""
    sql.append(f" ORDER BY key{order}, shard{order}, seq{order} LIMIT ?")
    params.append(limit)
    return "".join(sql), params


def open_writer(path: Path) -> sqlite3.Connection:
    """The write connection (WAL, synchronous=FULL: a COMMIT is durable when it returns)."""
    return open_wal(path, COMPONENT, MIGRATIONS)
