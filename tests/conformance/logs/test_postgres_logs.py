"""The postgres log engine as N ownstack processes use it: stores on one schema (each with its
own pool, as separate processes have) append to the same shard at once, and get unique,
gap-free offsets that a concurrent reader sees in order, never a lower one after a higher. The
port's semantics themselves are the conformance suite's, which runs on postgres too."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import asyncpg
import pytest

from conformance.kit import POSTGRES_DSN, postgres_options, postgres_unreachable, run
from ownstack.backends.postgres import PostgresLogs, logs_sql, open_logs
from ownstack.core.clock import SystemClock
from ownstack.ports.engine import EngineContext
from ownstack.ports.logs import Entry, ShardInfo

WRITERS = 3
APPENDS = 40


@pytest.fixture
def stores(tmp_path: Path) -> Iterator[list[PostgresLogs]]:
    """Three stores on one schema: three ownstack processes sharing a database."""
    if (why := postgres_unreachable()) is not None:
        pytest.skip(why)
    options: dict[str, Any] = postgres_options(tmp_path)
    opened = [open_logs(EngineContext(Path("."), options, SystemClock())) for _ in range(3)]
    yield opened
    for store in opened:
        run(store.close())


async def _write(store: PostgresLogs, writer: int) -> list[tuple[int, str]]:
    made: list[tuple[int, str]] = []
    for i in range(APPENDS):
        ids = [f"w{writer}-{i}-a", f"w{writer}-{i}-b"]
        offsets = await store.append("l", "s", [Entry(x, x.encode()) for x in ids])
        assert offsets[1] == offsets[0] + 1  # one call's entries together, in order
        made += zip(offsets, ids, strict=True)
    return made


async def _follow(store: PostgresLogs, total: int) -> list[int]:
    """Reads as a Streams consumer does, from the last offset seen: an offset committed below
    one already read would never be seen, and the result would have a gap."""
    seen: list[int] = []
    after = 0
    while len(seen) < total:
        page = await store.read("l", "s", after=after, limit=7)
        if not page:
            await asyncio.sleep(0.001)
            continue
        seen += [r.offset for r in page]
        after = page[-1].offset
    return seen


def test_concurrent_appends_from_several_stores_get_unique_ordered_offsets(
    stores: list[PostgresLogs],
) -> None:
    total = WRITERS * APPENDS * 2

    async def go() -> None:
        await stores[0].open()
        reader = asyncio.ensure_future(_follow(stores[2], total))
        written = await asyncio.gather(*(_write(stores[w % 2], w) for w in range(WRITERS)))
        seen = await asyncio.wait_for(reader, 30)
        assert seen == list(range(1, total + 1))
        by_offset = dict(pair for made in written for pair in made)
        assert sorted(by_offset) == list(range(1, total + 1))
        got = await stores[1].read("l", "s", after=0, limit=total)
        assert {r.offset: r.id for r in got} == by_offset
        assert await stores[0].shards("l") == [ShardInfo("s", 1, total)]

    run(go())


def test_the_same_id_appended_through_two_stores_at_once_is_written_once(
    stores: list[PostgresLogs],
) -> None:
    one, two, _ = stores

    async def go() -> None:
        for i in range(30):
            batch = [Entry(f"id{i}", b"x"), Entry(f"other{i}", b"y")]
            a, b = await asyncio.gather(one.append("l", "s", batch), two.append("l", "s", batch))
            assert a == b
        got = await one.read("l", "s", after=0, limit=100)
        assert [r.offset for r in got] == list(range(1, 61))

    run(go())


def test_the_schema_is_recorded_as_logs_migrations(
    stores: list[PostgresLogs], tmp_path: Path
) -> None:
    schema = postgres_options(tmp_path)["schema"]  # the stores' schema

    async def go() -> None:
        await stores[0].open()
        await stores[1].open()  # a second opener finds the schema in place
        conn = await asyncpg.connect(POSTGRES_DSN)
        try:
            rows = await conn.fetch(
                f"SELECT version, name FROM \"{schema}\".schema_migrations WHERE component = 'logs'"
            )
        finally:
            await conn.close()
        assert [(r["version"], r["name"]) for r in rows] == [
            (step.version, step.name) for step in logs_sql.MIGRATIONS
        ]
        assert len(rows) == 2

    run(go())
