"""Versioned schema migrations, applied by ownstack itself when a store opens.

Each component of the engine (the meta store, the queue store) has an ordered list of
steps, numbered 1, 2, ... Which steps a schema has is recorded in `schema_migrations`
(component, version, name, applied_at); the table is keyed by component because several stores
share one schema and each upgrades on its own.

Several processes may open a fresh or old schema at once: the steps run in one transaction under
a transaction-scoped advisory lock, and whoever gets the lock second finds them applied. An
up-to-date schema is recognised with one read and no lock, so a normal start takes no DDL lock
and needs no CREATE privilege. A schema recorded as newer than what this process knows (a newer
ownstack ran here) is refused: running old code against it could corrupt what the new code keeps.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from ownstack.backends.postgres import driver
from ownstack.backends.postgres.driver import Connection
from ownstack.ports.errors import BackendUnavailable

SCHEMA_RE = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")
SCHEMA_LOCK = 0x6F776E737461636B
"""Advisory lock key ("ownstack"), the one releases before the ledger took to create the queue
tables too: creating or upgrading a schema, by any component and any release, is serialized."""

_LEDGER = """CREATE TABLE IF NOT EXISTS schema_migrations(
    component text NOT NULL,
    version integer NOT NULL,
    name text NOT NULL,
    applied_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (component, version))"""
_APPLIED = "SELECT coalesce(max(version), 0) FROM schema_migrations WHERE component = $1"
_RECORD = "INSERT INTO schema_migrations(component, version, name) VALUES($1, $2, $3)"


@dataclass(frozen=True, slots=True)
class Migration:
    version: int
    name: str
    statements: tuple[str, ...]


class SchemaTooNew(BackendUnavailable):
    """The schema was migrated by a newer ownstack than this one."""

    def __init__(self, schema: str, component: str, found: int, known: int) -> None:
        super().__init__(
            f"postgres schema {schema!r} is at {component} migration {found}, newer than this "
            f"ownstack knows (up to {known}): a newer ownstack uses it; upgrade this one "
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


def check_schema_name(name: str) -> str:
    if not SCHEMA_RE.match(name):
        raise ValueError(f"schema {name!r}: lower-case letters, digits and _ (at most 63)")
    return name


async def migrate(
    conn: Connection,
    schema: str,
    component: str,
    steps: Sequence[Migration],
    *,
    adopt: str | None = None,
) -> list[int]:
    """Bring `component` in `schema` (the connection's search_path) up to the last step; returns
    the versions this call applied (none when another process did, or nothing was pending).

    `adopt` names a table that step 1 creates, for a component whose step 1 was made by
    releases before the ledger: when the ledger has no row for the component but the table
    exists, step 1 is recorded as applied without running it (its DDL would need the CREATE
    privilege and an exclusive lock for nothing)."""
    known = latest(steps)
    found = await applied_version(conn, schema, component)
    if found is not None and found >= known:
        _refuse_newer(schema, component, found, known)
        return []
    async with conn.transaction():
        await conn.execute("SELECT pg_advisory_xact_lock($1)", SCHEMA_LOCK)
        await conn.execute(f'CREATE SCHEMA IF NOT EXISTS "{check_schema_name(schema)}"')
        await conn.execute(_LEDGER)
        current: int = await conn.fetchval(_APPLIED, component)
        _refuse_newer(schema, component, current, known)
        if current == 0 and adopt is not None and await _exists(conn, schema, adopt):
            await conn.execute(_RECORD, component, steps[0].version, steps[0].name)
            current = 1
        applied = []
        for step in steps[current:]:
            for statement in step.statements:
                await conn.execute(statement)
            await conn.execute(_RECORD, component, step.version, step.name)
            applied.append(step.version)
    return applied


async def applied_version(conn: Connection, schema: str, component: str) -> int | None:
    """The last step applied to `component` (0: none), None when the schema has no ledger."""
    ledger = f'"{check_schema_name(schema)}".schema_migrations'
    exists = await conn.fetchval("SELECT to_regclass($1) IS NOT NULL", ledger)
    if not exists:
        return None
    version: int = await conn.fetchval(_APPLIED, component)
    return version


async def _exists(conn: Connection, schema: str, table: str) -> bool:
    found: bool = await conn.fetchval("SELECT to_regclass($1) IS NOT NULL", f'"{schema}".{table}')
    return found


def _refuse_newer(schema: str, component: str, found: int, known: int) -> None:
    if found > known:
        raise SchemaTooNew(schema, component, found, known)


async def migrate_pool(
    pool: driver.Pool, schema: str, component: str, migrations: Sequence[Migration]
) -> None:
    """`migrate` on one of a new pool's connections; when it fails the pool is closed (the
    store stays unopened and the next call tries again with a new pool)."""
    try:
        async with pool.acquire() as conn:
            with driver.migrating(schema, component):
                await migrate(conn, schema, component, migrations)
    except BaseException:
        pool.terminate()
        raise
