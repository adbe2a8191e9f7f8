"""The postgres engine as N ownstack processes use it: several stores on one schema (each with
its own pool and LISTEN connection, as separate processes have) wake each other's long polls,
never hand one message to two receivers, and keep FIFO groups in order. The port's semantics
themselves are the conformance suite's (tests/conformance/queues, which runs on postgres too)."""

from __future__ import annotations

import asyncio
import statistics
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import asyncpg
import pytest

from conformance.kit import POSTGRES_DSN, postgres_options, postgres_unreachable, run
from ownstack.backends.postgres import PostgresQueues, open_queues
from ownstack.core.clock import SystemClock
from ownstack.ports.engine import EngineContext
from ownstack.ports.errors import BackendUnavailable
from ownstack.ports.queues import NewMessage, QueueSpec, Received, Redrive

WAKE_BAR = 0.05


@pytest.fixture
def options(tmp_path: Path) -> dict[str, Any]:
    if (why := postgres_unreachable()) is not None:
        pytest.skip(why)
    return postgres_options(tmp_path)


def _open(options: dict[str, Any]) -> PostgresQueues:
    return open_queues(EngineContext(Path("."), options, SystemClock()))


@pytest.fixture
def stores(options: dict[str, Any]) -> Iterator[list[PostgresQueues]]:
    """Three stores on one schema: three ownstack processes sharing a database."""
    opened = [_open(options) for _ in range(3)]
    yield opened
    for store in opened:
        run(store.close())


async def _create(stores: list[PostgresQueues], queue: str, spec: QueueSpec) -> None:
    await asyncio.gather(*(s.open() for s in stores))  # the schema, by all at once
    await stores[0].create(queue, spec)


def test_a_send_through_one_store_wakes_a_long_poll_on_another(
    stores: list[PostgresQueues],
) -> None:
    lags: list[float] = []

    async def go() -> None:
        await _create(stores, "q", QueueSpec())
        for _ in range(5):  # again and again: each wake-up must come through NOTIFY
            waiting = asyncio.create_task(
                stores[1].receive("q", max_messages=1, visibility=30, wait=5)
            )
            await asyncio.sleep(0.2)
            assert not waiting.done()
            await stores[0].send("q", [NewMessage("wake")])
            sent = time.monotonic()
            (got,) = await waiting
            lags.append(time.monotonic() - sent)
            await stores[1].delete("q", [got.receipt])

    run(go())
    # As in tests/sqs/test_semantics.py: the bar is per wake-up; the median keeps one scheduling
    # hiccup of a loaded test machine (make test runs four workers on two cores) from deciding
    # it, the max bounds every one of them, and none was the 5 s long poll running out.
    assert statistics.median(lags) < WAKE_BAR, lags
    assert max(lags) < 4 * WAKE_BAR, lags


def test_receivers_on_several_stores_never_share_a_message(stores: list[PostgresQueues]) -> None:
    total = 300

    async def drain(store: PostgresQueues, seen: list[str]) -> None:
        while got := await store.receive("q", max_messages=7, visibility=300, wait=0.2):
            seen.extend(m.message_id for m in got)
            await store.delete("q", [m.receipt for m in got])

    async def go() -> list[list[str]]:
        await _create(stores, "q", QueueSpec())
        sent = []
        for i in range(0, total, 10):
            sent += await stores[i % 3].send("q", [NewMessage(str(n)) for n in range(i, i + 10)])
        seen: list[list[str]] = [[] for _ in range(6)]
        await asyncio.gather(*(drain(stores[i % 3], seen[i]) for i in range(6)))
        assert sorted(m for s in seen for m in s) == sorted(s.message_id for s in sent)
        return seen

    seen = run(go())
    assert sum(1 for s in seen if s) > 1  # the receivers really did share the work


