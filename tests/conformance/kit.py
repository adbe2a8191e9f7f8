"""Shared by the port conformance suites: the engines under test, built through their Engine."""

from __future__ import annotations

import asyncio
import atexit
import functools
import hashlib
import os
import shutil
import tempfile
from collections.abc import Coroutine
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import asyncpg
import pytest

from ownstack.backends import fs, memory, postgres, s3, sqlite
from ownstack.config import DEFAULT_BACKENDS
from ownstack.core.clock import Clock, ManualClock
from ownstack.ports.engine import Engine, EngineContext

ENGINES: dict[str, Engine] = {
    e.name: e for e in (memory.engine, sqlite.engine, fs.engine, postgres.engine, s3.engine)
}
PERSISTENT = {"sqlite", "fs", "postgres", "s3"}
"""Engines whose stores survive close + reopen on the same data dir."""
EXCLUSIVE = {"sqlite"}
"""Persistent engines that hold their data for one open store (one process) at a time."""


@dataclass
class Backend:
    """One engine's store for one port, openable (again) on the same data dir."""

    engine: Engine
    port: str
    data_dir: Path

    @property
    def name(self) -> str:
        return self.engine.name

    @property
    def persistent(self) -> bool:
        return self.name in PERSISTENT

    @property
    def exclusive(self) -> bool:
        return self.name in EXCLUSIVE

    def open(self, clock: Clock | None = None) -> Any:
        """A store on a ManualClock of its own unless given `clock` (tests that move time)."""
        options = engine_options(self.name, self.data_dir)
        ctx = EngineContext(data_dir=self.data_dir, options=options, clock=clock or ManualClock())
        return self.engine.factories[self.port](ctx)


def backends_for(port: str) -> list[Any]:
    """Engine names as pytest params; an engine whose server is not reachable is skipped. All
    but the port's default engine are marked `engine_matrix` (`make test-quick` leaves them out;
    `make test` runs every one)."""
    names = sorted(name for name, engine in ENGINES.items() if engine.provides(port))
    return [_param(name, default=name == DEFAULT_BACKENDS.get(port)) for name in names]


def _param(name: str, *, default: bool) -> Any:
    marks = [] if default else [pytest.mark.engine_matrix]
    if name == "postgres" and (why := postgres_unreachable()) is not None:
        marks.append(pytest.mark.skip(reason=why))
    return pytest.param(name, marks=marks)


def engine_options(name: str, data_dir: Path) -> dict[str, Any]:
    """The options a store of `name` needs in tests (engines on a server get their own
    namespace there per data dir, so reopening on the same data dir finds the same data)."""
    if name == "postgres":
        return postgres_options(data_dir)
    if name == "s3":
        return s3_options(data_dir)
    return {}


# -- postgres: a server at $OWNSTACK_POSTGRES_DSN (default: the local one), a schema per store --

POSTGRES_DSN = os.environ.get(postgres.DSN_ENV) or postgres.DEFAULT_DSN
_postgres_schemas: set[str] = set()


@functools.cache
def postgres_unreachable() -> str | None:
    async def probe() -> None:
        conn = await asyncpg.connect(POSTGRES_DSN, timeout=3)
        await conn.close()

    try:
        asyncio.run(probe())
    except (OSError, TimeoutError, asyncpg.PostgresError) as exc:
        return f"no PostgreSQL server reachable at {POSTGRES_DSN} ({exc})"
    return None


def postgres_options(data_dir: Path) -> dict[str, Any]:
    """A schema of its own per data dir (so reopening finds the same data), dropped at exit."""
    schema = "test_" + hashlib.sha256(str(data_dir).encode()).hexdigest()[:20]
    if not _postgres_schemas:
        atexit.register(_drop_postgres_schemas)
    _postgres_schemas.add(schema)
    return {"dsn": POSTGRES_DSN, "schema": schema}


def _drop_postgres_schemas() -> None:
    async def drop() -> None:
        conn = await asyncpg.connect(POSTGRES_DSN, timeout=3)
        try:
            for schema in sorted(_postgres_schemas):
                await conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
        finally:
            await conn.close()

    try:
        asyncio.run(drop())
    except (OSError, TimeoutError, asyncpg.PostgresError) as exc:  # the server went away
        print(f"conformance kit: test schemas left in PostgreSQL ({exc})")


T = TypeVar("T")


def run(coro: Coroutine[Any, Any, T]) -> T:
    """Tests drive the async stores with asyncio.run (no pytest-asyncio)."""
    return asyncio.run(coro)


# -- s3: a second ownstack process as the upstream store, started once, on first use ---------

S3_BUCKET = "ownstack-upstream-blobs"


@functools.cache
def s3_upstream() -> Any:
    """The upstream server (a tests/conftest.py ServerHandle) with S3_BUCKET created; stopped
    (and its data dir removed) when the test process exits."""
    from ownserver import start_server  # tests/ is on sys.path

    root = Path(tempfile.mkdtemp(prefix="ownstack-s3-upstream-"))
    handle = start_server(root / "data")
    atexit.register(shutil.rmtree, root, True)
    atexit.register(handle.stop)  # atexit runs last-registered first: stop, then remove
    handle.client("s3").create_bucket(Bucket=S3_BUCKET)
    return handle


def s3_options(data_dir: Path, **extra: Any) -> dict[str, Any]:
    """Options for a store on the upstream: a key prefix of its own per data dir."""
    upstream = s3_upstream()
    prefix = "t-" + hashlib.sha256(str(data_dir).encode()).hexdigest()[:20] + "/"
    return {
        "endpoint": upstream.endpoint,
        "bucket": S3_BUCKET,
        "access_key": upstream.access_key,
        "secret_key": upstream.secret_key,
        "region": upstream.region,
        "prefix": prefix,
        **extra,
    }


def s3_upstream_keys(prefix: str) -> tuple[list[str], list[str]]:
    """(object keys, keys of multipart uploads in progress) under `prefix` upstream."""
    client = s3_upstream().client("s3")
    objects = client.list_objects_v2(Bucket=S3_BUCKET, Prefix=prefix).get("Contents", [])
    uploads = client.list_multipart_uploads(Bucket=S3_BUCKET, Prefix=prefix).get("Uploads", [])
    return [o["Key"] for o in objects], [u["Key"] for u in uploads]
