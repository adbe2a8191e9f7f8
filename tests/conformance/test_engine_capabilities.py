"""The capability matrix: each engine provides exactly the ports it is tested for, and the
installed entry points (`ownstack.engines`) resolve to these same engines."""

from __future__ import annotations

import asyncio
from importlib.metadata import entry_points
from pathlib import Path
from typing import Any

import pytest

from conformance.kit import ENGINES, postgres_options
from ownstack.core.clock import SystemClock
from ownstack.ports.blobs import BlobStore, ListableBlobs
from ownstack.ports.engine import EngineContext
from ownstack.ports.logs import LogStore
from ownstack.ports.meta import MetaStore
from ownstack.ports.queues import QueueStore

EXPECTED = {
    "memory": {"meta", "blobs", "queue", "logs"},
    "sqlite": {"meta", "queue", "logs"},
    "fs": {"blobs"},
    "postgres": {"meta", "queue", "logs"},
    "s3": {"blobs"},
}
FILE_ENGINES = {"sqlite", "fs"}
"""Engines whose stores live in the data dir (the "path" option names where)."""


def options_for(name: str, data_dir: Path) -> dict[str, Any]:
    # postgres takes a dsn and schema, s3 an upstream, not a path; building either store
    # connects to nothing.
    if name == "postgres":
        return postgres_options(data_dir)
    if name == "s3":
        return {
            "endpoint": "http://127.0.0.1:9",
            "bucket": "b",
            "access_key": "a",
            "secret_key": "s",
        }
    return {"path": "custom"}


PROTOCOLS: dict[str, type] = {
    "meta": MetaStore,
    "blobs": BlobStore,
    "queue": QueueStore,
    "logs": LogStore,
}
OPTIONAL: dict[str, dict[str, set[type]]] = {
    "memory": {"blobs": {ListableBlobs}},
    "fs": {"blobs": {ListableBlobs}},
    "s3": {"blobs": {ListableBlobs}},
}
"""Optional capability protocols each engine's store implements, by port."""
CAPABILITIES: dict[str, set[type]] = {
    "meta": set(),
    "blobs": {ListableBlobs},
    "queue": set(),
    "logs": set(),
}
"""Every optional capability protocol of each port."""


def test_each_engine_provides_exactly_what_it_claims() -> None:
    assert {name: set(engine.factories) for name, engine in ENGINES.items()} == EXPECTED
    for name, ports in EXPECTED.items():
        for port in ("meta", "blobs", "queue", "log"):
            assert ENGINES[name].provides(port) is (port in ports)


def test_entry_points_resolve_to_the_engines() -> None:
    found = {ep.name: ep.load() for ep in entry_points(group="ownstack.engines")}
    for name, engine in ENGINES.items():
        assert found[name] is engine
        assert engine.name == name


@pytest.mark.parametrize(
    ("name", "port"), [(n, p) for n, ports in sorted(EXPECTED.items()) for p in sorted(ports)]
)
def test_factories_build_stores_of_their_port(tmp_path: Path, name: str, port: str) -> None:

    ctx = EngineContext(data_dir=tmp_path, options=options_for(name, tmp_path), clock=SystemClock())
    store: MetaStore | BlobStore | QueueStore = ENGINES[name].factories[port](ctx)
    assert isinstance(store, PROTOCOLS[port])
    asyncio.run(store.close())
    if name in FILE_ENGINES:
        assert (tmp_path / "custom").exists()


@pytest.mark.parametrize(
    ("name", "port"), [(n, p) for n, ports in sorted(EXPECTED.items()) for p in sorted(ports)]
)
def test_stores_implement_exactly_their_optional_capabilities(
    tmp_path: Path, name: str, port: str
) -> None:
    ctx = EngineContext(data_dir=tmp_path, options=options_for(name, tmp_path), clock=SystemClock())
    store = ENGINES[name].factories[port](ctx)
    claimed = OPTIONAL.get(name, {}).get(port, set())
    assert {cap for cap in CAPABILITIES[port] if isinstance(store, cap)} == claimed
    asyncio.run(store.close())


def test_every_blob_engine_can_list_its_blobs() -> None:
    """The orphan sweep (services/s3/sweep.py) depends on it for every blob engine."""
    blob_engines = {name for name, ports in EXPECTED.items() if "blobs" in ports}
    assert {name for name in blob_engines if ListableBlobs in OPTIONAL[name]["blobs"]} == (
        blob_engines
    )
