"""The postgres engine: the queue, meta and log ports on a PostgreSQL server shared by any
number of ownstack processes (queue: SELECT ... FOR UPDATE SKIP LOCKED, LISTEN/NOTIFY wake-ups;
meta: one statement per commit under per-key advisory locks; logs: appends serialised per shard
by a row lock; versioned migrations).

Options (ownstack.yaml `backends: {queue|meta|logs: {engine: postgres, dsn: ..., schema: ...}}`):
`dsn` (default $OWNSTACK_POSTGRES_DSN, else postgresql://postgres@127.0.0.1:5432/test),
`schema` (default "ownstack"), `pool_size` (connections per process, default 10).
"""

from __future__ import annotations

import os

from ownstack.backends.postgres.logs import PostgresLogs
from ownstack.backends.postgres.meta import PostgresMeta
from ownstack.backends.postgres.store import PostgresQueues
from ownstack.ports.engine import Engine, EngineContext, EngineOption

DSN_ENV = "OWNSTACK_POSTGRES_DSN"
DEFAULT_DSN = "postgresql://postgres@127.0.0.1:5432/test"
DEFAULT_SCHEMA = "ownstack"
DEFAULT_POOL_SIZE = 10


def _options(ctx: EngineContext) -> tuple[str, str, int]:
    """dsn, schema and pool size, as every store of this engine takes them."""
    dsn = str(ctx.options.get("dsn") or os.environ.get(DSN_ENV) or DEFAULT_DSN)
    schema = str(ctx.options.get("schema", DEFAULT_SCHEMA))
    pool_size = int(ctx.options.get("pool_size", DEFAULT_POOL_SIZE))
    if pool_size < 1:
        raise ValueError(f"pool_size must be at least 1, not {pool_size}")
    return dsn, schema, pool_size


def open_queues(ctx: EngineContext) -> PostgresQueues:
    dsn, schema, pool_size = _options(ctx)
    return PostgresQueues(dsn, schema, ctx.clock, pool_size)


def open_meta(ctx: EngineContext) -> PostgresMeta:
    dsn, schema, pool_size = _options(ctx)
    return PostgresMeta(dsn, schema, ctx.clock, pool_size)


def open_logs(ctx: EngineContext) -> PostgresLogs:
    dsn, schema, pool_size = _options(ctx)
    return PostgresLogs(dsn, schema, ctx.clock, pool_size)


engine = Engine(
    name="postgres",
    factories={"queue": open_queues, "meta": open_meta, "logs": open_logs},
    shared_ports=frozenset({"meta", "queue", "logs"}),
    options=(
        EngineOption("dsn", DEFAULT_DSN, "The server's connection string.", env=DSN_ENV),
        EngineOption("schema", DEFAULT_SCHEMA, "The schema ownstack's tables are in (created)."),
        EngineOption("pool_size", DEFAULT_POOL_SIZE, "Connections per process and port."),
    ),
)

__all__ = [
    "PostgresLogs",
    "PostgresMeta",
    "PostgresQueues",
    "engine",
    "open_logs",
    "open_meta",
    "open_queues",
]
