"""Finding engines: the "ownstack.engines" entry-point group (so a third-party package can add
one), falling back to ownstack.backends.<name> when the distribution's entry points are not
installed (e.g. running from a source tree)."""

from __future__ import annotations

import functools
import importlib
import pkgutil
import re
from importlib.metadata import EntryPoint, entry_points

from ownstack.ports.engine import Engine

from .errors import ConfigError

ENTRY_POINT_GROUP = "ownstack.engines"
_NAME_RE = re.compile(r"^[a-z][a-z0-9_]*$")


class EngineError(ConfigError):
    """An engine cannot be found or does not provide the port asked of it."""


@functools.cache
def _engine_entry_points() -> tuple[EntryPoint, ...]:
    # Scanning the installed distributions' metadata costs ~30 ms; a start looks up one engine
    # per port, so it is scanned once.
    return tuple(entry_points(group=ENTRY_POINT_GROUP))


def available_engines() -> list[str]:
    return sorted({ep.name for ep in _engine_entry_points()})


def builtin_engines() -> list[Engine]:
    """The engines shipped in ownstack.backends, by name (a third-party one is not listed)."""
    import ownstack.backends

    names = sorted(m.name for m in pkgutil.iter_modules(ownstack.backends.__path__) if m.ispkg)
    found = (_from_builtin(name) for name in names)
    return [engine for engine in found if isinstance(engine, Engine)]


def find_engine(name: str) -> Engine:
    engine = _from_entry_points(name) or _from_builtin(name)
    if engine is None:
        known = ", ".join(available_engines()) or "none installed"
        raise EngineError(f"unknown engine {name!r} (available: {known})")
    if not isinstance(engine, Engine):
        raise EngineError(f"engine {name!r} does not expose an ownstack Engine")
    return engine


def engine_for_port(name: str, port: str) -> Engine:
    engine = find_engine(name)
    if not engine.provides(port):
        offered = ", ".join(sorted(engine.factories)) or "nothing"
        raise EngineError(
            f"engine {name!r} does not provide the {port!r} port (it provides: {offered})"
        )
    return engine


def _from_entry_points(name: str) -> object | None:
    for ep in (ep for ep in _engine_entry_points() if ep.name == name):
        try:
            loaded: object = ep.load()
        except ImportError as exc:
            raise EngineError(f"engine {name!r} failed to load: {exc}") from exc
        return loaded
    return None


def _from_builtin(name: str) -> object | None:
    if not _NAME_RE.match(name):
        return None
    try:
        module = importlib.import_module(f"ownstack.backends.{name}")
    except ModuleNotFoundError as exc:
        if exc.name == f"ownstack.backends.{name}":
            return None
        raise EngineError(f"engine {name!r} failed to load: {exc}") from exc
    return getattr(module, "engine", None)
