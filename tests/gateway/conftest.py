"""Fixtures of the HTTP server tests: one server per loop kind (uvloop and asyncio)."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from gateway.serverkit import FILE_SIZE, Endpoints, Running
from ownstack.gateway.server import ServerConfig


@pytest.fixture(scope="module")
def data_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("server") / "data.bin"
    path.write_bytes(os.urandom(FILE_SIZE))
    return path


@pytest.fixture(scope="module", params=["uvloop", "asyncio"])
def loop_kind(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture(scope="module")
def srv(data_file: Path, loop_kind: str) -> Iterator[Running]:
    running = Running(Endpoints(data_file), ServerConfig(port=0), loop_kind)
    yield running
    running.close()


@pytest.fixture
def make_server(data_file: Path, loop_kind: str) -> Iterator[Callable[..., Running]]:
    started: list[Running] = []

    def make(**config: Any) -> Running:
        running = Running(Endpoints(data_file), ServerConfig(port=0, **config), loop_kind)
        started.append(running)
        return running

    yield make
    for running in started:
        running.close()
