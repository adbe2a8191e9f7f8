"""The queue port's conformance suite: change_visibility, purge, counts, drop and QueueNotFound
on every method."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import pytest

from conformance.kit import run
from ownstack.core.clock import ManualClock
from ownstack.ports.queues import (
    Counts,
    MessageNotInflight,
    NewMessage,
    QueueNotFound,
    QueueSpec,
    QueueStore,
    ReceiptInvalid,
)

# -- change_visibility --------------------------------------------------------------------------


def test_change_visibility_extends_the_in_flight_time(
    store: QueueStore, queue: str, clock: ManualClock
) -> None:
    async def go() -> None:
        await store.send(queue, [NewMessage("a")])
        (got,) = await store.receive(queue, max_messages=1, visibility=10)
        clock.advance(5)
        assert await store.change_visibility(queue, [(got.receipt, 100)]) == [None]
        clock.advance(99.5)  # 104.5 s after the receive: still in flight
        assert await store.receive(queue, max_messages=1, visibility=10) == []
        clock.advance(0.5)
        assert len(await store.receive(queue, max_messages=1, visibility=10)) == 1

    run(go())


def test_change_visibility_to_zero_makes_it_visible_now(store: QueueStore, queue: str) -> None:
    async def go() -> None:
        await store.send(queue, [NewMessage("a")])
        (got,) = await store.receive(queue, max_messages=1, visibility=600)
        assert await store.change_visibility(queue, [(got.receipt, 0)]) == [None]
        assert await store.counts(queue) == Counts(visible=1, in_flight=0, delayed=0)
        (again,) = await store.receive(queue, max_messages=1, visibility=600)
        assert again.receive_count == 2

    run(go())


def test_change_visibility_of_a_visible_again_message_is_not_inflight(
    store: QueueStore, queue: str, clock: ManualClock
) -> None:
    async def go() -> None:
        await store.send(queue, [NewMessage("a")])
        (got,) = await store.receive(queue, max_messages=1, visibility=10)
        clock.advance(10)
        (result,) = await store.change_visibility(queue, [(got.receipt, 30)])
        assert isinstance(result, MessageNotInflight)
        assert await store.counts(queue) == Counts(visible=1, in_flight=0, delayed=0)

    run(go())


def test_change_visibility_with_a_stale_or_deleted_receipt_is_not_inflight(
    store: QueueStore, queue: str, clock: ManualClock
) -> None:
    async def go() -> None:
        await store.send(queue, [NewMessage("a")])
        (first,) = await store.receive(queue, max_messages=1, visibility=10)
        clock.advance(10)
        (second,) = await store.receive(queue, max_messages=1, visibility=10)
        (stale,) = await store.change_visibility(queue, [(first.receipt, 0)])
        assert isinstance(stale, MessageNotInflight)
        assert await store.counts(queue) == Counts(visible=0, in_flight=1, delayed=0)
        await store.delete(queue, [second.receipt])
        (gone,) = await store.change_visibility(queue, [(second.receipt, 0)])
        assert isinstance(gone, MessageNotInflight)

    run(go())


def test_change_visibility_answers_each_change_in_order(store: QueueStore, queue: str) -> None:
    async def go() -> None:
        await store.send(queue, [NewMessage("a"), NewMessage("b")])
        got = await store.receive(queue, max_messages=2, visibility=60)
        results = await store.change_visibility(
            queue, [(got[0].receipt, 0), ("bogus", 0), (got[1].receipt, 120)]
        )
        assert results[0] is None and isinstance(results[1], ReceiptInvalid)
        assert results[2] is None
        assert await store.counts(queue) == Counts(visible=1, in_flight=1, delayed=0)

    run(go())


# -- purge, counts ------------------------------------------------------------------------------


def test_counts_tell_visible_in_flight_and_delayed_apart(
    store: QueueStore, queue: str, clock: ManualClock
) -> None:
    async def go() -> None:
        assert await store.counts(queue) == Counts(0, 0, 0)
        await store.send(queue, [NewMessage(str(i)) for i in range(5)])
        await store.send(queue, [NewMessage("d1", delay=10), NewMessage("d2", delay=20)])
        await store.receive(queue, max_messages=2, visibility=30)
        assert await store.counts(queue) == Counts(visible=3, in_flight=2, delayed=2)
        clock.advance(10)
        assert await store.counts(queue) == Counts(visible=4, in_flight=2, delayed=1)
        clock.advance(20)
        assert await store.counts(queue) == Counts(visible=7, in_flight=0, delayed=0)

    run(go())


def test_purge_deletes_visible_in_flight_and_delayed_messages(
    store: QueueStore, queue: str, clock: ManualClock
) -> None:
    async def go() -> None:
        await store.send(queue, [NewMessage("v"), NewMessage("f"), NewMessage("d", delay=30)])
        got = await store.receive(queue, max_messages=1, visibility=30)
        await store.purge(queue)
        assert await store.counts(queue) == Counts(0, 0, 0)
        clock.advance(60)
        assert await store.receive(queue, max_messages=10, visibility=30) == []
        assert await store.delete(queue, [got[0].receipt]) == [None]
        await store.send(queue, [NewMessage("after")])
        assert [m.body for m in await store.receive(queue, max_messages=10, visibility=1)] == [
            "after"
        ]

    run(go())


# -- drop, QueueNotFound ------------------------------------------------------------------------


def test_drop_deletes_the_queue_and_its_messages(store: QueueStore, queue: str) -> None:
    async def go() -> None:
        await store.send(queue, [NewMessage("a")])
        await store.drop(queue)
        with pytest.raises(QueueNotFound):
            await store.counts(queue)
        await store.create(queue, QueueSpec())
        assert await store.counts(queue) == Counts(0, 0, 0)
        await store.drop("never-created")  # not an error

    run(go())


def _calls(store: QueueStore) -> dict[str, Callable[[], Awaitable[object]]]:
    return {
        "send": lambda: store.send("missing", [NewMessage("a")]),
        "receive": lambda: store.receive("missing", max_messages=1, visibility=1),
        "long receive": lambda: store.receive("missing", max_messages=1, visibility=1, wait=5),
        "delete": lambda: store.delete("missing", ["r"]),
        "change_visibility": lambda: store.change_visibility("missing", [("r", 1)]),
        "purge": lambda: store.purge("missing"),
        "counts": lambda: store.counts("missing"),
        "move from": lambda: store.move("missing", "q", 10),
        "move to": lambda: store.move("q", "missing", 10),
    }


CALLS = [
    "send",
    "receive",
    "long receive",
    "delete",
    "change_visibility",
    "purge",
    "counts",
    "move from",
    "move to",
]


@pytest.mark.parametrize("call", CALLS)
def test_every_method_raises_queue_not_found(store: QueueStore, queue: str, call: str) -> None:
    async def go() -> None:
        await store.send(queue, [NewMessage("keep")])
        with pytest.raises(QueueNotFound) as raised:
            await _calls(store)[call]()
        assert raised.value.queue == "missing"
        assert await store.counts(queue) == Counts(1, 0, 0)  # a failed move moved nothing

    run(go())
