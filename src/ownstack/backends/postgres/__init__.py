"""The postgres engine: the queue port on a PostgreSQL server shared by any number of ownstack
processes (SELECT ... FOR UPDATE SKIP LOCKED, LISTEN/NOTIFY wake-ups).

Options (ownstack.yaml `backends: {queue: {engine: postgres, dsn: ..., schema: ...}}`):
`dsn` (default $OWNSTACK_POSTGRES_DSN, else postgresql://postgres@127.0.0.1:5432/test),
`schema` (default "ownstack"), `pool_size` (connections per process, default 10).
"""

from __future__ import annotations

import os

from ownstack.backends.postgres.store import PostgresQueues
from ownstack.ports.engine import Engine, EngineContext

DSN_ENV = "OWNSTACK_POSTGRES_DSN"
DEFAULT_DSN = "postgresql://postgres@127.0.0.1:5432/test"
DEFAULT_SCHEMA = "ownstack"


def open_queues(ctx: EngineContext) -> PostgresQueues:
    dsn = str(ctx.options.get("dsn") or os.environ.get(DSN_ENV) or DEFAULT_DSN)
    schema = str(ctx.options.get("schema", DEFAULT_SCHEMA))
    pool_size = int(ctx.options.get("pool_size", 10))
    if pool_size < 1:
        raise ValueError(f"pool_size must be at least 1, not {pool_size}")
    return PostgresQueues(dsn, schema, ctx.clock, pool_size)


engine = Engine(name="postgres", factories={"queue": open_queues})

__all__ = ["PostgresQueues", "engine", "open_queues"]
