"""The queue port's conformance suite, FIFO rules: order within a group, group blocking,
deduplication (queue and group scope, window), sequence numbers and receive attempt ids."""

from __future__ import annotations

import asyncio

from conformance.kit import run
from ownstack.core.clock import ManualClock
from ownstack.ports.queues import Counts, NewMessage, QueueSpec, QueueStore, Received


def _msg(body: str, group: str = "g", dedup: str | None = None) -> NewMessage:
    return NewMessage(body, group=group, dedup_id=dedup if dedup is not None else body)


def test_a_group_is_received_in_send_order(store: QueueStore, fifo: str) -> None:
    async def go() -> None:
        for i in range(6):  # separate sends, each its own commit
            await store.send(fifo, [_msg(f"m{i}")])
        got = await store.receive(fifo, max_messages=10, visibility=30)
        assert [m.body for m in got] == [f"m{i}" for i in range(6)]
        assert all(m.group == "g" for m in got)

    run(go())


def test_a_group_is_blocked_while_any_of_its_messages_is_in_flight(
    store: QueueStore, fifo: str, clock: ManualClock
) -> None:
    async def go() -> None:
        await store.send(fifo, [_msg("a1", "a"), _msg("a2", "a"), _msg("b1", "b")])
        first = await store.receive(fifo, max_messages=1, visibility=30)
        assert [m.body for m in first] == ["a1"]
        second = await store.receive(fifo, max_messages=10, visibility=30)
        assert [m.body for m in second] == ["b1"]  # a2 waits behind a1
        clock.advance(30)  # a1 visible again: it comes first, then a2
        again = await store.receive(fifo, max_messages=10, visibility=30)
        received = [(m.body, m.receive_count) for m in again]
        assert [r for r in received if r[0].startswith("a")] == [("a1", 2), ("a2", 1)]
        assert sorted(received) == [("a1", 2), ("a2", 1), ("b1", 2)]

    run(go())


def test_deleting_the_head_unblocks_the_group(store: QueueStore, fifo: str) -> None:
    async def go() -> None:
        await store.send(fifo, [_msg("1"), _msg("2"), _msg("3")])
        (head,) = await store.receive(fifo, max_messages=1, visibility=30)
        assert await store.receive(fifo, max_messages=10, visibility=30) == []
        await store.delete(fifo, [head.receipt])
        got = await store.receive(fifo, max_messages=10, visibility=30)
        assert [m.body for m in got] == ["2", "3"]

    run(go())


def test_a_group_with_one_of_several_in_flight_stays_blocked(store: QueueStore, fifo: str) -> None:
    async def go() -> None:
        await store.send(fifo, [_msg("1"), _msg("2"), _msg("3")])
        got = await store.receive(fifo, max_messages=2, visibility=30)
        await store.change_visibility(fifo, [(got[0].receipt, 0)])  # "2" still in flight
        assert await store.receive(fifo, max_messages=10, visibility=30) == []
        await store.delete(fifo, [got[1].receipt])
        again = await store.receive(fifo, max_messages=10, visibility=30)
        assert [m.body for m in again] == ["1", "3"]

    run(go())


def test_several_receivers_get_each_group_in_order_and_one_at_a_time(
    store: QueueStore, fifo: str
) -> None:
    groups = ["g0", "g1", "g2"]
    per_group = 8

    async def receiver(seen: list[Received]) -> None:
        while True:
            got = await store.receive(fifo, max_messages=2, visibility=60)
            if not got:
                counts = await store.counts(fifo)
                if counts.visible == 0 and counts.in_flight == 0:
                    return
                await asyncio.sleep(0)
                continue
            held = {m.group for m in got}
            assert not held & {m.group for m in in_flight}, "a group was handed out twice"
            in_flight.extend(got)
            seen.extend(got)
            await asyncio.sleep(0)  # let the other receivers try while these are in flight
            for m in got:
                in_flight.remove(m)
            await store.delete(fifo, [m.receipt for m in got])

    in_flight: list[Received] = []

    async def go() -> list[list[Received]]:
        for i in range(per_group):
            await store.send(fifo, [_msg(f"{g}-{i}", g) for g in groups])
        seen: list[list[Received]] = [[], [], [], []]
        await asyncio.gather(*(receiver(s) for s in seen))
        return seen

    seen = run(go())
    everything = [m for s in seen for m in s]
    for g in groups:
        bodies = [m.body for m in sorted(everything, key=lambda m: m.sequence or 0) if m.group == g]
        assert bodies == [f"{g}-{i}" for i in range(per_group)]
    for s in seen:  # each receiver also saw each group's messages in order
        for g in groups:
            mine = [int(m.body.split("-")[1]) for m in s if m.group == g]
            assert mine == sorted(mine)
    assert len(everything) == len(groups) * per_group


def test_sequence_numbers_grow_per_queue(store: QueueStore, fifo: str) -> None:
    async def go() -> None:
        sent = await store.send(fifo, [_msg("a", "x"), _msg("b", "y")])
        sent += await store.send(fifo, [_msg("c", "x")])
        sequences = [s.sequence for s in sent]
        assert all(isinstance(s, int) for s in sequences)
        assert sequences == sorted(set(sequences))  # type: ignore[type-var]
        got = await store.receive(fifo, max_messages=10, visibility=30)
        assert {m.body: m.sequence for m in got} == {
            "a": sequences[0],
            "b": sequences[1],
            "c": sequences[2],
        }
        assert {m.body: m.dedup_id for m in got} == {"a": "a", "b": "b", "c": "c"}

    run(go())


