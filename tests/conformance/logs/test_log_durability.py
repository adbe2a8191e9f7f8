"""What persistent engines keep across close + reopen (kit.PERSISTENT): records, the offsets a
shard has handed out (trimmed ones included), and the ids dedup answers to; and the
one-process rule of exclusive engines."""

from __future__ import annotations

import pytest

from conformance.kit import Backend, run
from ownstack.core.clock import ManualClock
from ownstack.ports.errors import BackendUnavailable
from ownstack.ports.logs import Entry, LogStore, ShardInfo


@pytest.fixture
def persistent(backend: Backend) -> Backend:
    if not backend.persistent:
        pytest.skip(f"{backend.name} keeps nothing across a reopen")
    return backend


def _reopen(backend: Backend, store: LogStore, clock: ManualClock) -> LogStore:
    run(store.close())
    reopened = backend.open(clock)
    assert isinstance(reopened, LogStore)
    return reopened


def test_appended_records_survive_close_and_reopen(persistent: Backend) -> None:
    clock = ManualClock()
    store = persistent.open(clock)
    run(store.append("l", "s", [Entry("a", b"1"), Entry("b", b"\x00\xff")]))
    store = _reopen(persistent, store, clock)
    try:
        got = run(store.read("l", "s", after=0, limit=10))
        assert [(r.offset, r.id, r.data, r.appended) for r in got] == [
            (1, "a", b"1", clock.now()),
            (2, "b", b"\x00\xff", clock.now()),
        ]
        # Dedup still knows the ids; new ones go on after the last offset.
        assert run(store.append("l", "s", [Entry("b", b"x"), Entry("c", b"3")])) == [2, 3]
    finally:
        run(store.close())


def test_trimmed_offsets_stay_used_across_a_reopen(persistent: Backend) -> None:
    clock = ManualClock()
    store = persistent.open(clock)
    run(store.append("l", "s", [Entry("a", b"1"), Entry("b", b"2")]))
    clock.advance(1)
    assert run(store.trim("l", older_than=clock.now())) == 2
    store = _reopen(persistent, store, clock)
    try:
        assert run(store.shards("l")) == [ShardInfo("s", 3, 2)]
        assert run(store.append("l", "s", [Entry("c", b"3")])) == [3]
    finally:
        run(store.close())


def test_a_deleted_log_stays_deleted_across_a_reopen(persistent: Backend) -> None:
    clock = ManualClock()
    store = persistent.open(clock)
    run(store.append("l", "s", [Entry("a", b"1")]))
    run(store.delete_log("l"))
    store = _reopen(persistent, store, clock)
    try:
        assert run(store.shards("l")) == []
        assert run(store.read("l", "s", after=0, limit=10)) == []
    finally:
        run(store.close())


def test_an_exclusive_engine_refuses_a_second_store_on_its_data(backend: Backend) -> None:
    if not backend.exclusive:
        pytest.skip(f"{backend.name} may be opened by several processes")
    store = backend.open()
    try:
        with pytest.raises(BackendUnavailable, match="held by another process"):
            backend.open()
    finally:
        run(store.close())
    run(backend.open().close())  # free again once closed
