"""PostgresMeta: the meta port on PostgreSQL, for any number of ownstack processes sharing one
database (meta_sql.py describes the table and how a commit stays atomic and ordered).

Every call is one statement on a pooled connection, so one round trip: `get` and `scan` are
plain indexed reads; `commit` and `replace` are group-committed (meta_commits.py) with the
commits other callers make meanwhile, durable at the COMMIT of their statement
(synchronous_commit on). Nothing is cached in the process: another process's commit is seen by
the next read here. The schema is created and upgraded (migrations.py) when the store opens.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence

import asyncpg

from ownstack.backends.postgres import driver, meta_sql
from ownstack.backends.postgres.loop_pool import LoopPool
from ownstack.backends.postgres.meta_commits import CommitGroups
from ownstack.backends.postgres.migrations import check_schema_name, migrate_pool
from ownstack.core.clock import Clock
from ownstack.ports.errors import BackendUnavailable, ConditionFailed
from ownstack.ports.meta import Check, Op, Put, Record


class PostgresMeta:
    def __init__(self, dsn: str, schema: str, clock: Clock, pool_size: int = 10) -> None:
        self._dsn = dsn
        self._schema = check_schema_name(schema)
        self._clock = clock  # unused: versions come from the database, not from time
        self._pool_size = pool_size
        self._pools = LoopPool(self._open_pool)
        self._migrated = False
        self._closed = False
        self._groups = CommitGroups(self._run)

    async def open(self) -> None:
        """Connect and migrate the schema now (else the first call does): a server refuses to
        start, rather than fail its first request, when the schema is unusable."""
        await self._pool()

    async def get(self, ns: str, key: str) -> Record | None:
        pool = await self._pool()
        with driver.translated("a record"):
            row = await pool.fetchrow(meta_sql.GET, ns, key.encode())
        return None if row is None else Record(key, row[0], row[1])

    async def scan(
        self,
        ns: str,
        *,
        start: str = "",
        end: str | None = None,
        limit: int = 1000,
        reverse: bool = False,
    ) -> list[Record]:
        if limit <= 0:
            return []
        pool = await self._pool()
        sql = meta_sql.SCANS[end is not None, reverse]
        args = (
            (ns, start.encode(), limit)
            if end is None
            else (ns, start.encode(), end.encode(), limit)
        )
        with driver.translated("a record"):
            rows = await pool.fetch(sql, *args)
        return [Record(row[0].decode(), row[1], row[2]) for row in rows]

    async def commit(self, ops: Sequence[Op]) -> int:
        committed, _ = await self._commit(ops, want_prev=False)
        return committed

    async def replace(
        self, ns: str, key: str, value: bytes, *, guard: Check | None = None
    ) -> tuple[int, Record | None]:
        put = Put(ns, key, value)
        return await self._commit((put,) if guard is None else (put, guard), want_prev=True)

    async def health(self) -> None:
        pool = await self._pool()
        with driver.translated("a record"):
            await pool.fetchval("SELECT 1")

    async def close(self) -> None:
        self._closed = True
        await self._pools.close()

    # -- internals ---------------------------------------------------------------------------

    async def _commit(self, ops: Sequence[Op], *, want_prev: bool) -> tuple[int, Record | None]:
        committed, failed, prev_value, prev_version = await self._groups.commit(ops, want_prev)
        if failed is not None:
            raise ConditionFailed(failed, ops[failed].key)
        if prev_version is None or prev_value is None:
            return committed, None
        return committed, Record(ops[0].key, prev_value, prev_version)

    async def _run(self, call: Callable[[driver.Pool], Awaitable[object]]) -> object:
        pool = await self._pool()
        with driver.translated("a record"):
            return await call(pool)

    async def _pool(self) -> driver.Pool:
        if self._closed:
            raise BackendUnavailable("meta store is closed")
        with driver.unavailable_as_port_error():
            return await self._pools.get()

    async def _open_pool(self) -> driver.Pool:
        with driver.connecting(self._dsn):
            pool = await _create_pool(self._dsn, self._schema, self._pool_size)
        if self._migrated:
            return pool
        await migrate_pool(pool, self._schema, meta_sql.COMPONENT, meta_sql.MIGRATIONS)
        self._migrated = True
        return pool


async def _create_pool(dsn: str, schema: str, size: int) -> driver.Pool:
    """driver.create_pool's pool, without its reset on every release: asyncpg's default reset
    (RESET ALL, UNLISTEN *, CLOSE ALL, pg_advisory_unlock_all()) is a second round trip per
    call, doubling a `get`. The meta statements leave no session state to reset (their locks
    end with their transaction), and asyncpg still rolls back a transaction left open."""
    return await asyncpg.create_pool(
        dsn,
        min_size=1,
        max_size=size,
        reset=_keep_session,
        server_settings={"search_path": schema, "application_name": f"ownstack {schema}"[:63]},
    )


async def _keep_session(conn: driver.Connection) -> None:
    return None
