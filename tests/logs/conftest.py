"""Fixtures of the CloudWatch Logs suite: a server per log engine (session-wide) for the tests
that read and write events, and its boto3 client."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from logskit import engine_config_yaml, log_engines

from ownserver import ServerHandle, start_server


@pytest.fixture(scope="session", params=log_engines())
def logs_server(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[ServerHandle]:
    data = tmp_path_factory.mktemp(f"logs-{request.param}") / "data"
    data.mkdir(parents=True)
    (data / "ownstack.yaml").write_text(engine_config_yaml(data, request.param))
    handle = start_server(data)
    try:
        yield handle
    finally:
        handle.stop()


@pytest.fixture
def logs(logs_server: ServerHandle) -> Any:
    return logs_server.client("logs")


@pytest.fixture
def cwl(server: ServerHandle) -> Any:
    """A client of the shared server (default engines), for tests of groups, streams, tags."""
    return server.client("logs")
