"""The postgres meta store creates and upgrades its schema itself (versioned migrations), also
when several processes open it at once, and refuses a schema a newer ownstack migrated."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import asyncpg
import pytest

from conformance.kit import POSTGRES_DSN, postgres_options, postgres_unreachable, run
from ownstack.backends.postgres import PostgresMeta, open_meta
from ownstack.backends.postgres.meta_sql import COMPONENT, MIGRATIONS
from ownstack.backends.postgres.migrations import Migration, SchemaTooNew, latest, migrate
from ownstack.core.clock import SystemClock
from ownstack.ports.engine import EngineContext
from ownstack.ports.errors import BackendUnavailable
from ownstack.ports.meta import ABSENT, Put, Record

LEDGER = "SELECT component, version, name FROM schema_migrations ORDER BY component, version"
EXPECTED_LEDGER = [
    ("meta", 1, "records and the version sequence"),
    ("meta", 2, "meta_commit: a commit in one statement"),
    ("meta", 3, "meta_commit by primary-key lookups; meta_commit_many: concurrent commits at once"),
]


@pytest.fixture
def options(tmp_path: Path) -> dict[str, Any]:
    if (why := postgres_unreachable()) is not None:
        pytest.skip(why)
    return postgres_options(tmp_path)


def _open(options: dict[str, Any]) -> PostgresMeta:
    return open_meta(EngineContext(Path("."), options, SystemClock()))


async def _connect(schema: str) -> Any:
    return await asyncpg.connect(POSTGRES_DSN, server_settings={"search_path": schema})


async def _ledger(schema: str) -> list[tuple[str, int, str]]:
    conn = await _connect(schema)
    try:
        return [tuple(row) for row in await conn.fetch(LEDGER)]
    finally:
        await conn.close()


def test_the_meta_migrations_are_numbered_in_order() -> None:
    assert latest(MIGRATIONS) == 3
    with pytest.raises(ValueError, match=r"numbered 1, 2, \.\.\. in order, not \[2\]"):
        latest([Migration(2, "gap", ())])


def test_three_stores_opening_a_fresh_schema_at_once_migrate_it_once(
    options: dict[str, Any],
) -> None:
    stores = [_open(options) for _ in range(3)]

    async def go() -> None:
        await asyncio.gather(*(s.open() for s in stores))
        # Each store can write, and every one sees the others' writes.
        versions = [await s.commit([Put("ns", f"k{i}", b"v")]) for i, s in enumerate(stores)]
        for s in stores:
            assert await s.scan("ns") == [Record(f"k{i}", b"v", v) for i, v in enumerate(versions)]
        for s in stores:
            await s.close()

    run(go())
    assert run(_ledger(options["schema"])) == EXPECTED_LEDGER


def test_concurrent_migrations_apply_each_step_exactly_once(options: dict[str, Any]) -> None:
    schema = options["schema"]

    async def go() -> list[list[int]]:
        conns = [await _connect(schema) for _ in range(4)]
        try:
            return await asyncio.gather(*(migrate(c, schema, COMPONENT, MIGRATIONS) for c in conns))
        finally:
            for c in conns:
                await c.close()

    applied = run(go())
    assert sorted(applied) == [[], [], [], [1, 2, 3]]
    assert run(_ledger(schema)) == EXPECTED_LEDGER


def test_an_older_schema_is_upgraded_on_open(options: dict[str, Any]) -> None:
    schema = options["schema"]

    async def make_old() -> list[int]:
        conn = await _connect(schema)
        try:
            return await migrate(conn, schema, COMPONENT, MIGRATIONS[:1])
        finally:
            await conn.close()

    assert run(make_old()) == [1]
    assert run(_ledger(schema)) == EXPECTED_LEDGER[:1]
    store = _open(options)

    async def go() -> None:
        version = await store.commit([Put("ns", "k", b"v", expect=ABSENT)])
        assert await store.get("ns", "k") == Record("k", b"v", version)
        await store.close()

    run(go())
    assert run(_ledger(schema)) == EXPECTED_LEDGER


def test_a_schema_newer_than_known_is_refused(options: dict[str, Any]) -> None:
    schema = options["schema"]
    run(_open(options).open())  # migrated to what this version knows

    async def from_the_future() -> None:
        conn = await _connect(schema)
        try:
            await conn.execute(
                "INSERT INTO schema_migrations(component, version, name) VALUES($1, 4, $2)",
                COMPONENT,
                "a step of a later release",
            )
        finally:
            await conn.close()

    run(from_the_future())
    store = _open(options)
    with pytest.raises(SchemaTooNew) as refused:
        run(store.open())
    assert isinstance(refused.value, BackendUnavailable)
    assert str(refused.value) == (
        f"postgres schema {schema!r} is at meta migration 4, newer than this ownstack knows "
        "(up to 3): a newer ownstack uses it; upgrade this one (refusing to start rather than "
        "risk the data)"
    )
    with pytest.raises(SchemaTooNew):  # not only at open: no call gets through
        run(store.get("ns", "k"))
    run(store.close())


def test_an_unreachable_server_is_unavailable_not_a_crash() -> None:
    store = PostgresMeta("postgresql://postgres@127.0.0.1:1/test", "ownstack", SystemClock(), 1)
    refused = r"^cannot connect to postgresql://postgres@127\.0\.0\.1:1/test: "
    with pytest.raises(BackendUnavailable, match=refused):
        run(store.health())
    run(store.close())
