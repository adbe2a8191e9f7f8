"""The meta suite's one parametrized fixture: a store of every engine that provides "meta"."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from conformance.kit import ENGINES, Backend, backends_for, run
from ownstack.ports.meta import MetaStore


@pytest.fixture(params=backends_for("meta"))
def backend(request: pytest.FixtureRequest, tmp_path: Path) -> Backend:
    return Backend(ENGINES[request.param], "meta", tmp_path)


@pytest.fixture
def store(backend: Backend) -> Iterator[MetaStore]:
    opened = backend.open()
    assert isinstance(opened, MetaStore)
    yield opened
    run(opened.close())
