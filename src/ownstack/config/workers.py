"""How many worker processes `serve` runs (--workers > $OWNSTACK_WORKERS > ownstack.yaml
`workers` > 1), and whether the configured engines allow more than one."""

from __future__ import annotations

from collections.abc import Mapping

from ownstack.ports.engine import Engine

from .engines import available_engines, engine_for_port, find_engine
from .errors import ConfigError
from .settings import Config, parse_workers

WORKERS_ENV = "OWNSTACK_WORKERS"


def worker_count(flag: int | None, env: Mapping[str, str], from_file: object) -> int:
    if flag is not None:
        return parse_workers(flag, "--workers")
    if env.get(WORKERS_ENV):
        return parse_workers(env[WORKERS_ENV], WORKERS_ENV)
    if from_file is not None:
        return parse_workers(from_file, "ownstack.yaml")
    return 1


def refuse_exclusive_engines(config: Config, workers: int) -> None:
    """ConfigError when `workers` > 1 and a port's engine does not share that port across
    processes (the engine says so: Engine.shared_ports). Unknown engines fail here too."""
    if workers <= 1:
        return
    exclusive = [
        (port, spec.engine)
        for port, spec in config.backends.items()
        if port not in _engine(spec.engine, port).shared_ports
    ]
    if not exclusive:
        return
    held = ", ".join(f"backends.{port} is {engine!r}" for port, engine in exclusive)
    raise ConfigError(
        f"--workers {workers} needs shared engines: {held}, which one process holds at a time; "
        f"{_advice([port for port, _ in exclusive])} (see docs/scaling.md)"
    )


def _engine(name: str, port: str) -> Engine:
    try:
        return engine_for_port(name, port)
    except ConfigError as exc:
        raise type(exc)(f"backends.{port}: {exc}") from exc


def _advice(ports: list[str]) -> str:
    """'use postgres' when one engine shares every port; else which engine for which port."""
    sharing = {port: _engines_sharing(port) for port in ports}
    everywhere = sorted(set.intersection(*(set(names) for names in sharing.values())))
    if everywhere:
        return f"use {' or '.join(everywhere)}"
    return ", ".join(
        f"use {' or '.join(names)} for {port}" if names else f"no installed engine shares {port}"
        for port, names in sharing.items()
    )


def _engines_sharing(port: str) -> list[str]:
    """The installed engines that share `port` across processes."""
    sharing = []
    for name in available_engines():
        try:
            engine = find_engine(name)
        except ConfigError:  # an engine that fails to load is no advice
            continue
        if port in engine.shared_ports:
            sharing.append(name)
    return sharing
