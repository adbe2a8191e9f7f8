"""Fixtures of the CloudWatch Logs suite: a server per log engine (session-wide) for the tests
that read and write events, and its boto3 client."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from logskit import engine_config_yaml, log_engines

from ownserver import ServerHandle, ServersByKey, start_server


@pytest.fixture(scope="session")
def logs_servers() -> Iterator[ServersByKey]:
    """Engine -> its server, kept until the session ends. `logs_server` (parametrized by engine)
    holds one engine at a time: each file's tests run engine by engine, so a server of its own
    would stop and start again for every file."""
    servers = ServersByKey()
    try:
        yield servers
    finally:
        servers.stop()


@pytest.fixture(scope="session", params=log_engines())
def logs_server(
    request: pytest.FixtureRequest,
    tmp_path_factory: pytest.TempPathFactory,
    logs_servers: ServersByKey,
) -> ServerHandle:
    engine = request.param

    def start() -> ServerHandle:
        data = tmp_path_factory.mktemp(f"logs-{engine}") / "data"
        data.mkdir(parents=True)
        (data / "ownstack.yaml").write_text(engine_config_yaml(data, engine))
        return start_server(data)

    return logs_servers.get(engine, start)


@pytest.fixture
def logs(logs_server: ServerHandle) -> Any:
    return logs_server.client("logs")


@pytest.fixture
def cwl(server: ServerHandle) -> Any:
    """A client of the shared server (default engines), for tests of groups, streams, tags."""
    return server.client("logs")
