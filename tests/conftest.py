"""Shared fixtures: a REAL ownstack server process on a free port, driven by real clients.

`server` (session-scoped) is shared by every test that only needs "a server"; `fresh_server`
starts isolated ones (custom env, config, data dir) and stops them when the test ends.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

from ownserver import ServerFactory, ServerHandle, start_server
from suiteplan import long_files_first, mark_own_server

# Property tests check what is generated, not how fast: with five workers on two cores a draw
# can take seconds (once failed the too_slow health check), so no time-based checks.
settings.register_profile("suite", deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("suite")


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerHandle]:
    handle = start_server(tmp_path_factory.mktemp("ownstack") / "data")
    try:
        yield handle
    finally:
        handle.stop()


@pytest.fixture
def fresh_server(tmp_path: Path) -> Iterator[ServerFactory]:
    """start(data_dir=None, *, env=None, fixed_credentials=True, args=None, config_yaml=None)
    -> ServerHandle; `config_yaml` is written to <data>/ownstack.yaml first. Every server
    started is stopped at teardown."""
    started: list[ServerHandle] = []
    counter = iter(range(1_000))

    def start(
        data_dir: Path | None = None,
        *,
        env: dict[str, str] | None = None,
        fixed_credentials: bool = True,
        args: list[str] | None = None,
        config_yaml: str | None = None,
    ) -> ServerHandle:
        target = data_dir or tmp_path / f"data{next(counter)}"
        if config_yaml is not None:
            target.mkdir(parents=True, exist_ok=True)
            (target / "ownstack.yaml").write_text(config_yaml)
        handle = start_server(target, env=env, fixed_credentials=fixed_credentials, args=args)
        started.append(handle)
        return handle

    yield start
    for handle in started:
        with contextlib.suppress(Exception):
            handle.stop()


@pytest.fixture(scope="session")
def launch_server() -> Callable[..., ServerHandle]:
    """`start_server` for fixtures of any scope (e.g. a module's server with its own config);
    the caller stops what it starts."""
    return start_server


def pytest_itemcollected(item: pytest.Item) -> None:
    """Marked as it is collected, so that `-m` can select on it (tests/suiteplan.py)."""
    mark_own_server(item)


@pytest.hookimpl(trylast=True)  # after pytest groups tests by their fixtures' parameters
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Long files first, for make test's workers (tests/suiteplan.py)."""
    long_files_first(items)
