"""The capability matrix: each engine provides exactly the ports it is tested for, and the
installed entry points (`ownstack.engines`) resolve to these same engines."""

from __future__ import annotations

import asyncio
from importlib.metadata import entry_points
from pathlib import Path

import pytest

from conformance.kit import ENGINES
from ownstack.core.clock import SystemClock
from ownstack.ports.blobs import BlobStore
from ownstack.ports.engine import EngineContext
from ownstack.ports.meta import MetaStore

EXPECTED = {"memory": {"meta", "blobs"}, "sqlite": {"meta"}, "fs": {"blobs"}}
PROTOCOLS: dict[str, type] = {"meta": MetaStore, "blobs": BlobStore}


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

    ctx = EngineContext(data_dir=tmp_path, options={"path": "custom"}, clock=SystemClock())
    store: MetaStore | BlobStore = ENGINES[name].factories[port](ctx)
    assert isinstance(store, PROTOCOLS[port])
    asyncio.run(store.close())
    if name != "memory":  # the "path" option places the store inside the data dir
        assert (tmp_path / "custom").exists()
