"""The sqlite log engine's own parts: its file and schema version, a bad entry failing alone in
a group-committed batch, and appends that survive a killed process."""

from __future__ import annotations

import asyncio
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from conformance.kit import run
from ownstack.backends.sqlite import SqliteLogs, logs_schema, open_logs
from ownstack.backends.sqlite.migrations import latest
from ownstack.core.clock import ManualClock
from ownstack.ports.engine import EngineContext
from ownstack.ports.errors import PortError
from ownstack.ports.logs import Entry

SRC = Path(__file__).resolve().parents[3] / "src"


def test_the_store_keeps_its_own_file_at_the_last_schema_version(tmp_path: Path) -> None:
    store = open_logs(EngineContext(tmp_path, {}, ManualClock()))
    run(store.close())
    conn = sqlite3.connect(tmp_path / "logs.db")
    try:
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")]
    finally:
        conn.close()
    assert version == latest(logs_schema.MIGRATIONS) == 2
    assert sorted(tables) == ["log_records", "log_shards"]


def test_an_entry_that_cannot_be_stored_fails_alone(tmp_path: Path) -> None:
    store = SqliteLogs(tmp_path / "logs.db", ManualClock())

    async def go() -> None:
        bad = store.append("l", "s", [Entry("fine", b"1"), Entry("\ud800", b"2")])
        good = store.append("l", "s", [Entry("ok", b"3")])
        results = await asyncio.gather(bad, good, return_exceptions=True)
        assert isinstance(results[0], PortError)
        assert results[1] == [1]  # the failed append left no offset behind
        got = await store.read("l", "s", after=0, limit=10)
        assert [(r.offset, r.id) for r in got] == [(1, "ok")]

    try:
        run(go())
    finally:
        run(store.close())


_CHILD = """
import asyncio, os, sys
from pathlib import Path
from ownstack.backends.sqlite import SqliteLogs
from ownstack.core.clock import SystemClock
from ownstack.ports.logs import Entry

async def main():
    store = SqliteLogs(Path(sys.argv[1]), SystemClock())
    offsets = await store.append("l", "s", [Entry("a", b"1"), Entry("b", b"2")])
    print(offsets, flush=True)
    os._exit(0)  # no close: the process dies with the store open

asyncio.run(main())
"""


@pytest.mark.timeout(60)
def test_an_acknowledged_append_survives_a_killed_process(tmp_path: Path) -> None:
    path = tmp_path / "logs.db"
    done = subprocess.run(
        [sys.executable, "-c", _CHILD, str(path)],
        capture_output=True,
        text=True,
        timeout=60,
        env={"PYTHONPATH": str(SRC)},
    )
    assert done.stdout.strip() == "[1, 2]", done.stderr
    store = SqliteLogs(path, ManualClock())
    try:
        got = run(store.read("l", "s", after=0, limit=10))
        assert [(r.offset, r.id, r.data) for r in got] == [(1, "a", b"1"), (2, "b", b"2")]
    finally:
        run(store.close())


def test_a_file_of_the_first_schema_is_upgraded_with_its_counters(tmp_path: Path) -> None:
    """Migration 2 adds keys (0 for what is there) and counts the records each shard holds."""
    path = tmp_path / "logs.db"
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        for statement in logs_schema.MIGRATIONS[0].statements:
            conn.execute(statement)
        conn.execute("PRAGMA user_version = 1")
        conn.execute("INSERT INTO log_shards VALUES('l', 's', 3)")
        for seq, data, appended in ((2, b"ab", 10.0), (3, b"cde", 12.5)):
            conn.execute(
                "INSERT INTO log_records(log, shard, seq, id, appended, data)"
                " VALUES('l', 's', ?, ?, ?, ?)",
                (seq, f"r{seq}", appended, data),
            )
    finally:
        conn.close()
    store = SqliteLogs(path, ManualClock())
    try:
        stats = run(store.shard_stats("l"))
        assert [(s.shard, s.records, s.data_bytes, s.first_key, s.last_key) for s in stats] == [
            ("s", 2, 5, 0, 0)
        ]
        assert (stats[0].last_appended, stats[0].last_offset) == (12.5, 3)
        assert run(store.append("l", "s", [Entry("r4", b"f", 7)])) == [4]
        assert [r.position for r in run(store.scan("l", limit=10))] == [
            (0, "s", 2),
            (0, "s", 3),
            (7, "s", 4),
        ]
    finally:
        run(store.close())