def test_fifo_groups_stay_in_order_across_stores(stores: list[PostgresQueues]) -> None:
    groups, per_group = ["a", "b", "c", "d"], 10
    in_flight: set[str] = set()
    seen: list[Received] = []

    async def consume(store: PostgresQueues) -> None:
        while got := await store.receive("f.fifo", max_messages=3, visibility=300, wait=0.3):
            held = {m.group or "" for m in got}
            assert not held & in_flight, "a group was handed to two receivers at once"
            in_flight.update(held)
            seen.extend(got)
            await asyncio.sleep(0.005)  # the others try while these are in flight
            in_flight.difference_update(held)
            await store.delete("f.fifo", [m.receipt for m in got])

    async def go() -> None:
        await _create(stores, "f.fifo", QueueSpec(fifo=True))
        for i in range(per_group):
            batch = [NewMessage(f"{g}{i}", group=g, dedup_id=f"{g}{i}") for g in groups]
            await stores[i % 3].send("f.fifo", batch)
        await asyncio.gather(*(consume(stores[i % 3]) for i in range(5)))

    run(go())
    for g in groups:
        assert [m.body for m in seen if m.group == g] == [f"{g}{i}" for i in range(per_group)]


def test_a_duplicate_sent_through_another_store_is_deduplicated(
    stores: list[PostgresQueues],
) -> None:
    async def go() -> None:
        await _create(stores, "f.fifo", QueueSpec(fifo=True))
        sends = [s.send("f.fifo", [NewMessage("x", group="g", dedup_id="d")]) for s in stores]
        results = [sent for (sent,) in await asyncio.gather(*sends)]
        assert sum(not r.duplicate for r in results) == 1
        assert len({(r.message_id, r.sequence) for r in results}) == 1
        got = await stores[0].receive("f.fifo", max_messages=10, visibility=30)
        assert [m.body for m in got] == ["x"]

    run(go())


def test_a_redrive_wakes_a_long_poll_on_the_dead_letter_queue(
    stores: list[PostgresQueues],
) -> None:
    async def go() -> None:
        await _create(stores, "q", QueueSpec())
        await stores[0].create("dlq", QueueSpec())
        await stores[0].send("q", [NewMessage("poison")])
        await stores[0].receive("q", max_messages=1, visibility=0)
        waiting = asyncio.create_task(
            stores[1].receive("dlq", max_messages=1, visibility=30, wait=5)
        )
        await asyncio.sleep(0.2)
        redrive = Redrive("dlq", max_receives=1)
        assert await stores[0].receive("q", max_messages=1, visibility=0, redrive=redrive) == []
        moved = time.monotonic()
        (dead,) = await waiting
        assert time.monotonic() - moved < WAKE_BAR
        assert (dead.body, dead.dead_letter_source) == ("poison", "q")

    run(go())


def test_a_long_poll_survives_the_loss_of_its_listen_connections(
    stores: list[PostgresQueues], options: dict[str, Any]
) -> None:
    async def go() -> None:
        await _create(stores, "q", QueueSpec())
        await stores[1].receive("q", max_messages=1, visibility=30, wait=0.01)  # listening now
        conn = await asyncpg.connect(POSTGRES_DSN)
        try:
            killed = await conn.fetchval(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
                " WHERE application_name = $1",
                f"ownstack-listen {options['schema']}",
            )
        finally:
            await conn.close()
        assert killed >= 1  # store 1's, and the sender's (it NOTIFYs through its own)
        waiting = asyncio.create_task(stores[1].receive("q", max_messages=1, visibility=30, wait=5))
        await asyncio.sleep(0.3)
        await stores[0].send("q", [NewMessage("after")])
        sent = time.monotonic()
        assert [m.body for m in await waiting] == ["after"]
        assert time.monotonic() - sent < WAKE_BAR

    run(go())


def test_an_unreachable_server_is_backend_unavailable() -> None:
    store = _open({"dsn": "postgresql://postgres@127.0.0.1:9/test", "schema": "nowhere"})

    async def go() -> None:
        with pytest.raises(BackendUnavailable):
            await store.health()
        with pytest.raises(BackendUnavailable):
            await store.send("q", [NewMessage("lost")])
        await store.close()

    run(go())


def test_options_are_checked() -> None:
    def opening(**options: Any) -> PostgresQueues:
        return open_queues(EngineContext(Path("."), options, SystemClock()))

    with pytest.raises(ValueError, match="schema"):
        opening(schema='x"; DROP TABLE y; --')
    with pytest.raises(ValueError, match="pool_size"):
        opening(pool_size=0)
