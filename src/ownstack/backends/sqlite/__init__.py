"""The sqlite engine: the embedded default for the meta port (one SQLite file, WAL, group
commit)."""

from __future__ import annotations

from ownstack.backends.sqlite.meta import SqliteMeta
from ownstack.ports.engine import Engine, EngineContext


def open_meta(ctx: EngineContext) -> SqliteMeta:
    return SqliteMeta(ctx.data_dir / str(ctx.options.get("path", "meta.db")))


engine = Engine(name="sqlite", factories={"meta": open_meta})

__all__ = ["SqliteMeta", "engine", "open_meta"]
