"""The STS suite's server: one for the whole folder, its ownstack.yaml declaring two more
accounts (alt, third) with fixed root keys."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from accountskit import server_with_accounts


@pytest.fixture(scope="session")
def sts_server(
    tmp_path_factory: pytest.TempPathFactory, launch_server: Callable[..., Any]
) -> Iterator[Any]:
    yield from server_with_accounts(tmp_path_factory, launch_server, "sts")


@pytest.fixture
def sts(sts_server: Any) -> Any:
    return sts_server.client("sts")
