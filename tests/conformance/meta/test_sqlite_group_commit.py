"""The sqlite group-commit core (groupcommit.py) as both of its writers use it, beyond what the
meta and queue suites reach: a COMMIT that fails (a deferred foreign key, checked only at
COMMIT), callers on two event loops, and transactions still queued when the store closes."""

from __future__ import annotations

import asyncio
import sqlite3
import threading
from pathlib import Path

import pytest

from ownstack.backends.sqlite import SqliteMeta, schema
from ownstack.backends.sqlite.queues_writer import QueueWriter
from ownstack.backends.sqlite.writer import GroupWriter
from ownstack.ports.errors import BackendUnavailable
from ownstack.ports.meta import Put, Record

ORPHANS = (
    "PRAGMA foreign_keys = ON",
    "CREATE TABLE parent(id INTEGER PRIMARY KEY)",
    "CREATE TABLE child(pid INTEGER REFERENCES parent(id) DEFERRABLE INITIALLY DEFERRED)",
    "INSERT INTO parent VALUES(1)",
)
"""A `child` row without a parent passes its INSERT and fails the COMMIT of its batch."""


def test_a_lost_meta_batch_fails_its_callers_and_gives_its_version_back(tmp_path: Path) -> None:
    conn, version = schema.open_writer(tmp_path / "meta.db")
    for statement in ORPHANS:
        conn.execute(statement)
    conn.execute(
        "CREATE TRIGGER poison AFTER INSERT ON records WHEN NEW.key = 'poison'"
        " BEGIN INSERT INTO child VALUES(2); END"
    )
    written: list[tuple[str, str]] = []
    writer = GroupWriter(conn, version, written.extend)

    async def go() -> tuple[int, int]:
        first = await writer.submit([Put("ns", "a", b"1")])
        with pytest.raises(BackendUnavailable, match="meta commit failed: FOREIGN KEY"):
            await writer.submit([Put("ns", "poison", b"x")])
        second = await writer.submit([Put("ns", "b", b"2")])
        assert writer.alive
        await writer.close()
        return first, second

    first, second = asyncio.run(go())
    assert second == first + 1  # the lost batch's version was never committed: reused
    assert written == [("ns", "a"), ("ns", "poison"), ("ns", "b")]  # the cache hears of all
    assert (writer.commits, writer.syncs, writer.errors) == (2, 2, 1)
    reader = schema.open_reader(tmp_path / "meta.db")
    rows = reader.execute("SELECT key, version FROM records ORDER BY key").fetchall()
    reader.close()
    assert rows == [("a", first), ("b", second)]


def test_a_lost_queue_batch_fails_every_job_in_it_and_the_writer_goes_on(
    tmp_path: Path,
) -> None:
    conn = schema.connect(tmp_path / "jobs.db")
    for statement in ORPHANS:
        conn.execute(statement)
    aborts: list[None] = []
    writer = QueueWriter(conn, lambda: None, lambda: aborts.append(None))

    def insert(pid: int) -> int:
        return int(conn.execute("INSERT INTO child VALUES(?)", (pid,)).lastrowid or 0)

    async def go() -> None:
        queued: list[asyncio.Future[int]] = []

        def first() -> int:
            # Submitted while this batch owns the connection: both go into the next batch.
            queued.append(writer.submit(lambda: insert(1), durable=False))
            queued.append(writer.submit(lambda: insert(2), durable=True))
            return insert(1)

        assert await writer.submit(first, durable=True) == 1
        outcomes = await asyncio.gather(*queued, return_exceptions=True)
        assert [type(outcome) for outcome in outcomes] == [BackendUnavailable] * 2
        assert "queue commit failed: FOREIGN KEY" in str(outcomes[0])
        assert aborts == [None]
        assert await writer.submit(lambda: insert(1), durable=True) == 2
        await writer.close()

    asyncio.run(go())
    assert (writer.batches, writer.syncs) == (2, 2)
    check = sqlite3.connect(tmp_path / "jobs.db")
    assert check.execute("SELECT rowid, pid FROM child").fetchall() == [(1, 1), (2, 1)]
    check.close()


def test_callers_on_two_event_loops_share_the_writer(tmp_path: Path) -> None:
    meta = SqliteMeta(tmp_path / "meta.db")
    versions: dict[str, int] = {}

    def burst(prefix: str) -> None:
        async def go() -> list[int]:
            keys = [f"{prefix}{i:03d}" for i in range(100)]
            return await asyncio.gather(*(meta.commit([Put("ns", k, k.encode())]) for k in keys))

        for i, version in enumerate(asyncio.run(go())):
            versions[f"{prefix}{i:03d}"] = version

    threads = [threading.Thread(target=burst, args=(prefix,)) for prefix in "xy"]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    async def check() -> None:
        assert len(set(versions.values())) == 200
        for key, version in versions.items():
            assert await meta.get("ns", key) == Record(key, key.encode(), version)
        await meta.close()

    asyncio.run(check())


def test_transactions_queued_at_close_are_committed(tmp_path: Path) -> None:
    async def write() -> list[int]:
        meta = SqliteMeta(tmp_path / "meta.db")
        commits = [
            asyncio.create_task(meta.commit([Put("ns", f"k{i:02d}", b"v")])) for i in range(50)
        ]
        await asyncio.sleep(0)  # every task submits its transaction
        await meta.close()
        return await asyncio.gather(*commits)

    versions = asyncio.run(write())

    async def read() -> None:
        meta = SqliteMeta(tmp_path / "meta.db")
        got = await meta.scan("ns")
        await meta.close()
        assert got == [Record(f"k{i:02d}", b"v", v) for i, v in enumerate(versions)]

    asyncio.run(read())
