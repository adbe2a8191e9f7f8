"""The queue port's conformance suite, standard-queue rules: send, receive, delete, visibility,
delay, retention, receipts, purge, counts and QueueNotFound. Every engine providing "queue"
must pass it (FIFO rules in test_queue_fifo.py, redrive and move in test_queue_redrive.py,
long polls and durability in test_queue_waits.py)."""

from __future__ import annotations

from conformance.kit import run
from ownstack.core.clock import ManualClock
from ownstack.ports.queues import (
    Counts,
    NewMessage,
    QueueSpec,
    QueueStore,
    ReceiptInvalid,
)

# -- send / receive / delete --------------------------------------------------------------------


def test_send_then_receive_returns_the_message(store: QueueStore, queue: str) -> None:
    async def go() -> None:
        (sent,) = await store.send(queue, [NewMessage("hello", attributes=b"\x00\x01attr")])
        assert sent.sequence is None and sent.duplicate is False
        got = await store.receive(queue, max_messages=10, visibility=30)
        assert [(m.message_id, m.body, m.attributes) for m in got] == [
            (sent.message_id, "hello", b"\x00\x01attr")
        ]
        assert got[0].group is None and got[0].dedup_id is None and got[0].sequence is None
        assert got[0].dead_letter_source is None

    run(go())


def test_send_returns_one_distinct_id_per_message_in_order(store: QueueStore, queue: str) -> None:
    async def go() -> None:
        sent = await store.send(queue, [NewMessage(f"m{i}") for i in range(5)])
        assert len({s.message_id for s in sent}) == 5
        got = await store.receive(queue, max_messages=10, visibility=30)
        by_id = {m.message_id: m.body for m in got}
        assert [by_id[s.message_id] for s in sent] == [f"m{i}" for i in range(5)]

    run(go())


def test_sent_at_is_the_clock_time_of_the_send(
    store: QueueStore, queue: str, clock: ManualClock
) -> None:
    async def go() -> None:
        sent_at = clock.now()
        await store.send(queue, [NewMessage("a")])
        clock.advance(7)
        (got,) = await store.receive(queue, max_messages=1, visibility=30)
        assert got.sent_at == sent_at
        assert got.first_received_at == sent_at + 7

    run(go())


def test_receive_returns_at_most_max_messages(store: QueueStore, queue: str) -> None:
    async def go() -> None:
        await store.send(queue, [NewMessage(str(i)) for i in range(7)])
        first = await store.receive(queue, max_messages=3, visibility=30)
        second = await store.receive(queue, max_messages=10, visibility=30)
        assert len(first) == 3 and len(second) == 4
        assert {m.body for m in first + second} == {str(i) for i in range(7)}
        assert await store.receive(queue, max_messages=10, visibility=30) == []

    run(go())


def test_receive_on_an_empty_queue_returns_nothing(store: QueueStore, queue: str) -> None:
    assert run(store.receive(queue, max_messages=10, visibility=30)) == []


def test_delete_removes_the_message_for_good(
    store: QueueStore, queue: str, clock: ManualClock
) -> None:
    async def go() -> None:
        await store.send(queue, [NewMessage("a"), NewMessage("b")])
        got = await store.receive(queue, max_messages=10, visibility=30)
        done = next(m for m in got if m.body == "a")
        assert await store.delete(queue, [done.receipt]) == [None]
        clock.advance(31)
        again = await store.receive(queue, max_messages=10, visibility=30)
        assert [m.body for m in again] == ["b"]

    run(go())


def test_bodies_and_attributes_are_kept_exactly(store: QueueStore, queue: str) -> None:
    bodies = {"unicode": "héllo \u2603 \U0001f600", "empty": "", "big": "x" * 262_144}

    async def go() -> None:
        await store.send(queue, [NewMessage(b, attributes=k.encode()) for k, b in bodies.items()])
        got = await store.receive(queue, max_messages=10, visibility=30)
        assert {m.attributes.decode(): m.body for m in got} == bodies
        assert all(type(m.attributes) is bytes for m in got)

    run(go())


# -- visibility ---------------------------------------------------------------------------------


def test_a_received_message_is_invisible_until_its_visibility_passes(
    store: QueueStore, queue: str, clock: ManualClock
) -> None:
    async def go() -> None:
        (sent,) = await store.send(queue, [NewMessage("a")])
        await store.receive(queue, max_messages=1, visibility=30)
        clock.advance(29.999)
        assert await store.receive(queue, max_messages=1, visibility=30) == []
        clock.advance(0.001)
        again = await store.receive(queue, max_messages=1, visibility=30)
        assert [m.message_id for m in again] == [sent.message_id]

    run(go())


def test_visibility_zero_makes_it_receivable_again_at_once(store: QueueStore, queue: str) -> None:
    async def go() -> None:
        await store.send(queue, [NewMessage("a")])
        first = await store.receive(queue, max_messages=1, visibility=0)
        second = await store.receive(queue, max_messages=1, visibility=0)
        assert [m.receive_count for m in first + second] == [1, 2]

    run(go())


def test_receive_count_grows_and_first_received_at_stays(
    store: QueueStore, queue: str, clock: ManualClock
) -> None:
    async def go() -> None:
        await store.send(queue, [NewMessage("a")])
        start = clock.now()
        seen = []
        for _ in range(3):
            (got,) = await store.receive(queue, max_messages=1, visibility=10)
            seen.append((got.receive_count, got.first_received_at))
            clock.advance(10)
        assert seen == [(1, start), (2, start), (3, start)]

    run(go())


