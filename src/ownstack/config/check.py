"""`ownstack check-config`: build each port's store as `serve` would, then open it, ask its
health and close it, and say per port what is wrong.

A data dir held by a running server (sqlite's lock) is reported as fine and busy rather than
failing: the store could not be opened only because the configuration already works for
someone. Checking takes that lock for the few milliseconds the check lasts; a server started
in exactly that window is refused and says why (the check never waits on a lock, so it never
blocks one either).
"""

from __future__ import annotations

import asyncio
import contextlib
import inspect
from dataclasses import dataclass
from typing import Any

from ownstack.core.clock import Clock, SystemClock
from ownstack.ports.engine import EngineContext
from ownstack.ports.errors import BackendUnavailable

from .engines import engine_for_port
from .errors import ConfigError
from .settings import BackendSpec, Config
from .workers import refuse_exclusive_engines

CHECK_TIMEOUT_S = 10.0
"""How long one port's open and health check may take (a DSN pointing into a black hole)."""
_BUSY_MARK = "held by another process"
"""How the sqlite lock (backends/sqlite/lock.py) says a running server has the data dir."""


@dataclass(frozen=True, slots=True)
class PortCheck:
    port: str
    engine: str
    problem: str | None = None
    """Why the port cannot be used; None when it can."""
    busy: bool = False
    """Its store is held by a running server (so not opened again here): usable."""

    @property
    def ok(self) -> bool:
        return self.problem is None

    def line(self) -> str:
        if self.problem is not None:
            return f"{self.port}: {self.engine} FAILED: {self.problem}"
        if self.busy:
            return f"{self.port}: {self.engine} ok (held by a running server)"
        return f"{self.port}: {self.engine} ok"


def build_store(config: Config, port: str, spec: BackendSpec, clock: Clock) -> Any:
    """The store `serve` uses for `port`: the engine looked up, its factory called. Raises
    ConfigError (EngineError included) naming the port and engine."""
    try:
        engine = engine_for_port(spec.engine, port)
    except ConfigError as exc:
        raise type(exc)(f"backends.{port}: {exc}") from exc
    context = EngineContext(data_dir=config.data_dir, options=spec.options, clock=clock)
    try:
        return engine.factories[port](context)
    except (TypeError, ValueError, KeyError) as exc:
        raise ConfigError(f"backends.{port} ({spec.engine}): {exc}") from exc


async def check_backends(config: Config, clock: Clock | None = None) -> list[PortCheck]:
    """One PortCheck per configured port, in the configuration's order; never raises for a
    port's failure (each is reported on its own)."""
    clock = clock or SystemClock()
    return [await _check_port(config, port, spec, clock) for port, spec in config.backends.items()]


async def check_all(config: Config, workers: int) -> tuple[list[str], bool]:
    """The lines `check-config` prints (each port's, then the workers' when more than one)
    and whether everything is usable."""
    results = await check_backends(config)
    lines = [result.line() for result in results]
    ok = all(result.ok for result in results)
    if workers > 1:
        try:
            refuse_exclusive_engines(config, workers)
            lines.append(f"workers: {workers} ok")
        except ConfigError as exc:
            lines.append(f"workers: {workers} FAILED: {exc}")
            ok = False
    return lines, ok


async def _check_port(config: Config, port: str, spec: BackendSpec, clock: Clock) -> PortCheck:
    try:
        store = build_store(config, port, spec, clock)
    except ConfigError as exc:
        return PortCheck(port, spec.engine, _without_prefix(str(exc), port, spec.engine))
    except BackendUnavailable as exc:
        if _BUSY_MARK in str(exc):
            return PortCheck(port, spec.engine, busy=True)
        return PortCheck(port, spec.engine, str(exc))
    except Exception as exc:  # an engine's own failure: reported, never a traceback
        return PortCheck(port, spec.engine, _describe(exc))
    try:
        await asyncio.wait_for(_open_and_probe(store), CHECK_TIMEOUT_S)
    except TimeoutError:
        return PortCheck(port, spec.engine, f"no answer within {CHECK_TIMEOUT_S:g} s")
    except Exception as exc:
        return PortCheck(port, spec.engine, _describe(exc))
    finally:
        await _close_quietly(store)
    return PortCheck(port, spec.engine)


async def _open_and_probe(store: Any) -> None:
    opener = getattr(store, "open", None)
    if opener is not None:
        result = opener()
        if inspect.isawaitable(result):
            await result
    await store.health()


async def _close_quietly(store: Any) -> None:
    # A close failing after a failed open says nothing the open's error did not.
    with contextlib.suppress(Exception):
        await store.close()


def _describe(exc: BaseException) -> str:
    text = str(exc)
    if isinstance(exc, BackendUnavailable | ConfigError):
        return text
    # A driver error the engine let through: its type is often the only clear part.
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def _without_prefix(message: str, port: str, engine: str) -> str:
    """The line already names port and engine: drop build_store's "backends.<port> (...): "."""
    for prefix in (f"backends.{port} ({engine}): ", f"backends.{port}: "):
        if message.startswith(prefix):
            return message[len(prefix) :]
    return message
