"""Versioned schema migrations of a SQLite database, applied by ownstack itself when it opens.

A database's version is its `PRAGMA user_version` (0 in a new file); each component (meta.db,
queues.db) has its own file and its own ordered steps, numbered 1, 2, ... Pending steps run,
with the new user_version, in one IMMEDIATE transaction: a crash leaves the file at its old
version or at the new one, never between. One process opens a data dir at a time (lock.py), so
there is no race to guard against here.

Step 1 is the schema releases before versioning created with CREATE ... IF NOT EXISTS, and it
stays written that way: a file those releases made (tables, user_version 0) is adopted by
running it, which creates only what such a file lacks. Later steps must not assume that.

A file at a version newer than this ownstack knows (a newer ownstack wrote it) is refused: old
code could misread or damage what the new code keeps.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from ownstack.ports.errors import BackendUnavailable


@dataclass(frozen=True, slots=True)
class Migration:
    version: int
    name: str
    statements: tuple[str, ...]


class SchemaTooNew(BackendUnavailable):
    """The database was migrated by a newer ownstack than this one (the message has the shape
    of the postgres engine's SchemaTooNew)."""

    def __init__(self, path: Path, component: str, found: int, known: int) -> None:
        super().__init__(
            f"sqlite database {str(path)!r} is at {component} migration {found}, newer than "
            f"this ownstack knows (up to {known}): a newer ownstack uses it; upgrade this one "
            "(refusing to start rather than risk the data)"
        )
        self.found = found
        self.known = known


def latest(steps: Sequence[Migration]) -> int:
    """The version the steps lead to; checks they are numbered 1, 2, ... in order."""
    numbers = [step.version for step in steps]
    if numbers != list(range(1, len(numbers) + 1)):
        raise ValueError(f"migrations must be numbered 1, 2, ... in order, not {numbers}")
    return len(numbers)


def user_version(conn: sqlite3.Connection) -> int:
    return int(conn.execute("PRAGMA user_version").fetchone()[0])


def migrate(
    conn: sqlite3.Connection, path: Path, component: str, steps: Sequence[Migration]
) -> list[int]:
    """Brings the database of `conn` (autocommit mode) up to the last step; returns the
    versions applied. Raises SchemaTooNew, leaving the file untouched, if it is newer."""
    known = latest(steps)
    found = user_version(conn)
    if found > known:
        raise SchemaTooNew(path, component, found, known)
    if found == known:
        return []
    conn.execute("BEGIN IMMEDIATE")
    try:
        for step in steps[found:]:
            for statement in step.statements:
                conn.execute(statement)
        # A pragma takes no parameters; `known` is an int we computed.
        conn.execute(f"PRAGMA user_version = {known:d}")
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    return list(range(found + 1, known + 1))