def test_a_duplicate_returns_the_first_send_and_enqueues_nothing(
    store: QueueStore, fifo: str, clock: ManualClock
) -> None:
    async def go() -> None:
        (first,) = await store.send(fifo, [_msg("one", dedup="d")])
        clock.advance(100)
        (again,) = await store.send(fifo, [_msg("two", "other-group", dedup="d")])
        assert (again.message_id, again.sequence, again.duplicate) == (
            first.message_id,
            first.sequence,
            True,
        )
        assert first.duplicate is False
        assert await store.counts(fifo) == Counts(1, 0, 0)

    run(go())


def test_a_duplicate_within_one_send_is_deduplicated(store: QueueStore, fifo: str) -> None:
    async def go() -> None:
        sent = await store.send(fifo, [_msg("a", dedup="d"), _msg("b", dedup="d")])
        assert sent[1].message_id == sent[0].message_id and sent[1].duplicate
        got = await store.receive(fifo, max_messages=10, visibility=30)
        assert [m.body for m in got] == ["a"]

    run(go())


def test_dedup_holds_even_after_the_message_is_deleted(store: QueueStore, fifo: str) -> None:
    async def go() -> None:
        (first,) = await store.send(fifo, [_msg("a", dedup="d")])
        (got,) = await store.receive(fifo, max_messages=1, visibility=30)
        await store.delete(fifo, [got.receipt])
        (again,) = await store.send(fifo, [_msg("a", dedup="d")])
        assert again.duplicate and again.message_id == first.message_id
        assert await store.counts(fifo) == Counts(0, 0, 0)

    run(go())


def test_dedup_window_expires_from_the_first_send(
    store: QueueStore, fifo: str, clock: ManualClock
) -> None:
    async def go() -> None:
        (first,) = await store.send(fifo, [_msg("a", dedup="d")])
        clock.advance(299)
        assert (await store.send(fifo, [_msg("a", dedup="d")]))[0].duplicate
        clock.advance(1)  # 300 s after the first send, whatever the duplicates did
        (fresh,) = await store.send(fifo, [_msg("a", dedup="d")])
        assert not fresh.duplicate and fresh.message_id != first.message_id
        assert fresh.sequence is not None and first.sequence is not None
        assert fresh.sequence > first.sequence
        assert await store.counts(fifo) == Counts(2, 0, 0)

    run(go())


def test_a_custom_dedup_window_is_kept(store: QueueStore, clock: ManualClock) -> None:
    async def go() -> None:
        await store.create("w.fifo", QueueSpec(fifo=True, dedup_window=10))
        await store.send("w.fifo", [_msg("a", dedup="d")])
        clock.advance(9)
        assert (await store.send("w.fifo", [_msg("a", dedup="d")]))[0].duplicate
        clock.advance(1)
        assert not (await store.send("w.fifo", [_msg("a", dedup="d")]))[0].duplicate

    run(go())


def test_dedup_per_group_scopes_ids_to_their_group(store: QueueStore) -> None:
    async def go() -> None:
        await store.create("pg.fifo", QueueSpec(fifo=True, dedup_per_group=True))
        sent = await store.send("pg.fifo", [_msg("a", "x", dedup="d"), _msg("b", "y", dedup="d")])
        assert [s.duplicate for s in sent] == [False, False]
        (dup,) = await store.send("pg.fifo", [_msg("c", "y", dedup="d")])
        assert dup.duplicate and dup.message_id == sent[1].message_id
        assert dup.sequence == sent[1].sequence
        assert await store.counts("pg.fifo") == Counts(2, 0, 0)

    run(go())


def test_a_retried_attempt_returns_the_same_messages_and_receipts(
    store: QueueStore, fifo: str, clock: ManualClock
) -> None:
    async def go() -> None:
        await store.send(fifo, [_msg("1"), _msg("2"), _msg("3", "h")])
        first = await store.receive(fifo, max_messages=2, visibility=60, attempt_id="try")
        clock.advance(10)
        retry = await store.receive(fifo, max_messages=2, visibility=60, attempt_id="try")
        assert retry == first
        other = await store.receive(fifo, max_messages=10, visibility=60, attempt_id="new")
        assert [m.body for m in other] == ["3"]

    run(go())


def test_a_retried_attempt_after_a_change_receives_anew(store: QueueStore, fifo: str) -> None:
    async def go() -> None:
        await store.send(fifo, [_msg("1"), _msg("2")])
        (first,) = await store.receive(fifo, max_messages=1, visibility=60, attempt_id="try")
        await store.delete(fifo, [first.receipt])
        (retry,) = await store.receive(fifo, max_messages=1, visibility=60, attempt_id="try")
        assert retry.body == "2"
        await store.change_visibility(fifo, [(retry.receipt, 0)])
        (again,) = await store.receive(fifo, max_messages=1, visibility=60, attempt_id="try")
        assert again.body == "2" and again.receipt != retry.receipt
        assert again.receive_count == 2

    run(go())


def test_a_retried_attempt_after_visibility_passed_receives_anew(
    store: QueueStore, fifo: str, clock: ManualClock
) -> None:
    async def go() -> None:
        await store.send(fifo, [_msg("1")])
        (first,) = await store.receive(fifo, max_messages=1, visibility=30, attempt_id="try")
        clock.advance(30)
        (again,) = await store.receive(fifo, max_messages=1, visibility=30, attempt_id="try")
        assert again.receipt != first.receipt and again.receive_count == 2

    run(go())
