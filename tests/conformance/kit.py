"""Shared by the port conformance suites: the engines under test, built through their Engine."""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from ownstack.backends import fs, memory, sqlite
from ownstack.core.clock import ManualClock
from ownstack.ports.engine import Engine, EngineContext

ENGINES: dict[str, Engine] = {e.name: e for e in (memory.engine, sqlite.engine, fs.engine)}
PERSISTENT = {"sqlite", "fs"}
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

    def open(self) -> Any:
        ctx = EngineContext(data_dir=self.data_dir, options={}, clock=ManualClock())
        return self.engine.factories[self.port](ctx)


def backends_for(port: str) -> list[str]:
    return sorted(name for name, engine in ENGINES.items() if engine.provides(port))


T = TypeVar("T")


def run(coro: Coroutine[Any, Any, T]) -> T:
    """Tests drive the async stores with asyncio.run (no pytest-asyncio)."""
    return asyncio.run(coro)
