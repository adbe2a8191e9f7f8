"""Fixtures of the CloudWatch Logs suite: a server per log engine (session-wide) for the tests
that read and write events, and its boto3 client."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from logskit import engine_config_yaml, log_engines

from ownserver import ServerHandle, start_server


@pytest.fixture(scope="session")
def logs_servers() -> Iterator[dict[str, ServerHandle]]:
    """Engine -> its server, started when a test first needs it and kept until the session
    ends. `logs_server` (parametrized by engine) holds one engine at a time: each file's tests
    run engine by engine, so a server of its own would stop and start again for every file."""
    started: dict[str, ServerHandle] = {}
    try:
        yield started
    finally:
        for handle in started.values():
            handle.stop()


@pytest.fixture(scope="session", params=log_engines())
def logs_server(
    request: pytest.FixtureRequest,
    tmp_path_factory: pytest.TempPathFactory,
    logs_servers: dict[str, ServerHandle],
) -> ServerHandle:
    engine = request.param
    if engine not in logs_servers:
        data = tmp_path_factory.mktemp(f"logs-{engine}") / "data"
        data.mkdir(parents=True)
        (data / "ownstack.yaml").write_text(engine_config_yaml(data, engine))
        logs_servers[engine] = start_server(data)
    return logs_servers[engine]


@pytest.fixture
def logs(logs_server: ServerHandle) -> Any:
    return logs_server.client("logs")


@pytest.fixture
def cwl(server: ServerHandle) -> Any:
    """A client of the shared server (default engines), for tests of groups, streams, tags."""
    return server.client("logs")