def test_each_receive_issues_a_new_receipt(
    store: QueueStore, queue: str, clock: ManualClock
) -> None:
    async def go() -> None:
        await store.send(queue, [NewMessage("a")])
        (first,) = await store.receive(queue, max_messages=1, visibility=10)
        clock.advance(10)
        (second,) = await store.receive(queue, max_messages=1, visibility=10)
        assert first.receipt != second.receipt

    run(go())


# -- delay --------------------------------------------------------------------------------------


def test_a_delayed_message_becomes_visible_after_its_delay(
    store: QueueStore, queue: str, clock: ManualClock
) -> None:
    async def go() -> None:
        await store.send(queue, [NewMessage("late", delay=60), NewMessage("now")])
        assert [m.body for m in await store.receive(queue, max_messages=10, visibility=0)] == [
            "now"
        ]
        clock.advance(59.5)
        assert [m.body for m in await store.receive(queue, max_messages=10, visibility=600)] == [
            "now"
        ]
        clock.advance(0.5)
        assert [m.body for m in await store.receive(queue, max_messages=10, visibility=0)] == [
            "late"
        ]

    run(go())


# -- retention ----------------------------------------------------------------------------------


def test_a_message_past_retention_is_gone(store: QueueStore, clock: ManualClock) -> None:
    async def go() -> None:
        await store.create("short", QueueSpec(retention=60))
        await store.send("short", [NewMessage("old")])
        clock.advance(30)
        await store.send("short", [NewMessage("young")])
        got = await store.receive("short", max_messages=10, visibility=600)
        (old,) = [m for m in got if m.body == "old"]
        await store.change_visibility("short", [(m.receipt, 0) for m in got if m.body != "old"])
        clock.advance(30)  # "old" is 60 s old: gone, even though it was in flight
        assert await store.counts("short") == Counts(visible=1, in_flight=0, delayed=0)
        got = await store.receive("short", max_messages=10, visibility=5)
        assert [m.body for m in got] == ["young"]
        assert await store.delete("short", [old.receipt]) == [None]  # already gone: no error

    run(go())


def test_retention_counts_from_the_first_send_not_the_last_receive(
    store: QueueStore, clock: ManualClock
) -> None:
    async def go() -> None:
        await store.create("short", QueueSpec(retention=100))
        await store.send("short", [NewMessage("a", delay=50)])
        clock.advance(99)
        assert len(await store.receive("short", max_messages=1, visibility=0)) == 1
        clock.advance(1)
        assert await store.receive("short", max_messages=1, visibility=0) == []
        assert await store.counts("short") == Counts(0, 0, 0)

    run(go())


def test_create_again_updates_the_spec_and_keeps_messages(
    store: QueueStore, clock: ManualClock
) -> None:
    async def go() -> None:
        await store.create("q2", QueueSpec(retention=1000))
        await store.send("q2", [NewMessage("a")])
        await store.create("q2", QueueSpec(retention=10))
        clock.advance(5)
        assert await store.counts("q2") == Counts(1, 0, 0)
        clock.advance(5)
        assert await store.counts("q2") == Counts(0, 0, 0)

    run(go())


# -- receipts -----------------------------------------------------------------------------------


def test_a_stale_receipt_deletes_nothing_and_is_not_an_error(
    store: QueueStore, queue: str, clock: ManualClock
) -> None:
    async def go() -> None:
        await store.send(queue, [NewMessage("a")])
        (first,) = await store.receive(queue, max_messages=1, visibility=10)
        clock.advance(10)
        (second,) = await store.receive(queue, max_messages=1, visibility=10)
        assert await store.delete(queue, [first.receipt]) == [None]
        assert await store.counts(queue) == Counts(visible=0, in_flight=1, delayed=0)
        assert await store.delete(queue, [second.receipt]) == [None]
        assert await store.counts(queue) == Counts(0, 0, 0)
        assert await store.delete(queue, [second.receipt]) == [None]  # already gone

    run(go())


def test_a_receipt_never_issued_is_invalid(store: QueueStore, queue: str) -> None:
    async def go() -> None:
        await store.send(queue, [NewMessage("a")])
        (got,) = await store.receive(queue, max_messages=1, visibility=10)
        forged = got.receipt[:-2] + ("AA" if not got.receipt.endswith("AA") else "BB")
        results = await store.delete(queue, ["garbage", "", forged, got.receipt])
        assert [type(r) for r in results[:3]] == [ReceiptInvalid] * 3
        assert results[3] is None
        assert await store.counts(queue) == Counts(0, 0, 0)

    run(go())


def test_another_queues_receipt_is_invalid(store: QueueStore, queue: str) -> None:
    async def go() -> None:
        await store.create("other", QueueSpec())
        await store.send("other", [NewMessage("a")])
        (got,) = await store.receive("other", max_messages=1, visibility=10)
        (result,) = await store.delete(queue, [got.receipt])
        assert isinstance(result, ReceiptInvalid)
        (result,) = await store.change_visibility(queue, [(got.receipt, 0)])
        assert isinstance(result, ReceiptInvalid)
        assert await store.counts("other") == Counts(visible=0, in_flight=1, delayed=0)

    run(go())


def test_delete_answers_each_receipt_in_order(store: QueueStore, queue: str) -> None:
    async def go() -> None:
        await store.send(queue, [NewMessage("a"), NewMessage("b")])
        got = await store.receive(queue, max_messages=2, visibility=10)
        results = await store.delete(queue, [got[0].receipt, "nope", got[1].receipt])
        assert results[0] is None and isinstance(results[1], ReceiptInvalid)
        assert results[2] is None
        assert await store.counts(queue) == Counts(0, 0, 0)

    run(go())
