"""The blob suite's one parametrized fixture: a store of every engine that provides "blobs"."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from conformance.kit import ENGINES, Backend, backends_for, run
from ownstack.ports.blobs import BlobStore


@pytest.fixture(params=backends_for("blobs"))
def backend(request: pytest.FixtureRequest, tmp_path: Path) -> Backend:
    return Backend(ENGINES[request.param], "blobs", tmp_path)


@pytest.fixture
def store(backend: Backend) -> Iterator[BlobStore]:
    opened = backend.open()
    assert isinstance(opened, BlobStore)
    yield opened
    run(opened.close())
