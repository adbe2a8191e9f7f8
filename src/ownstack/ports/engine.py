"""How engines are found: each backend package exposes `engine: Engine`, registered under the
`ownstack.engines` entry-point group, so a third-party package can add its own and prove it
with the conformance suite."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ownstack.core.clock import Clock


@dataclass(frozen=True, slots=True)
class EngineContext:
    """What an engine gets to open a store: its options from ownstack.yaml, the data dir, time."""

    data_dir: Path
    options: Mapping[str, Any]
    clock: Clock


Factory = Callable[[EngineContext], Any]
"""Opens a store for one port (sync; stores connect lazily or in an async `open`)."""


@dataclass(frozen=True, slots=True)
class EngineOption:
    """One option an engine reads from its `backends.<port>` mapping, as the configuration
    reference (docs/configuration.md) lists it. The engine's factories take their defaults from
    the same constants."""

    name: str
    default: object
    doc: str
    env: str | None = None
    """The environment variable read when the option is not set."""
    shown_default: str | None = None
    """How the reference shows a default that is not a plain value."""


@dataclass(frozen=True, slots=True)
class Engine:
    name: str
    factories: Mapping[str, Factory] = field(default_factory=dict)
    """port name ("meta", "blobs", "queue", ...) -> factory."""
    shared_ports: frozenset[str] = frozenset()
    """Ports whose stores several ownstack processes may open at once on one configuration
    (postgres: the database is the shared state; fs: files on one host). A port left out is
    exclusive to one process (sqlite's lock, memory's process-local state), so `serve --workers
    N` refuses N > 1 while it is configured."""
    options: tuple[EngineOption, ...] = ()

    def provides(self, port: str) -> bool:
        return port in self.factories
