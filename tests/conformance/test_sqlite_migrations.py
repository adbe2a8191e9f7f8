"""The sqlite engines version their schema (PRAGMA user_version): a new file is created at the
last version, a file made before versioning (tables, user_version 0) is adopted, a newer file is
refused untouched, and a failing step leaves the file as it was."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from conformance.kit import run
from ownstack.backends.sqlite import queues_schema, schema
from ownstack.backends.sqlite.meta import SqliteMeta
from ownstack.backends.sqlite.migrations import Migration, SchemaTooNew, latest, migrate
from ownstack.backends.sqlite.queues import SqliteQueues
from ownstack.core.clock import ManualClock
from ownstack.ports.errors import BackendUnavailable
from ownstack.ports.meta import Put, Record
from ownstack.ports.queues import QueueSpec


def _user_version(path: Path) -> int:
    conn = sqlite3.connect(path)
    try:
        return int(conn.execute("PRAGMA user_version").fetchone()[0])
    finally:
        conn.close()


def _tables(path: Path) -> list[str]:
    conn = sqlite3.connect(path)
    try:
        rows = conn.execute("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
        return [row[0] for row in rows]
    finally:
        conn.close()


def _set_user_version(path: Path, version: int) -> None:
    conn = sqlite3.connect(path)
    conn.execute(f"PRAGMA user_version = {version:d}")
    conn.close()


def test_each_component_is_at_version_1() -> None:
    assert latest(schema.MIGRATIONS) == 1
    assert latest(queues_schema.MIGRATIONS) == 1
    with pytest.raises(ValueError, match=r"numbered 1, 2, \.\.\. in order, not \[1, 3\]"):
        latest([Migration(1, "a", ()), Migration(3, "gap", ())])


def test_a_new_meta_file_is_created_at_the_last_version(tmp_path: Path) -> None:
    path = tmp_path / "meta.db"
    store = SqliteMeta(path)
    run(store.close())
    assert _user_version(path) == 1
    assert _tables(path) == ["counters", "records"]


def test_a_meta_file_from_before_versioning_is_adopted_with_its_records(tmp_path: Path) -> None:
    path = tmp_path / "meta.db"
    old = sqlite3.connect(path, isolation_level=None)  # what releases before versioning made
    old.execute(schema.MIGRATIONS[0].statements[0])  # records only: counters came later
    old.execute("INSERT INTO records VALUES('ns', 'k', x'76', 7)")
    old.close()
    assert _user_version(path) == 0

    store = SqliteMeta(path)
    try:
        assert run(store.get("ns", "k")) == Record("k", b"v", 7)
        assert run(store.commit([Put("ns", "k2", b"w")])) == 8  # the version carries on
    finally:
        run(store.close())
    assert _user_version(path) == 1
    assert _tables(path) == ["counters", "records"]


def test_a_queue_file_from_before_versioning_is_adopted(tmp_path: Path) -> None:
    path = tmp_path / "queues.db"
    old = sqlite3.connect(path, isolation_level=None)
    for statement in queues_schema.MIGRATIONS[0].statements:
        old.execute(statement)
    old.close()
    store = SqliteQueues(path, ManualClock())
    try:
        run(store.create("q", QueueSpec()))
    finally:
        run(store.close())
    assert _user_version(path) == 1


@pytest.mark.parametrize(
    ("name", "component", "open_store"),
    [
        ("meta.db", "meta", lambda p: SqliteMeta(p)),
        ("queues.db", "queue", lambda p: SqliteQueues(p, ManualClock())),
    ],
)
def test_a_file_from_a_newer_release_is_refused_untouched(
    tmp_path: Path, name: str, component: str, open_store: object
) -> None:
    path = tmp_path / name
    _set_user_version(path, 5)
    assert callable(open_store)
    with pytest.raises(SchemaTooNew) as refused:
        open_store(path)
    assert isinstance(refused.value, BackendUnavailable)
    assert str(refused.value) == (
        f"sqlite database {str(path)!r} is at {component} migration 5, newer than this ownstack "
        "knows (up to 1): a newer ownstack uses it; upgrade this one (refusing to start rather "
        "than risk the data)"
    )
    assert (refused.value.found, refused.value.known) == (5, 1)
    assert _user_version(path) == 5
    assert _tables(path) == []
    # The file lock was released: once the file is fixed, the next open succeeds.
    _set_user_version(path, 0)
    store = open_store(path)
    run(store.close())  # type: ignore[attr-defined]


def test_a_failing_step_leaves_the_file_at_its_old_version(tmp_path: Path) -> None:
    path = tmp_path / "x.db"
    conn = sqlite3.connect(path, isolation_level=None)
    steps = [
        Migration(1, "one", ("CREATE TABLE a(x)",)),
        Migration(2, "two", ("CREATE TABLE b(x)", "CREATE TABLE b(x)")),  # fails half-way
    ]
    assert migrate(conn, path, "test", steps[:1]) == [1]
    with pytest.raises(sqlite3.OperationalError, match="table b already exists"):
        migrate(conn, path, "test", steps)
    assert _user_version(path) == 1
    assert _tables(path) == ["a"]
    fixed = [steps[0], Migration(2, "two", ("CREATE TABLE b(x)",))]
    assert migrate(conn, path, "test", fixed) == [2]
    assert migrate(conn, path, "test", fixed) == []  # up to date: nothing to do
    conn.close()
    assert (_user_version(path), _tables(path)) == (2, ["a", "b"])
