"""The sqlite engine: the embedded default for the meta, queue and log ports (one SQLite file
each, WAL, group commit)."""

from __future__ import annotations

from pathlib import Path

from ownstack.backends.sqlite.logs import SqliteLogs
from ownstack.backends.sqlite.meta import SqliteMeta
from ownstack.backends.sqlite.queues import SqliteQueues
from ownstack.ports.engine import Engine, EngineContext, EngineOption

DEFAULT_FILES = {"meta": "meta.db", "queue": "queues.db", "logs": "logs.db"}
"""Each port's database file in the data dir, unless its `path` option says otherwise."""


def _path(ctx: EngineContext, port: str) -> Path:
    return ctx.data_dir / str(ctx.options.get("path", DEFAULT_FILES[port]))


def open_meta(ctx: EngineContext) -> SqliteMeta:
    return SqliteMeta(_path(ctx, "meta"))


def open_queues(ctx: EngineContext) -> SqliteQueues:
    return SqliteQueues(_path(ctx, "queue"), ctx.clock)


def open_logs(ctx: EngineContext) -> SqliteLogs:
    return SqliteLogs(_path(ctx, "logs"), ctx.clock)


engine = Engine(
    name="sqlite",
    factories={"meta": open_meta, "queue": open_queues, "logs": open_logs},
    options=(
        EngineOption(
            "path",
            None,
            "The port's database file, relative to the data dir.",
            shown_default=", ".join(f"`{name}` ({port})" for port, name in DEFAULT_FILES.items()),
        ),
    ),
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
