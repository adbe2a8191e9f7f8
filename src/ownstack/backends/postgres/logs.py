"""PostgresLogs: the log port on PostgreSQL, for any number of ownstack processes sharing one
database (logs_sql.py describes the tables and how appends to one shard are serialised).

Every call is one statement on a pooled connection (delete_log: one transaction of two), so
one round trip; an append is a call of log_append, durable at its COMMIT. Nothing is cached in
the process: another process's append is seen by the next read here. The schema is created
and upgraded (migrations.py, component "logs") when the store opens.
"""

from __future__ import annotations

from collections.abc import Sequence

from ownstack.backends.postgres import driver, logs_sql
from ownstack.backends.postgres.loop_pool import LoopPool
from ownstack.backends.postgres.migrations import check_schema_name, migrate_pool
from ownstack.core.clock import Clock
from ownstack.ports.errors import BackendUnavailable
from ownstack.ports.logs import Entry, LogRecord, ShardInfo


class PostgresLogs:
    def __init__(self, dsn: str, schema: str, clock: Clock, pool_size: int = 10) -> None:
        self._dsn = dsn
        self._schema = check_schema_name(schema)
        self._clock = clock
        """Stamps `appended` (trims compare against the same clock)."""
        self._pool_size = pool_size
        self._pools = LoopPool(self._open_pool)
        self._migrated = False
        self._closed = False

    async def open(self) -> None:
        """Connect and migrate the schema now (else the first call does)."""
        await self._pool()

    async def append(self, log: str, shard: str, entries: Sequence[Entry]) -> list[int]:
        if not entries:
            return []
        pool = await self._pool()
        ids = [entry.id for entry in entries]
        data = [bytes(entry.data) for entry in entries]
        with driver.translated("a log entry"):
            offsets = await pool.fetchval(logs_sql.APPEND, log, shard, ids, data, self._clock.now())
        return [int(offset) for offset in offsets]

    async def read(self, log: str, shard: str, *, after: int, limit: int) -> list[LogRecord]:
        if limit <= 0:
            return []
        pool = await self._pool()
        with driver.translated("a log entry"):
            rows = await pool.fetch(logs_sql.READ, log, shard, after, limit)
        return [LogRecord(row[0], row[1], row[2], row[3]) for row in rows]

    async def shards(self, log: str) -> list[ShardInfo]:
        pool = await self._pool()
        with driver.translated("a log entry"):
            rows = await pool.fetch(logs_sql.SHARDS, log)
        return [ShardInfo(row[0], row[1], row[2]) for row in rows]

    async def trim(self, log: str, *, older_than: float) -> int:
        pool = await self._pool()
        with driver.translated("a log entry"):
            status: str = await pool.execute(logs_sql.TRIM, log, older_than)
        return int(status.rsplit(" ", 1)[-1])  # "DELETE <count>"

    async def delete_log(self, log: str) -> None:
        pool = await self._pool()
        with driver.translated("a log entry"):
            async with pool.acquire() as conn, conn.transaction():
                await conn.execute(logs_sql.DELETE_RECORDS, log)
                await conn.execute(logs_sql.DELETE_SHARDS, log)

    async def health(self) -> None:
        pool = await self._pool()
        with driver.translated("a log entry"):
            await pool.fetchval("SELECT 1")

    async def close(self) -> None:
        self._closed = True
        await self._pools.close()

    async def _pool(self) -> driver.Pool:
        if self._closed:
            raise BackendUnavailable("log store is closed")
        with driver.unavailable_as_port_error():
            return await self._pools.get()

    async def _open_pool(self) -> driver.Pool:
        pool = await driver.create_pool(self._dsn, self._schema, self._pool_size)
        if self._migrated:
            return pool
        await migrate_pool(pool, self._schema, logs_sql.COMPONENT, logs_sql.MIGRATIONS)
        self._migrated = True
        return pool
