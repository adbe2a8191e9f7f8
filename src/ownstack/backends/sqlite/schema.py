"""Connections to a SQLite database (the queue database's too), and the meta database's schema.

`records` is WITHOUT ROWID with the default BINARY collation, so (ns, key) is one clustered
B-tree ordered by the keys' UTF-8 bytes: exactly the order the meta port promises, and a scan is
a range walk of that tree. `counters` keeps the last commit version: max(records.version) alone
would go back after the newest record is deleted, and a reused version would let a stale
compare-and-set succeed.

The schema is versioned (migrations.py): MIGRATIONS, applied when the write connection opens.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from pathlib import Path

from ownstack.backends.sqlite.migrations import Migration, migrate

COMPONENT = "meta"
_RECORDS_AND_COUNTERS = (
    """CREATE TABLE IF NOT EXISTS records(
        ns TEXT NOT NULL,
        key TEXT NOT NULL,
        value BLOB NOT NULL,
        version INTEGER NOT NULL,
        PRIMARY KEY(ns, key)
    ) WITHOUT ROWID""",
    """CREATE TABLE IF NOT EXISTS counters(
        name TEXT PRIMARY KEY,
        value INTEGER NOT NULL
    ) WITHOUT ROWID""",
)
MIGRATIONS = (Migration(1, "records and the version counter", _RECORDS_AND_COUNTERS),)
"""Step 1 is what releases before versioning made (migrations.py: how their files are adopted)."""

GET = "SELECT value, version FROM records WHERE ns = ? AND key = ?"
VERSION_OF = "SELECT version FROM records WHERE ns = ? AND key = ?"
UPSERT = (
    "INSERT INTO records(ns, key, value, version) VALUES(?, ?, ?, ?) "
    "ON CONFLICT(ns, key) DO UPDATE SET value = excluded.value, version = excluded.version"
)
DELETE = "DELETE FROM records WHERE ns = ? AND key = ?"
SAVE_VERSION = (
    "INSERT INTO counters(name, value) VALUES('version', ?) "
    "ON CONFLICT(name) DO UPDATE SET value = excluded.value"
)
LOAD_VERSION = (
    # The counter, written by every batch; max(version) (a full scan) only for a database that
    # predates it.
    "SELECT coalesce((SELECT value FROM counters WHERE name = 'version'),"
    " (SELECT max(version) FROM records), 0)"
)
CURRENT_VERSION = "SELECT value FROM counters WHERE name = 'version'"


_SELECT = "SELECT key, value, version FROM records WHERE ns = ? AND key >= ?"
SCANS = {
    (False, False): _SELECT + " ORDER BY key ASC LIMIT ?",
    (False, True): _SELECT + " ORDER BY key DESC LIMIT ?",
    (True, False): _SELECT + " AND key < ? ORDER BY key ASC LIMIT ?",
    (True, True): _SELECT + " AND key < ? ORDER BY key DESC LIMIT ?",
}
"""(has an end bound, reverse) -> the scan statement."""


def connect(path: Path) -> sqlite3.Connection:
    """Autocommit mode (isolation_level=None): we issue BEGIN ourselves, and a reader's every
    SELECT is its own read transaction, so it sees every commit that finished before it."""
    conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False, timeout=10.0)
    conn.execute("PRAGMA busy_timeout = 10000")
    return conn


def open_wal(path: Path, component: str, steps: Sequence[Migration]) -> sqlite3.Connection:
    """A write connection in WAL mode with synchronous=FULL (the WAL is fsynced at every
    COMMIT, so a commit is durable on return), with the schema migrated to the last of `steps`
    (migrations.SchemaTooNew if the file is newer)."""
    conn = connect(path)
    try:
        # Only takes effect on a new file (existing ones keep theirs). A 1 KiB object's record
        # (~1.8 KB with its inline bytes) spills to an overflow page at 4 KiB; at 8 KiB it fits
        # its leaf: the writer's cost per PUT fell from ~45 to ~30 us (benchmarks/micro_s3.py).
        # A 1-2 KiB queue message fits its leaf page too.
        conn.execute("PRAGMA page_size = 8192")
        mode = conn.execute("PRAGMA journal_mode = WAL").fetchone()[0]
        if str(mode).lower() != "wal":
            raise sqlite3.OperationalError(f"cannot enable WAL (journal_mode is {mode})")
        conn.execute("PRAGMA synchronous = FULL")
        migrate(conn, path, component, steps)
    except BaseException:
        conn.close()
        raise
    return conn


def open_writer(path: Path) -> tuple[sqlite3.Connection, int]:
    """The write connection, with the schema in place, and the last committed version."""
    conn = open_wal(path, COMPONENT, MIGRATIONS)
    try:
        version = int(conn.execute(LOAD_VERSION).fetchone()[0])
    except BaseException:
        conn.close()
        raise
    return conn, version


def open_reader(path: Path) -> sqlite3.Connection:
    conn = connect(path)
    conn.execute("PRAGMA query_only = ON")
    return conn
