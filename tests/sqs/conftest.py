"""Fixtures of the SQS suite: one server per queue engine (session-wide), a boto3 client per
wire protocol; every test that takes `sqs` runs once per engine and protocol."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqskit import PROTOCOLS, queue_engines, sqs_client, start_engine_server, write_query_model


@pytest.fixture(scope="session")
def query_models(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_query_model(tmp_path_factory.mktemp("botocore-data"))


@pytest.fixture(scope="session", params=queue_engines())
def sqs_server(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Any]:
    data = tmp_path_factory.mktemp(f"sqs-{request.param}") / "data"
    handle = start_engine_server(data, request.param)
    try:
        yield handle
    finally:
        handle.stop()


@pytest.fixture(params=PROTOCOLS)
def protocol(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def sqs(sqs_server: Any, protocol: str, query_models: Path) -> Any:
    return sqs_client(sqs_server, protocol, query_models)
