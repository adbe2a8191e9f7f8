"""The queue suite's one parametrized fixture: a store of every engine that provides "queue",
on a ManualClock the tests move by hand (`clock`), plus helpers the test modules share."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from conformance.kit import ENGINES, Backend, backends_for, run
from ownstack.core.clock import ManualClock
from ownstack.ports.queues import QueueSpec, QueueStore

FIFO = QueueSpec(fifo=True)


@pytest.fixture(params=backends_for("queue"))
def backend(request: pytest.FixtureRequest, tmp_path: Path) -> Backend:
    return Backend(ENGINES[request.param], "queue", tmp_path)


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
def store(backend: Backend, clock: ManualClock) -> Iterator[QueueStore]:
    opened = backend.open(clock)
    assert isinstance(opened, QueueStore)
    yield opened
    run(opened.close())


@pytest.fixture
def queue(store: QueueStore) -> str:
    """A standard queue with the default spec, named "q"."""
    run(store.create("q", QueueSpec()))
    return "q"


@pytest.fixture
def fifo(store: QueueStore) -> str:
    """A FIFO queue (dedup per queue, 5-minute window), named "f.fifo"."""
    run(store.create("f.fifo", FIFO))
    return "f.fifo"
