"""A test server holding three accounts: the default one and two more (`alt`, `third`) that
its ownstack.yaml declares with fixed root keys, so cross-account tests are reproducible."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

ALT_ACCOUNT = "222222222222"
ALT_ACCESS_KEY = "AKIAOWNSTACKALT00001"
ALT_SECRET_KEY = "ownstack-alt-secret-key-00000000000000000"
THIRD_ACCOUNT = "333333333333"
THIRD_ACCESS_KEY = "AKIAOWNSTACKTHIRD001"
THIRD_SECRET_KEY = "ownstack-third-secret-key-0000000000000000"

ACCOUNTS_YAML = f"""
accounts:
  - name: alt
    id: "{ALT_ACCOUNT}"
    root_access_key: {ALT_ACCESS_KEY}
    root_secret_key: "{ALT_SECRET_KEY}"
  - name: third
    id: "{THIRD_ACCOUNT}"
    root_access_key: {THIRD_ACCESS_KEY}
    root_secret_key: "{THIRD_SECRET_KEY}"
"""


def server_with_accounts(
    tmp_path_factory: pytest.TempPathFactory, launch_server: Callable[..., Any], label: str
) -> Iterator[Any]:
    """For a fixture to `yield from`: a server whose ownstack.yaml declares the accounts
    above, stopped when the fixture ends."""
    data = tmp_path_factory.mktemp(label) / "data"
    data.mkdir(parents=True)
    (data / "ownstack.yaml").write_text(ACCOUNTS_YAML)
    handle = launch_server(data)
    try:
        yield handle
    finally:
        handle.stop()
