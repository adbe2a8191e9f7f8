"""The postgres queue store's group commit: concurrent standard sends and deletes of one queue
are written by one statement per batch, each caller answered with its own results once the
batch committed; FIFO sends keep exact deduplication; a store does not wake a second receiver
on hearing its own NOTIFY."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any

import asyncpg
import pytest

from conformance.kit import postgres_options, postgres_unreachable, run
from ownstack.backends.postgres import PostgresQueues, open_queues
from ownstack.backends.postgres.grouped import GroupedWrites
from ownstack.core.clock import SystemClock
from ownstack.ports.engine import EngineContext
from ownstack.ports.queues import (
    NewMessage,
    QueueNotFound,
    QueueSpec,
    ReceiptInvalid,
    Received,
    Sent,
)

CALLS = 40


@pytest.fixture
def options(tmp_path: Path) -> dict[str, Any]:
    if (why := postgres_unreachable()) is not None:
        pytest.skip(why)
    return postgres_options(tmp_path)


@pytest.fixture
def stores(options: dict[str, Any]) -> Iterator[list[PostgresQueues]]:
    """Two stores on one schema: two ownstack processes sharing a database."""
    opened = [open_queues(EngineContext(Path("."), options, SystemClock())) for _ in range(2)]
    yield opened
    for store in opened:
        run(store.close())


def _count_calls(monkeypatch: pytest.MonkeyPatch, name: str) -> list[int]:
    """Spies on GroupedWrites.<name>: the number of calls in each batch it writes."""
    sizes: list[int] = []
    original: Callable[..., Awaitable[Any]] = getattr(GroupedWrites, name)

    async def spy(self: GroupedWrites, queue: str, calls: list[Any]) -> Any:
        sizes.append(len(calls))
        return await original(self, queue, calls)

    monkeypatch.setattr(GroupedWrites, name, spy)
    return sizes


async def _drain(store: PostgresQueues, queue: str) -> list[Received]:
    got: list[Received] = []
    while batch := await store.receive(queue, max_messages=10, visibility=300):
        got += batch
    return got


def test_concurrent_sends_share_commits_and_each_is_durable_on_return(
    stores: list[PostgresQueues], monkeypatch: pytest.MonkeyPatch
) -> None:
    sizes = _count_calls(monkeypatch, "_send")

    async def go() -> None:
        one, other = stores
        await one.create("q", QueueSpec())
        bodies = [[f"{i}a", f"{i}b"] for i in range(CALLS)]
        sent = await asyncio.gather(
            *(one.send("q", [NewMessage(b) for b in pair]) for pair in bodies)
        )
        assert [len(s) for s in sent] == [2] * CALLS
        assert all(s.sequence is None and not s.duplicate for call in sent for s in call)
        # Committed when answered: another process sees every message at once.
        got = await _drain(other, "q")
        by_id = {m.message_id: m.body for m in got}
        expected = {}
        for call, pair in zip(sent, bodies, strict=True):
            expected.update({s.message_id: b for s, b in zip(call, pair, strict=True)})
        assert by_id == expected and len(got) == 2 * CALLS

    run(go())
    assert sum(sizes) == CALLS and len(sizes) < CALLS


def test_concurrent_deletes_answer_each_receipt_of_each_caller(
    stores: list[PostgresQueues], monkeypatch: pytest.MonkeyPatch
) -> None:
    sizes = _count_calls(monkeypatch, "_delete")

    async def go() -> None:
        store, other = stores
        await store.create("q", QueueSpec())
        await store.send("q", [NewMessage(str(i)) for i in range(CALLS)])
        got = await _drain(store, "q")
        stale = got[0].receipt
        await store.change_visibility("q", [(stale, 0)])
        (again,) = await store.receive("q", max_messages=1, visibility=300)
        assert again.message_id == got[0].message_id
        calls = [[m.receipt] for m in got[1:]]
        calls.append([stale, "not-a-receipt"])  # stale: nothing, not an error; forged: invalid
        answers = await asyncio.gather(*(store.delete("q", call) for call in calls))
        assert answers[:-1] == [[None]] * (CALLS - 1)
        assert answers[-1][0] is None and isinstance(answers[-1][1], ReceiptInvalid)
        counts = await other.counts("q")
        assert (counts.visible, counts.in_flight, counts.delayed) == (0, 1, 0)
        assert await store.delete("q", [again.receipt]) == [None]
        assert (await other.counts("q")).in_flight == 0

    run(go())
    assert sum(sizes) == CALLS + 1 and len(sizes) < CALLS + 1


def test_every_caller_of_a_batch_on_a_missing_queue_gets_queue_not_found(
    stores: list[PostgresQueues],
) -> None:
    async def go() -> None:
        store = stores[0]
        await store.open()
        sends = [store.send("gone", [NewMessage("x")]) for _ in range(5)]
        deletes = [store.delete("gone", []) for _ in range(5)]
        outcomes = await asyncio.gather(*sends, *deletes, return_exceptions=True)
        assert [type(o) for o in outcomes] == [QueueNotFound] * 10
        assert {str(o) for o in outcomes} == {"queue 'gone' not found"}

    run(go())


def test_concurrent_fifo_sends_of_one_dedup_id_enqueue_it_once(
    stores: list[PostgresQueues],
) -> None:
    async def go() -> None:
        store = stores[0]
        await store.create("f.fifo", QueueSpec(fifo=True))
        calls = [
            store.send("f.fifo", [NewMessage(f"body {i}", group="g", dedup_id="same")])
            for i in range(10)
        ]
        sent: list[Sent] = [s for call in await asyncio.gather(*calls) for s in call]
        first = [s for s in sent if not s.duplicate]
        assert len(first) == 1
        assert {(s.message_id, s.sequence) for s in sent} == {
            (first[0].message_id, first[0].sequence)
        }
        got = await _drain(stores[1], "f.fifo")
        assert [m.message_id for m in got] == [first[0].message_id]

    run(go())


def test_a_send_wakes_one_receiver_of_its_own_store_once(stores: list[PostgresQueues]) -> None:
    """The store's own NOTIFY comes back to its listener; that echo wakes nobody more."""
    store = stores[0]
    looks: list[int] = []
    look_once = store._receive_once

    async def counting(*args: Any) -> Any:
        got, wake_at = await look_once(*args)
        looks.append(len(got))
        return got, wake_at

    async def go() -> None:
        await store.create("q", QueueSpec())
        store._receive_once = counting  # type: ignore[method-assign]
        waiting = [
            asyncio.create_task(store.receive("q", max_messages=10, visibility=30, wait=1.5))
            for _ in range(2)
        ]
        await asyncio.sleep(0.3)
        assert looks == [0, 0]
        await store.send("q", [NewMessage("one")])
        await asyncio.sleep(0.5)  # long enough for the echo to come back
        assert looks == [0, 0, 1]  # one woken receiver looked, and took it
        assert [len(w.result()) for w in waiting if w.done()] == [1]
        await asyncio.gather(*waiting)

    run(go())


