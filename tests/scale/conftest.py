"""Several ownstack processes on the shared engines: metadata and queues in one PostgreSQL
schema, object bytes in one shared directory. Skipped, saying why, where PostgreSQL is not
reachable (`.ci/run` starts the local server)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from scalekit import shared_config

from conformance.kit import postgres_unreachable
from ownstack.backends import postgres

PROCESSES = 3


@pytest.fixture(scope="module")
def cluster(
    tmp_path_factory: pytest.TempPathFactory, launch_server: Callable[..., Any]
) -> Iterator[list[Any]]:
    if (why := postgres_unreachable()) is not None:
        pytest.skip(why)
    if not postgres.engine.provides("meta"):
        pytest.skip("the postgres engine does not provide the meta port")
    root = tmp_path_factory.mktemp("cluster")
    config = shared_config(root / "schema", root / "blobs")
    servers = []
    try:
        for index in range(PROCESSES):
            data = root / f"node{index}"
            data.mkdir()
            (data / "ownstack.yaml").write_text(config)
            servers.append(launch_server(data))
        yield servers
    finally:
        for server in servers:
            server.stop()
