"""The queue port's conformance suite: long polls, on the real clock. A wake-up must come from
the event (a send, a visibility change, a group's head deleted), not from the end of the wait
or an engine's periodic recheck (5 s): how fast it comes is the benchmarks' business."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator

import pytest

from conformance.kit import Backend, run
from ownstack.core.clock import SystemClock
from ownstack.ports.queues import NewMessage, QueueNotFound, QueueSpec, QueueStore

WAKE_BAR = 1.0
"""Far below the 5 s waits and postgres' RECHECK_EVERY (5 s). It was 50 ms, which a loaded
2-core CI run crossed (postgres, five test workers) with nothing wrong."""


@pytest.fixture
def live(backend: Backend) -> Iterator[QueueStore]:
    """A store on the system clock, with a standard queue "q"."""
    opened = backend.open(SystemClock())
    run(opened.create("q", QueueSpec()))
    yield opened
    run(opened.close())


def test_a_send_wakes_a_long_poll_at_once(live: QueueStore) -> None:
    async def go() -> None:
        waiting = asyncio.create_task(live.receive("q", max_messages=10, visibility=30, wait=5))
        await asyncio.sleep(0.2)
        assert not waiting.done()
        await live.send("q", [NewMessage("wake")])
        sent = time.monotonic()
        got = await waiting
        assert time.monotonic() - sent < WAKE_BAR
        assert [m.body for m in got] == ["wake"]

    run(go())


def test_a_long_poll_with_nothing_returns_empty_after_its_wait(live: QueueStore) -> None:
    async def go() -> None:
        start = time.monotonic()
        assert await live.receive("q", max_messages=10, visibility=30, wait=0.3) == []
        assert 0.3 <= time.monotonic() - start < 1.0

    run(go())


def test_a_long_poll_returns_at_once_when_a_message_is_there(live: QueueStore) -> None:
    async def go() -> None:
        await live.send("q", [NewMessage("ready")])
        start = time.monotonic()
        got = await live.receive("q", max_messages=10, visibility=30, wait=10)
        assert [m.body for m in got] == ["ready"] and time.monotonic() - start < 0.5

    run(go())


def test_a_long_poll_wakes_when_a_delayed_message_becomes_visible(live: QueueStore) -> None:
    async def go() -> None:
        # Timed from before the send: the delay runs from a moment inside it, and a send can
        # take tens of ms on a loaded machine (timed from after it, 0.246 s was once seen).
        start = time.monotonic()
        await live.send("q", [NewMessage("later", delay=0.3)])
        got = await live.receive("q", max_messages=10, visibility=30, wait=5)
        elapsed = time.monotonic() - start
        assert [m.body for m in got] == ["later"]
        assert 0.29 <= elapsed < 0.3 + 0.3

    run(go())


def test_a_long_poll_wakes_when_a_visibility_timeout_passes(live: QueueStore) -> None:
    async def go() -> None:
        await live.send("q", [NewMessage("again")])
        await live.receive("q", max_messages=10, visibility=0.3)
        start = time.monotonic()
        got = await live.receive("q", max_messages=10, visibility=30, wait=5)
        assert [(m.body, m.receive_count) for m in got] == [("again", 2)]
        assert time.monotonic() - start < 0.3 + 0.3

    run(go())


def test_a_visibility_change_to_zero_wakes_a_long_poll(live: QueueStore) -> None:
    async def go() -> None:
        await live.send("q", [NewMessage("back")])
        (held,) = await live.receive("q", max_messages=1, visibility=600)
        waiting = asyncio.create_task(live.receive("q", max_messages=1, visibility=30, wait=5))
        await asyncio.sleep(0.1)
        await live.change_visibility("q", [(held.receipt, 0)])
        changed = time.monotonic()
        got = await waiting
        assert [m.body for m in got] == ["back"] and time.monotonic() - changed < WAKE_BAR

    run(go())


def test_one_message_goes_to_one_of_several_long_polls(live: QueueStore) -> None:
    async def go() -> None:
        polls = [
            asyncio.create_task(live.receive("q", max_messages=10, visibility=30, wait=1))
            for _ in range(4)
        ]
        await asyncio.sleep(0.1)
        await live.send("q", [NewMessage("only")])
        results = await asyncio.gather(*polls)
        assert sorted(len(r) for r in results) == [0, 0, 0, 1]

    run(go())


def test_a_queue_dropped_during_a_long_poll_raises_queue_not_found(live: QueueStore) -> None:
    async def go() -> None:
        waiting = asyncio.create_task(live.receive("q", max_messages=1, visibility=30, wait=5))
        await asyncio.sleep(0.1)
        await live.drop("q")
        dropped = time.monotonic()
        with pytest.raises(QueueNotFound):
            await waiting
        assert time.monotonic() - dropped < 0.5

    run(go())


def test_deleting_a_fifo_groups_head_wakes_a_long_poll(backend: Backend) -> None:
    store = backend.open(SystemClock())

    async def go() -> None:
        await store.create("f.fifo", QueueSpec(fifo=True))
        group = [NewMessage(body, group="g", dedup_id=body) for body in ("1", "2")]
        await store.send("f.fifo", group)
        (head,) = await store.receive("f.fifo", max_messages=1, visibility=600)
        waiting = asyncio.create_task(
            store.receive("f.fifo", max_messages=1, visibility=30, wait=5)
        )
        await asyncio.sleep(0.1)
        assert not waiting.done()
        await store.delete("f.fifo", [head.receipt])
        deleted = time.monotonic()
        got = await waiting
        assert [m.body for m in got] == ["2"] and time.monotonic() - deleted < WAKE_BAR

    try:
        run(go())
    finally:
        run(store.close())


def test_a_shortened_visibility_wakes_a_long_poll_in_time(live: QueueStore) -> None:
    async def go() -> None:
        await live.send("q", [NewMessage("soon")])
        (held,) = await live.receive("q", max_messages=1, visibility=600)
        waiting = asyncio.create_task(live.receive("q", max_messages=1, visibility=30, wait=5))
        await asyncio.sleep(0.1)
        changing = time.monotonic()  # before the call: the new timeout runs from inside it
        await live.change_visibility("q", [(held.receipt, 0.3)])
        got = await waiting
        assert [m.body for m in got] == ["soon"]
        assert 0.29 <= time.monotonic() - changing < 0.3 + 0.3

    run(go())