def test_a_send_the_database_refuses_fails_its_caller_only(stores: list[PostgresQueues]) -> None:
    async def go() -> None:
        store, other = stores
        await store.create("q", QueueSpec())
        good = [store.send("q", [NewMessage(f"ok {i}")]) for i in range(3)]
        bad = store.send("q", [NewMessage("bad", group="nul \x00 in text")])
        outcomes = await asyncio.gather(*good[:2], bad, good[2], return_exceptions=True)
        assert isinstance(outcomes[2], asyncpg.CharacterNotInRepertoireError)
        sent = [o for o in outcomes if isinstance(o, list)]
        got = await _drain(other, "q")
        assert sorted(m.body for m in got) == ["ok 0", "ok 1", "ok 2"]
        assert {m.message_id for m in got} == {call[0].message_id for call in sent}

    run(go())


def test_a_store_closed_right_after_a_send_still_wakes_another(
    stores: list[PostgresQueues],
) -> None:
    """The NOTIFY goes out after the send returned (notifier.py); closing sends what waits."""

    async def go() -> None:
        sender, receiver = stores
        await sender.create("q", QueueSpec())
        await receiver.open()
        waiting = asyncio.create_task(receiver.receive("q", max_messages=1, visibility=30, wait=4))
        await asyncio.sleep(0.2)
        await sender.send("q", [NewMessage("last words")])
        await sender.close()
        closed = time.monotonic()
        (got,) = await waiting
        assert got.body == "last words" and time.monotonic() - closed < 0.05

    run(go())
