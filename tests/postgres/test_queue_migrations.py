"""The postgres queue store migrates its schema like the meta store (component "queue"), adopts
a schema made by releases before the ledger without re-running its DDL, refuses a newer one, and
any connect-time failure of either store is BackendUnavailable naming the DSN without a
password."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import asyncpg
import pytest

from conformance.kit import POSTGRES_DSN, postgres_options, postgres_unreachable, run
from ownstack.backends.postgres import PostgresMeta, PostgresQueues, open_queues
from ownstack.backends.postgres.driver import redacted
from ownstack.backends.postgres.migrations import SchemaTooNew
from ownstack.backends.postgres.schema import MIGRATIONS
from ownstack.core.clock import SystemClock
from ownstack.ports.engine import EngineContext
from ownstack.ports.errors import BackendUnavailable
from ownstack.ports.queues import NewMessage, QueueSpec

LEDGER = "SELECT component, version, name FROM schema_migrations ORDER BY component, version"
QUEUE_LEDGER = [("queue", 1, "queues, messages, dedup, attempts, settings")]


@pytest.fixture
def options(tmp_path: Path) -> dict[str, Any]:
    if (why := postgres_unreachable()) is not None:
        pytest.skip(why)
    return postgres_options(tmp_path)


def _open(options: dict[str, Any]) -> PostgresQueues:
    return open_queues(EngineContext(Path("."), options, SystemClock()))


async def _query(schema: str, sql: str, *args: object) -> list[tuple[Any, ...]]:
    conn = await asyncpg.connect(POSTGRES_DSN, server_settings={"search_path": schema})
    try:
        return [tuple(row) for row in await conn.fetch(sql, *args)]
    finally:
        await conn.close()


def test_stores_opening_a_fresh_schema_at_once_migrate_it_once(options: dict[str, Any]) -> None:
    stores = [_open(options) for _ in range(3)]

    async def go() -> None:
        await asyncio.gather(*(s.open() for s in stores))
        await stores[0].create("q", QueueSpec())
        await stores[1].send("q", [NewMessage("hello")])
        got = await stores[2].receive("q", max_messages=1, visibility=30)
        assert [m.body for m in got] == ["hello"]
        assert await stores[0].delete("q", [got[0].receipt]) == [None]  # one receipt key
        for s in stores:
            await s.close()

    run(go())
    assert run(_query(options["schema"], LEDGER)) == QUEUE_LEDGER


def test_a_schema_from_before_the_ledger_is_adopted_without_its_ddl(
    options: dict[str, Any],
) -> None:
    schema = options["schema"]

    async def as_the_previous_release_left_it() -> None:
        conn = await asyncpg.connect(POSTGRES_DSN)
        try:
            await conn.execute(f'CREATE SCHEMA "{schema}"')
            await conn.execute(f'SET search_path = "{schema}"')
            for statement in MIGRATIONS[0].statements:
                await conn.execute(statement)
            await conn.execute("INSERT INTO settings VALUES('receipt_key', $1)", b"k" * 32)
            await conn.execute("INSERT INTO queues VALUES('old', false, 345600, 300, false)")
            # A mark the DDL of step 1 would not leave alone were it run again.
            await conn.execute("COMMENT ON TABLE messages IS 'made by de61a9e'")
        finally:
            await conn.close()

    run(as_the_previous_release_left_it())
    store = _open(options)

    async def go() -> None:
        await store.open()
        await store.send("old", [NewMessage("kept")])
        assert (await store.counts("old")).visible == 1
        await store.close()

    run(go())
    assert run(_query(schema, LEDGER)) == QUEUE_LEDGER
    assert run(_query(schema, "SELECT obj_description('messages'::regclass)")) == [
        ("made by de61a9e",)
    ]
    key = run(_query(schema, "SELECT value FROM settings WHERE name = 'receipt_key'"))
    assert key == [(b"k" * 32,)]  # the old receipts stay valid


def test_a_queue_schema_from_a_newer_release_is_refused(options: dict[str, Any]) -> None:
    schema = options["schema"]
    run(_open(options).open())
    run(
        _query(
            schema,
            "INSERT INTO schema_migrations(component, version, name) VALUES"
            "('queue', 2, 'a step of a later release')",
        )
    )
    store = _open(options)
    with pytest.raises(SchemaTooNew) as refused:
        run(store.open())
    assert str(refused.value) == (
        f"postgres schema {schema!r} is at queue migration 2, newer than this ownstack knows "
        "(up to 1): a newer ownstack uses it; upgrade this one (refusing to start rather than "
        "risk the data)"
    )


def _dsn_with(database: str, user: str = "postgres", password: str = "") -> str:
    auth = f"{user}:{password}" if password else user
    return f"postgresql://{auth}@127.0.0.1:5432/{database}"


@pytest.mark.parametrize("store_class", [PostgresMeta, PostgresQueues])
def test_a_missing_database_is_unavailable_with_a_clear_message(
    options: dict[str, Any], store_class: type[PostgresMeta] | type[PostgresQueues]
) -> None:
    store = store_class(_dsn_with("ownstack_no_such_db"), "ownstack", SystemClock(), 1)
    with pytest.raises(BackendUnavailable) as refused:
        run(store.open())
    assert str(refused.value) == (
        "cannot connect to postgresql://postgres@127.0.0.1:5432/ownstack_no_such_db: "
        'database "ownstack_no_such_db" does not exist'
    )
    assert isinstance(refused.value.__cause__, asyncpg.InvalidCatalogNameError)


@pytest.mark.parametrize("store_class", [PostgresMeta, PostgresQueues])
def test_a_missing_role_is_unavailable_and_the_password_is_never_shown(
    options: dict[str, Any], store_class: type[PostgresMeta] | type[PostgresQueues]
) -> None:
    dsn = _dsn_with("test", user="ownstack_no_such_role", password="s3cret-pw")
    store = store_class(dsn, "ownstack", SystemClock(), 1)
    with pytest.raises(BackendUnavailable) as refused:
        run(store.open())
    message = str(refused.value)
    assert message.startswith(
        "cannot connect to postgresql://ownstack_no_such_role@127.0.0.1:5432/test: "
    )
    assert "s3cret-pw" not in message
    assert isinstance(refused.value.__cause__, asyncpg.PostgresError)


def test_a_refused_connection_names_the_dsn() -> None:
    store = PostgresQueues("postgresql://u:pw@127.0.0.1:1/db", "ownstack", SystemClock(), 1)
    with pytest.raises(BackendUnavailable) as refused:
        run(store.open())
    assert str(refused.value).startswith("cannot connect to postgresql://u@127.0.0.1:1/db: ")
    assert "pw" not in str(refused.value).split(": ", 1)[0]


def test_redacted_drops_passwords_in_the_user_part_and_the_query() -> None:
    assert redacted("postgresql://u:p%40ss@h:5432/db?sslmode=require&password=x") == (
        "postgresql://u@h:5432/db?sslmode=require"
    )
    assert redacted("postgresql://h/db") == "postgresql://h/db"
    assert redacted("postgresql://[::1/db") == "the configured postgres DSN"
