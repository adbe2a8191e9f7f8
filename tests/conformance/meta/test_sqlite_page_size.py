"""New sqlite metadata files use 8 KiB pages; files made with another page size keep working."""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path

from ownstack.backends.sqlite import SqliteMeta
from ownstack.ports.meta import Put


def _page_size(path: Path) -> int:
    with sqlite3.connect(path) as conn:
        return int(conn.execute("PRAGMA page_size").fetchone()[0])


def test_a_new_file_gets_8k_pages(tmp_path: Path) -> None:
    path = tmp_path / "meta.db"

    async def go() -> None:
        store = SqliteMeta(path)
        await store.commit([Put("ns", "k", b"v" * 1800)])
        await store.close()

    asyncio.run(go())
    assert _page_size(path) == 8192


def test_an_existing_4k_file_opens_and_keeps_its_records(tmp_path: Path) -> None:
    path = tmp_path / "meta.db"
    with sqlite3.connect(path) as conn:
        conn.execute("PRAGMA page_size = 4096")
        conn.execute("CREATE TABLE warmup(x)")  # fixes the page size, as an older ownstack did

    async def go() -> bytes | None:
        store = SqliteMeta(path)
        await store.commit([Put("ns", "k", b"kept")])
        await store.close()
        reopened = SqliteMeta(path)
        rec = await reopened.get("ns", "k")
        await reopened.close()
        return None if rec is None else rec.value

    assert asyncio.run(go()) == b"kept"
    assert _page_size(path) == 4096
