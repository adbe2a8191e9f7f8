"""The log port's conformance suite (ports/logs.py): offsets, dedup by id, reads, trims by age,
shard listings and deleting a log, on every engine that provides the port."""

from __future__ import annotations

import asyncio

import pytest

from conformance.kit import run
from ownstack.core.clock import ManualClock
from ownstack.ports.logs import Entry, LogRecord, LogStore, ShardInfo

START = ManualClock().now()


def entries(*ids: str) -> list[Entry]:
    return [Entry(i, f"data of {i}".encode()) for i in ids]


def summary(records: list[LogRecord]) -> list[tuple[int, str, bytes]]:
    return [(r.offset, r.id, r.data) for r in records]


def test_offsets_count_from_one_in_append_order(store: LogStore) -> None:
    async def go() -> None:
        assert await store.append("l", "s", entries("a", "b")) == [1, 2]
        assert await store.append("l", "s", entries("c")) == [3]
        got = await store.read("l", "s", after=0, limit=10)
        assert summary(got) == [
            (1, "a", b"data of a"),
            (2, "b", b"data of b"),
            (3, "c", b"data of c"),
        ]

    run(go())


def test_shards_and_logs_number_their_records_apart(store: LogStore) -> None:
    async def go() -> None:
        assert await store.append("l", "s1", entries("a")) == [1]
        assert await store.append("l", "s2", entries("a", "b")) == [1, 2]
        assert await store.append("m", "s1", entries("x")) == [1]
        assert [r.id for r in await store.read("l", "s2", after=0, limit=10)] == ["a", "b"]
        assert [r.id for r in await store.read("m", "s1", after=0, limit=10)] == ["x"]

    run(go())


def test_an_id_already_in_the_shard_answers_its_offset_and_appends_nothing(
    store: LogStore,
) -> None:
    async def go() -> None:
        assert await store.append("l", "s", entries("a", "b")) == [1, 2]
        again = [Entry("b", b"other"), Entry("c", b"new"), Entry("a", b"other")]
        assert await store.append("l", "s", again) == [2, 3, 1]
        got = await store.read("l", "s", after=0, limit=10)
        assert summary(got) == [(1, "a", b"data of a"), (2, "b", b"data of b"), (3, "c", b"new")]
        (shard,) = await store.shards("l")
        assert shard == ShardInfo("s", 1, 3)

    run(go())


def test_a_repeated_id_within_one_append_is_written_once(store: LogStore) -> None:
    async def go() -> None:
        got = await store.append("l", "s", [Entry("a", b"1"), Entry("b", b"2"), Entry("a", b"3")])
        assert got == [1, 2, 1]
        assert summary(await store.read("l", "s", after=0, limit=10)) == [
            (1, "a", b"1"),
            (2, "b", b"2"),
        ]

    run(go())


def test_the_same_id_in_another_shard_is_another_record(store: LogStore) -> None:
    async def go() -> None:
        assert await store.append("l", "s1", entries("a", "b")) == [1, 2]
        assert await store.append("l", "s2", entries("b")) == [1]
        assert await store.append("other", "s1", entries("b")) == [1]

    run(go())


def test_read_returns_what_follows_an_offset_up_to_a_limit(store: LogStore) -> None:
    async def go() -> None:
        await store.append("l", "s", entries(*"abcdef"))
        assert [r.offset for r in await store.read("l", "s", after=0, limit=2)] == [1, 2]
        assert [r.offset for r in await store.read("l", "s", after=2, limit=3)] == [3, 4, 5]
        assert [r.offset for r in await store.read("l", "s", after=4, limit=100)] == [5, 6]
        assert await store.read("l", "s", after=6, limit=10) == []
        assert await store.read("l", "s", after=60, limit=10) == []
        assert await store.read("l", "s", after=0, limit=0) == []

    run(go())


def test_reading_what_was_never_appended_finds_nothing(store: LogStore) -> None:
    async def go() -> None:
        assert await store.read("nothing", "s", after=0, limit=10) == []
        await store.append("l", "s", entries("a"))
        assert await store.read("l", "other", after=0, limit=10) == []
        assert await store.shards("nothing") == []

    run(go())


def test_records_keep_their_bytes_and_the_clock_time_of_their_append(
    store: LogStore, clock: ManualClock
) -> None:
    blob = bytes(range(256)) * 1600  # ~400 KB, every byte value
    record_ids = ["plain", "ünï/cødé \U0001f600", "k" * 300]

    async def go() -> None:
        await store.append("l", "s", [Entry(record_ids[0], b"")])
        clock.advance(1.5)
        await store.append("l", "s", [Entry(record_ids[1], blob), Entry(record_ids[2], b"\0")])
        got = await store.read("l", "s", after=0, limit=10)
        assert [(r.id, r.data) for r in got] == [
            (record_ids[0], b""),
            (record_ids[1], blob),
            (record_ids[2], b"\0"),
        ]
        assert [r.appended for r in got] == [START, START + 1.5, START + 1.5]

    run(go())


