"""The sqlite engine: the embedded default for the meta, queue and log ports (one SQLite file
each, WAL, group commit)."""

from __future__ import annotations

from ownstack.backends.sqlite.logs import SqliteLogs
from ownstack.backends.sqlite.meta import SqliteMeta
from ownstack.backends.sqlite.queues import SqliteQueues
from ownstack.ports.engine import Engine, EngineContext


def open_meta(ctx: EngineContext) -> SqliteMeta:
    return SqliteMeta(ctx.data_dir / str(ctx.options.get("path", "meta.db")))


def open_queues(ctx: EngineContext) -> SqliteQueues:
    return SqliteQueues(ctx.data_dir / str(ctx.options.get("path", "queues.db")), ctx.clock)


def open_logs(ctx: EngineContext) -> SqliteLogs:
    return SqliteLogs(ctx.data_dir / str(ctx.options.get("path", "logs.db")), ctx.clock)


engine = Engine(
    name="sqlite", factories={"meta": open_meta, "queue": open_queues, "logs": open_logs}
)

__all__ = [
    "SqliteLogs",
    "SqliteMeta",
    "SqliteQueues",
    "engine",
    "open_logs",
    "open_meta",
    "open_queues",
]
