"""The STS suite's server: one for the whole folder, its ownstack.yaml declaring two more
accounts (alt, third) with fixed root keys."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from stskit import ACCOUNTS_YAML


@pytest.fixture(scope="session")
def sts_server(
    tmp_path_factory: pytest.TempPathFactory, launch_server: Callable[..., Any]
) -> Iterator[Any]:
    data = tmp_path_factory.mktemp("sts") / "data"
    data.mkdir(parents=True)
    (data / "ownstack.yaml").write_text(ACCOUNTS_YAML)
    handle = launch_server(data)
    try:
        yield handle
    finally:
        handle.stop()


@pytest.fixture
def sts(sts_server: Any) -> Any:
    return sts_server.client("sts")
