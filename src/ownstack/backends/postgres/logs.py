"""PostgresLogs: the log port on PostgreSQL, for any number of ownstack processes sharing one
database (logs_sql.py describes the tables and how appends to one shard are serialised).

Every call is one statement on a pooled connection (delete_log, delete_shard: one transaction
of two), so one round trip; an append is a call of log_append, durable at its COMMIT. Nothing
is cached in the process: another process's append is seen by the next read here. The schema
is created and upgraded (migrations.py, component "logs") when the store opens.
"""

from __future__ import annotations

from collections.abc import Sequence

from ownstack.backends.postgres import driver, logs_sql
from ownstack.backends.postgres.loop_pool import LoopPool
from ownstack.backends.postgres.migrations import check_schema_name, migrate_pool
from ownstack.core.clock import Clock
from ownstack.ports.errors import BackendUnavailable
from ownstack.ports.logs import Entry, LogRecord, Position, ShardInfo, ShardStats


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
        keys = [entry.key for entry in entries]
        now = self._clock.now()
        with driver.translated("a log entry"):
            offsets = await pool.fetchval(logs_sql.APPEND, log, shard, ids, data, keys, now)
        return [int(offset) for offset in offsets]

    async def read(self, log: str, shard: str, *, after: int, limit: int) -> list[LogRecord]:
        if limit <= 0:
            return []
        pool = await self._pool()
        with driver.translated("a log entry"):
            rows = await pool.fetch(logs_sql.READ, log, shard, after, limit)
        return [LogRecord(row[0], row[1], row[2], row[3], row[4], shard) for row in rows]

    async def shards(self, log: str) -> list[ShardInfo]:
        pool = await self._pool()
        with driver.translated("a log entry"):
            rows = await pool.fetch(logs_sql.SHARDS, log)
        return [ShardInfo(row[0], row[1], row[2]) for row in rows]

    async def trim(self, log: str, *, older_than: float) -> int:
        pool = await self._pool()
        with driver.translated("a log entry"):
            return int(await pool.fetchval(logs_sql.TRIM, log, older_than))

    async def scan(
        self,
        log: str,
        *,
        shards: Sequence[str] | None = None,
        shard_prefix: str = "",
        key_from: int | None = None,
        key_to: int | None = None,
        after: Position | None = None,
        descending: bool = False,
        limit: int,
    ) -> list[LogRecord]:
        if limit <= 0 or (shards is not None and not shards):
            return []
        sql, params = logs_sql.scan_statement(
            log, shards, shard_prefix, key_from, key_to, after, descending, limit
        )
        pool = await self._pool()
        with driver.translated("a log entry"):
            rows = await pool.fetch(sql, *params)
        return [LogRecord(r[1], r[2], r[3], r[4], r[5], r[0]) for r in rows]

    async def trim_keys(self, log: str, *, below: int) -> int:
        pool = await self._pool()
        with driver.translated("a log entry"):
            return int(await pool.fetchval(logs_sql.TRIM_KEYS, log, below))

    async def delete_shard(self, log: str, shard: str) -> None:
        pool = await self._pool()
        with driver.translated("a log entry"):
            async with pool.acquire() as conn, conn.transaction():
                await conn.execute(logs_sql.DELETE_SHARD, log, shard)  # first: as delete_log
                await conn.execute(logs_sql.DELETE_SHARD_RECORDS, log, shard)

    async def shard_stats(self, log: str, shards: Sequence[str] | None = None) -> list[ShardStats]:
        pool = await self._pool()
        wanted = None if shards is None else list(shards)
        with driver.translated("a log entry"):
            rows = await pool.fetch(logs_sql.STATS, log, wanted)
        return [ShardStats(r[0], r[1], r[2], r[3], r[4], r[5], r[6]) for r in rows]

    async def delete_log(self, log: str) -> None:
        pool = await self._pool()
        with driver.translated("a log entry"):
            async with pool.acquire() as conn, conn.transaction():
                # Shards first: their row locks wait for appends in flight, so no record of
                # theirs commits unseen behind the records' delete.
                await conn.execute(logs_sql.DELETE_SHARDS, log)
                await conn.execute(logs_sql.DELETE_RECORDS, log)

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
