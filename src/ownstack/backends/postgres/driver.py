"""The one place asyncpg is imported for connecting: its types (untyped upstream) and the
translation of its connection failures into the port's BackendUnavailable."""

from __future__ import annotations

import asyncio
import urllib.parse
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import asyncpg

from ownstack.ports.errors import BackendUnavailable, PortError

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


def is_unavailable(exc: BaseException) -> bool:
    """The connection or server failed (rather than the statement)."""
    return isinstance(exc, _UNAVAILABLE)


@contextmanager
def unavailable_as_port_error() -> Iterator[None]:
    try:
        yield
    except _UNAVAILABLE as exc:
        raise BackendUnavailable(f"postgres: {exc}") from exc


@contextmanager
def connecting(dsn: str) -> Iterator[None]:
    """Any failure to connect (no server, no such database or role, a wrong password, a DSN
    asyncpg cannot parse) as BackendUnavailable naming the DSN without its password, so a
    server refuses to start with one clear line rather than a driver traceback."""
    try:
        yield
    except BackendUnavailable:
        raise
    except (*_UNAVAILABLE, asyncpg.PostgresError, ValueError) as exc:
        shown = redacted(dsn)
        raise BackendUnavailable(f"cannot connect to {shown}: {_scrubbed(exc, dsn)}") from exc


@contextmanager
def translated(what: str) -> Iterator[None]:
    """Driver errors as port errors: lost connections and server failures make the backend
    unavailable; what PostgreSQL or asyncpg refuses to encode (a NUL or a surrogate in text) is
    a bad `what` (PortError), the caller's to answer."""
    with unavailable_as_port_error():
        try:
            yield
        except (ValueError, asyncpg.DataError) as exc:
            raise PortError(f"postgres rejected {what}: {exc}") from exc
        except asyncpg.PostgresError as exc:
            raise BackendUnavailable(f"postgres: {exc}") from exc


@contextmanager
def migrating(schema: str, component: str) -> Iterator[None]:
    """What PostgreSQL refuses while a store creates or upgrades its schema (no CREATE
    privilege, a clashing object) as BackendUnavailable: the store cannot open."""
    try:
        yield
    except asyncpg.PostgresError as exc:
        raise BackendUnavailable(
            f"cannot create or upgrade postgres schema {schema!r} ({component}): {exc}"
        ) from exc


def redacted(dsn: str) -> str:
    """The DSN without a password (in its user part or its query); user, host, port and
    database stay, as they are what a reader needs to see which connection failed."""
    try:
        parts = urllib.parse.urlsplit(dsn)
        netloc = parts.netloc
        if "@" in netloc:
            auth, _, hosts = netloc.rpartition("@")
            netloc = auth.partition(":")[0] + "@" + hosts
        query = urllib.parse.parse_qsl(parts.query, keep_blank_values=True)
        kept = [(k, v) for k, v in query if "password" not in k.lower()]
        return urllib.parse.urlunsplit(
            (parts.scheme, netloc, parts.path, urllib.parse.urlencode(kept), "")
        )
    except ValueError:
        return "the configured postgres DSN"


def _scrubbed(exc: BaseException, dsn: str) -> str:
    """The error's message, with any password of the DSN blanked should it quote one."""
    text = str(exc) or type(exc).__name__
    for secret in _passwords(dsn):
        text = text.replace(secret, "***")
    return text


def _passwords(dsn: str) -> list[str]:
    try:
        parts = urllib.parse.urlsplit(dsn)
        query = urllib.parse.parse_qsl(parts.query)
    except ValueError:
        return []
    found = [v for k, v in query if "password" in k.lower()]
    if parts.password:
        found += [parts.password, urllib.parse.unquote(parts.password)]
    return [secret for secret in found if secret]


async def connect(dsn: str, schema: str, **settings: str) -> Connection:
    with connecting(dsn):
        return await asyncpg.connect(dsn, server_settings={"search_path": schema, **settings})


async def create_pool(dsn: str, schema: str, size: int) -> Pool:
    """A pool without asyncpg's reset on every release: its default (RESET ALL, UNLISTEN *,
    CLOSE ALL, pg_advisory_unlock_all()) is one more round trip per call. Pooled connections
    keep no session state to reset: settings are SET LOCAL (set_config(..., true)), advisory
    locks transaction-scoped, no cursors; only NOTIFY is sent, and LISTEN happens on a
    connection of its own, outside the pool. asyncpg still rolls back a transaction a
    cancelled call left open."""
    with connecting(dsn):
        return await asyncpg.create_pool(
            dsn,
            min_size=1,
            max_size=size,
            reset=_keep_session,
            server_settings={
                "search_path": schema,
                "application_name": f"ownstack {schema}"[:63],
            },
        )


async def _keep_session(conn: Connection) -> None:
    return None