def test_an_empty_append_appends_nothing_and_makes_no_shard(store: LogStore) -> None:
    async def go() -> None:
        assert await store.append("l", "s", []) == []
        assert await store.shards("l") == []

    run(go())


def test_shards_lists_every_shard_in_name_order_with_its_offsets(store: LogStore) -> None:
    async def go() -> None:
        await store.append("l", "shardId-2", entries("a", "b", "c"))
        await store.append("l", "shardId-10", entries("a"))
        await store.append("l", "Z", entries("a", "b"))
        await store.append("other", "x", entries("a"))
        assert await store.shards("l") == [
            ShardInfo("Z", 1, 2),
            ShardInfo("shardId-10", 1, 1),
            ShardInfo("shardId-2", 1, 3),
        ]

    run(go())


def test_trim_removes_what_was_appended_before_a_time(store: LogStore, clock: ManualClock) -> None:
    async def go() -> None:
        await store.append("l", "s1", entries("a", "b"))
        await store.append("l", "s2", entries("x"))
        clock.advance(10)
        await store.append("l", "s1", entries("c"))
        assert await store.trim("l", older_than=START + 5) == 3
        assert summary(await store.read("l", "s1", after=0, limit=10)) == [(3, "c", b"data of c")]
        assert await store.read("l", "s2", after=0, limit=10) == []
        # s2 is empty: it begins after its last offset, which is kept.
        assert await store.shards("l") == [ShardInfo("s1", 3, 3), ShardInfo("s2", 2, 1)]
        assert await store.trim("l", older_than=START + 5) == 0

    run(go())


def test_trim_keeps_what_was_appended_at_or_after_the_time(
    store: LogStore, clock: ManualClock
) -> None:
    async def go() -> None:
        await store.append("l", "s", entries("a"))
        assert await store.trim("l", older_than=START) == 0
        assert await store.trim("l", older_than=START + 0.001) == 1

    run(go())


def test_offsets_are_never_handed_out_again_once_trimmed(
    store: LogStore, clock: ManualClock
) -> None:
    async def go() -> None:
        await store.append("l", "s", entries("a", "b"))
        clock.advance(1)
        assert await store.trim("l", older_than=clock.now()) == 2
        assert await store.shards("l") == [ShardInfo("s", 3, 2)]
        assert await store.append("l", "s", entries("c")) == [3]
        assert await store.shards("l") == [ShardInfo("s", 3, 3)]

    run(go())


def test_trim_touches_only_its_own_log(store: LogStore, clock: ManualClock) -> None:
    async def go() -> None:
        await store.append("l", "s", entries("a"))
        await store.append("m", "s", entries("a"))
        clock.advance(1)
        assert await store.trim("l", older_than=clock.now()) == 1
        assert [r.id for r in await store.read("m", "s", after=0, limit=10)] == ["a"]

    run(go())


def test_delete_log_removes_its_records_and_shards_only(store: LogStore) -> None:
    async def go() -> None:
        await store.append("l", "s1", entries("a", "b"))
        await store.append("l", "s2", entries("a"))
        await store.append("m", "s1", entries("a"))
        await store.delete_log("l")
        assert await store.read("l", "s1", after=0, limit=10) == []
        assert await store.shards("l") == []
        assert await store.shards("m") == [ShardInfo("s1", 1, 1)]
        await store.delete_log("l")  # deleting what is gone is not an error
        await store.delete_log("never")

    run(go())


def test_concurrent_appends_to_one_shard_get_distinct_gap_free_offsets(store: LogStore) -> None:
    async def go() -> None:
        calls = [store.append("l", "s", entries(f"{i}a", f"{i}b")) for i in range(20)]
        results = await asyncio.gather(*calls)
        offsets = sorted(o for pair in results for o in pair)
        assert offsets == list(range(1, 41))
        for pair in results:  # one call's entries are appended together, in order
            assert pair[1] == pair[0] + 1
        got = await store.read("l", "s", after=0, limit=100)
        by_offset = {r.offset: r.id for r in got}
        for i, pair in enumerate(results):
            assert (by_offset[pair[0]], by_offset[pair[1]]) == (f"{i}a", f"{i}b")

    run(go())


def test_health_answers_while_open(store: LogStore) -> None:
    run(store.health())


@pytest.mark.parametrize("limit", [1, 1000])
def test_reading_a_long_shard_page_by_page_sees_every_record_once(
    store: LogStore, limit: int
) -> None:
    async def go() -> None:
        await store.append("l", "s", entries(*(f"r{i}" for i in range(250))))
        seen: list[int] = []
        after = 0
        while page := await store.read("l", "s", after=after, limit=limit):
            assert len(page) <= limit
            seen += [r.offset for r in page]
            after = page[-1].offset
        assert seen == list(range(1, 251))

    run(go())
