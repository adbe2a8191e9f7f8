"""The one place asyncpg is imported: its types (untyped upstream) and the translation of its
connection failures into the port's BackendUnavailable."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import asyncpg

from ownstack.ports.errors import BackendUnavailable

Connection = Any
"""asyncpg.Connection (asyncpg ships no type information)."""
Pool = Any
"""asyncpg.Pool."""
Row = Any
"""asyncpg.Record: a row, indexed by column name."""

ForeignKeyViolation: type[Exception] = asyncpg.ForeignKeyViolationError
_UNAVAILABLE: tuple[type[BaseException], ...] = (
    OSError,
    asyncio.TimeoutError,
    asyncpg.PostgresConnectionError,
    asyncpg.InterfaceError,
    asyncpg.CannotConnectNowError,
)


@contextmanager
def unavailable_as_port_error() -> Iterator[None]:
    try:
        yield
    except _UNAVAILABLE as exc:
        raise BackendUnavailable(f"postgres: {exc}") from exc


async def connect(dsn: str, schema: str, **settings: str) -> Connection:
    return await asyncpg.connect(dsn, server_settings={"search_path": schema, **settings})


async def create_pool(dsn: str, schema: str, size: int) -> Pool:
    return await asyncpg.create_pool(
        dsn,
        min_size=1,
        max_size=size,
        server_settings={"search_path": schema, "application_name": f"ownstack {schema}"[:63]},
    )
