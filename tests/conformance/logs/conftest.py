"""The log suite's one parametrized fixture: a store of every engine that provides "logs", on
a ManualClock the tests move by hand (`clock`)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from conformance.kit import ENGINES, Backend, backends_for, run
from ownstack.core.clock import ManualClock
from ownstack.ports.logs import LogStore


@pytest.fixture(params=backends_for("logs"))
def backend(request: pytest.FixtureRequest, tmp_path: Path) -> Backend:
    return Backend(ENGINES[request.param], "logs", tmp_path)


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
def store(backend: Backend, clock: ManualClock) -> Iterator[LogStore]:
    opened = backend.open(clock)
    assert isinstance(opened, LogStore)
    yield opened
    run(opened.close())
