"""One server per module with three accounts (the default, `alt` and `third`, declared with
fixed root keys in ownstack.yaml), shared by the authorisation tests."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from authzkit import (
    ALT_ACCESS_KEY,
    ALT_SECRET_KEY,
    THIRD_ACCESS_KEY,
    THIRD_SECRET_KEY,
    Keys,
)

from accountskit import server_with_accounts


@pytest.fixture(scope="module")
def authz_server(
    tmp_path_factory: pytest.TempPathFactory, launch_server: Callable[..., Any]
) -> Iterator[Any]:
    yield from server_with_accounts(tmp_path_factory, launch_server, "authz")


@pytest.fixture(scope="module")
def root(authz_server: Any) -> Keys:
    return Keys(authz_server.access_key, authz_server.secret_key)


@pytest.fixture(scope="module")
def alt() -> Keys:
    return Keys(ALT_ACCESS_KEY, ALT_SECRET_KEY)


@pytest.fixture(scope="module")
def third() -> Keys:
    return Keys(THIRD_ACCESS_KEY, THIRD_SECRET_KEY)


@pytest.fixture(scope="module")
def iam(authz_server: Any) -> Any:
    return authz_server.client("iam")
