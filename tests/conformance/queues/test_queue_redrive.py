"""The queue port's conformance suite: redrive to a dead-letter queue, and move()."""

from __future__ import annotations

from conformance.kit import run
from ownstack.core.clock import ManualClock
from ownstack.ports.queues import Counts, NewMessage, QueueSpec, QueueStore, Redrive

DLQ = Redrive(target="dlq", max_receives=2)


def test_redrive_moves_a_message_received_more_than_max_receives(
    store: QueueStore, queue: str, clock: ManualClock
) -> None:
    async def go() -> None:
        await store.create("dlq", QueueSpec())
        (sent,) = await store.send(queue, [NewMessage("poison", attributes=b"\x01attrs")])
        sent_at = clock.now()
        for count in (1, 2):
            clock.advance(1)
            (got,) = await store.receive(queue, max_messages=1, visibility=0, redrive=DLQ)
            assert got.receive_count == count
        assert await store.receive(queue, max_messages=1, visibility=0, redrive=DLQ) == []
        assert await store.counts(queue) == Counts(0, 0, 0)
        (dead,) = await store.receive("dlq", max_messages=1, visibility=30)
        assert (dead.message_id, dead.body, dead.attributes) == (
            sent.message_id,
            "poison",
            b"\x01attrs",
        )
        assert dead.sent_at == sent_at
        assert (dead.receive_count, dead.dead_letter_source) == (1, queue)

    run(go())


def test_redrive_hands_out_the_other_messages_of_the_same_receive(
    store: QueueStore, queue: str, clock: ManualClock
) -> None:
    async def go() -> None:
        await store.create("dlq", QueueSpec())
        await store.send(queue, [NewMessage("old")])
        for _ in range(2):
            await store.receive(queue, max_messages=1, visibility=0, redrive=DLQ)
        await store.send(queue, [NewMessage("new")])
        got = await store.receive(queue, max_messages=10, visibility=30, redrive=DLQ)
        assert [(m.body, m.receive_count) for m in got] == [("new", 1)]
        assert await store.counts("dlq") == Counts(1, 0, 0)

    run(go())


def test_receive_without_redrive_never_moves(store: QueueStore, queue: str) -> None:
    async def go() -> None:
        await store.create("dlq", QueueSpec())
        await store.send(queue, [NewMessage("a")])
        for count in range(1, 6):
            (got,) = await store.receive(queue, max_messages=1, visibility=0)
            assert got.receive_count == count
        assert await store.counts("dlq") == Counts(0, 0, 0)

    run(go())


def test_redrive_keeps_the_fifo_group_and_dedup_id(
    store: QueueStore, fifo: str, clock: ManualClock
) -> None:
    async def go() -> None:
        await store.create("dlq.fifo", QueueSpec(fifo=True))
        redrive = Redrive(target="dlq.fifo", max_receives=1)
        await store.send(fifo, [NewMessage("a", group="g", dedup_id="d-a")])
        await store.send(fifo, [NewMessage("b", group="g", dedup_id="d-b")])
        (first,) = await store.receive(fifo, max_messages=1, visibility=0, redrive=redrive)
        assert first.body == "a"
        got = await store.receive(fifo, max_messages=10, visibility=30, redrive=redrive)
        assert [m.body for m in got] == ["b"]  # "a" went to the DLQ, "b" follows in order
        (dead,) = await store.receive("dlq.fifo", max_messages=1, visibility=30)
        assert (dead.body, dead.group, dead.dedup_id) == ("a", "g", "d-a")
        assert dead.message_id == first.message_id and dead.dead_letter_source == fifo
        assert isinstance(dead.sequence, int)

    run(go())


def test_move_moves_visible_messages_oldest_first(
    store: QueueStore, queue: str, clock: ManualClock
) -> None:
    async def go() -> None:
        await store.create("target", QueueSpec())
        sent = []
        for i in range(5):
            sent += await store.send(queue, [NewMessage(f"m{i}", attributes=bytes([i]))])
            clock.advance(1)
        (held,) = await store.receive(queue, max_messages=1, visibility=600)
        assert await store.move(queue, "target", 2) == 2
        moved = await store.receive("target", max_messages=10, visibility=30)
        expected = [s for s in sent if s.message_id != held.message_id][:2]
        assert sorted(m.message_id for m in moved) == sorted(s.message_id for s in expected)
        for m in moved:
            index = int(m.body[1:])
            assert m.attributes == bytes([index])
            assert m.sent_at == 1_700_000_000.0 + index
            assert m.receive_count == 1
        assert await store.move(queue, "target", 10) == 2  # the in-flight one stays
        assert await store.move(queue, "target", 10) == 0
        assert await store.counts(queue) == Counts(visible=0, in_flight=1, delayed=0)

    run(go())


def test_moved_messages_are_kept_until_their_first_sends_retention(
    store: QueueStore, queue: str, clock: ManualClock
) -> None:
    async def go() -> None:
        await store.create("short", QueueSpec(retention=100))
        await store.send(queue, [NewMessage("a")])
        clock.advance(60)
        assert await store.move(queue, "short", 10) == 1
        assert await store.counts("short") == Counts(1, 0, 0)
        clock.advance(40)
        assert await store.counts("short") == Counts(0, 0, 0)

    run(go())
