"""Fixtures of the SQS suite: one server per queue engine (session-wide), a boto3 client per
wire protocol; every test that takes `sqs` runs once per engine and protocol, except those
marked `one_engine` (what they check is decided above the queue engine: request validation,
queue attributes, tags and policies kept in the meta store), which run on the default engine
only, over both protocols. The queue engines themselves are checked one by one by the
conformance suite (tests/conformance/queues)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqskit import (
    DEFAULT_ENGINE,
    PROTOCOLS,
    queue_engines,
    sqs_client,
    start_engine_server,
    write_query_model,
)

from ownserver import ServersByKey


@pytest.hookimpl(tryfirst=True)  # before the protocol's params: ids read engine-protocol
def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "sqs_server" not in metafunc.fixturenames:
        return
    one = metafunc.definition.get_closest_marker("one_engine") is not None
    engines = [DEFAULT_ENGINE] if one else queue_engines()
    # Session scope: the tests are grouped by engine, each engine's server started once.
    metafunc.parametrize("sqs_server", engines, indirect=True, scope="session")


@pytest.fixture(scope="session")
def query_models(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_query_model(tmp_path_factory.mktemp("botocore-data"))


@pytest.fixture(scope="session")
def sqs_servers() -> Iterator[ServersByKey]:
    """Engine -> its server, kept until the session ends. `sqs_server` (parametrized by engine)
    holds one engine at a time: each file's tests run engine by engine, so a server of its own
    would stop and start again for every file."""
    servers = ServersByKey()
    try:
        yield servers
    finally:
        servers.stop()


@pytest.fixture(scope="session")
def sqs_server(
    request: pytest.FixtureRequest,
    tmp_path_factory: pytest.TempPathFactory,
    sqs_servers: ServersByKey,
) -> Any:
    engine = request.param
    return sqs_servers.get(
        engine,
        lambda: start_engine_server(tmp_path_factory.mktemp(f"sqs-{engine}") / "data", engine),
    )


@pytest.fixture(params=PROTOCOLS)
def protocol(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def sqs(sqs_server: Any, protocol: str, query_models: Path) -> Any:
    return sqs_client(sqs_server, protocol, query_models)
