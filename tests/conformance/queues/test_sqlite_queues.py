"""The sqlite queue engine beyond the port's rules (which test_queue_*.py check on every engine):
group commit, receives without an fsync of their own, and a job that fails alone."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import pytest

from conformance.kit import run
from ownstack.backends.sqlite.queues import SqliteQueues
from ownstack.core.clock import ManualClock
from ownstack.ports.errors import PortError
from ownstack.ports.queues import Counts, NewMessage, QueueSpec


@pytest.fixture
def queues(tmp_path: Path) -> Iterator[SqliteQueues]:
    store = SqliteQueues(tmp_path / "queues.db", ManualClock())
    run(store.create("q", QueueSpec()))
    yield store
    run(store.close())


def test_concurrent_sends_share_fsyncs(queues: SqliteQueues) -> None:
    before = queues.stats()["syncs"]

    async def go() -> None:
        await asyncio.gather(*(queues.send("q", [NewMessage(str(i))]) for i in range(50)))

    run(go())
    assert queues.stats()["syncs"] - before <= 3  # the first send's, then one for the rest
    assert run(queues.counts("q")) == Counts(50, 0, 0)


def test_receives_alone_are_committed_without_an_fsync(queues: SqliteQueues) -> None:
    run(queues.send("q", [NewMessage(str(i)) for i in range(5)]))
    before = queues.stats()

    async def go() -> None:
        for _ in range(5):
            assert len(await queues.receive("q", max_messages=1, visibility=30)) == 1

    run(go())
    after = queues.stats()
    assert after["batches"] - before["batches"] == 5
    assert after["syncs"] == before["syncs"]


def test_a_message_that_cannot_be_stored_fails_only_its_own_send(
    queues: SqliteQueues,
) -> None:
    async def go() -> None:
        sends = [
            queues.send("q", [NewMessage("first")]),
            queues.send("q", [NewMessage("fine")]),
            queues.send("q", [NewMessage("bad \udc80 surrogate")]),
            queues.send("q", [NewMessage("also fine")]),
        ]
        results = await asyncio.gather(*sends, return_exceptions=True)
        assert [type(r) for r in results[:2] + results[3:]] == [list, list, list]
        assert type(results[2]) is PortError
        got = await queues.receive("q", max_messages=10, visibility=30)
        assert sorted(m.body for m in got) == ["also fine", "fine", "first"]

    run(go())


def test_numbers_handed_out_in_a_lost_batch_are_never_reused(queues: SqliteQueues) -> None:
    """After a failed batch the in-memory counters are reloaded; receipts of messages sent
    before and after still tell their messages apart."""

    async def go() -> None:
        await asyncio.gather(
            queues.send("q", [NewMessage("a")]),
            queues.send("q", [NewMessage("\udc80")]),
            return_exceptions=True,
        )
        await queues.send("q", [NewMessage("b")])
        got = await queues.receive("q", max_messages=10, visibility=30)
        assert sorted(m.body for m in got) == ["a", "b"]
        assert len({m.receipt for m in got}) == 2
        assert await queues.delete("q", [m.receipt for m in got]) == [None, None]
        assert await queues.counts("q") == Counts(0, 0, 0)

    run(go())
