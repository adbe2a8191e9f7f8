"""The log port's keyed reads (ports/logs.py): records carry a key, `scan` reads them in
(key, shard, offset) order across shards, by key range and from a position, `trim_keys` and
`delete_shard` remove, and `shard_stats` counts; on every engine that provides the port."""

from __future__ import annotations

import random

import pytest

from conformance.kit import run
from ownstack.core.clock import ManualClock
from ownstack.ports.logs import Entry, LogRecord, LogStore, ShardStats

START = ManualClock().now()


def keyed(*pairs: tuple[str, int]) -> list[Entry]:
    return [Entry(i, f"<{i}>".encode(), key) for i, key in pairs]


def positions(records: list[LogRecord]) -> list[tuple[int, str, int]]:
    return [r.position for r in records]


async def _three_shards(store: LogStore) -> None:
    await store.append("l", "b", keyed(("b1", 20), ("b2", 10), ("b3", 30)))
    await store.append("l", "a", keyed(("a1", 10), ("a2", 20)))
    await store.append("l", "c", keyed(("c1", -5)))
    await store.append("other", "a", keyed(("x", 15)))


ALL = [(-5, "c", 1), (10, "a", 1), (10, "b", 2), (20, "a", 2), (20, "b", 1), (30, "b", 3)]


def test_read_and_scan_return_each_records_key_and_shard(store: LogStore) -> None:
    async def go() -> None:
        await store.append("l", "s", [Entry("a", b"1", -(2**63)), Entry("b", b"2", 2**63 - 1)])
        got = await store.read("l", "s", after=0, limit=10)
        assert [(r.key, r.shard, r.data) for r in got] == [
            (-(2**63), "s", b"1"),
            (2**63 - 1, "s", b"2"),
        ]
        scanned = await store.scan("l", limit=10)
        assert [(r.id, r.key, r.shard, r.offset) for r in scanned] == [
            ("a", -(2**63), "s", 1),
            ("b", 2**63 - 1, "s", 2),
        ]
        assert (await store.append("l", "s", [Entry("c", b"")]))[0] == 3  # key 0 by default
        assert (await store.read("l", "s", after=2, limit=1))[0].key == 0

    run(go())


def test_scan_merges_shards_in_key_shard_offset_order(store: LogStore) -> None:
    async def go() -> None:
        await _three_shards(store)
        assert positions(await store.scan("l", limit=100)) == ALL
        assert positions(await store.scan("l", limit=100, descending=True)) == ALL[::-1]
        assert positions(await store.scan("l", limit=2)) == ALL[:2]
        assert [r.id for r in await store.scan("l", limit=100)] == [
            "c1",
            "a1",
            "b2",
            "a2",
            "b1",
            "b3",
        ]
        assert await store.scan("nothing", limit=10) == []
        assert await store.scan("l", limit=0) == []

    run(go())


def test_scan_narrows_by_key_range_shards_and_prefix(store: LogStore) -> None:
    async def go() -> None:
        await _three_shards(store)
        await store.append("l", "ab", keyed(("ab1", 20)))
        got = await store.scan("l", key_from=10, key_to=30, shards=["a", "b"], limit=100)
        assert positions(got) == [(10, "a", 1), (10, "b", 2), (20, "a", 2), (20, "b", 1)]
        assert positions(await store.scan("l", key_from=20, limit=100)) == [
            (20, "a", 2),
            (20, "ab", 1),
            (20, "b", 1),
            (30, "b", 3),
        ]
        assert positions(await store.scan("l", key_to=10, limit=100)) == [(-5, "c", 1)]
        assert positions(await store.scan("l", shard_prefix="a", limit=100)) == [
            (10, "a", 1),
            (20, "a", 2),
            (20, "ab", 1),
        ]
        assert await store.scan("l", shards=[], limit=100) == []
        assert await store.scan("l", shards=["missing"], limit=100) == []
        # `shards` wins over `shard_prefix`
        assert positions(await store.scan("l", shards=["c"], shard_prefix="a", limit=9)) == [
            (-5, "c", 1)
        ]

    run(go())


def test_scan_resumes_strictly_after_or_before_a_position(store: LogStore) -> None:
    async def go() -> None:
        await _three_shards(store)
        assert positions(await store.scan("l", after=(10, "a", 1), limit=100)) == ALL[2:]
        assert positions(await store.scan("l", after=(10, "a", 1), limit=100, descending=True)) == [
            (-5, "c", 1)
        ]
        # A position no record holds still splits the order where it falls.
        assert positions(await store.scan("l", after=(10, "aa", 0), limit=100)) == ALL[2:]
        assert positions(await store.scan("l", after=(20, "b", 1), limit=100)) == ALL[5:]
        assert await store.scan("l", after=(30, "b", 3), limit=100) == []

    run(go())


@pytest.mark.parametrize("descending", [False, True])
def test_paging_a_scan_from_the_last_position_sees_every_record_once(
    store: LogStore, descending: bool
) -> None:
    rng = random.Random(7)
    made: list[tuple[int, str, int]] = []

    async def go() -> None:
        for shard in ("s1", "s2", "s3"):
            keys = [rng.randrange(0, 40) for _ in range(60)]
            offsets = await store.append(
                "l", shard, [Entry(f"{shard}-{i}", b"x", k) for i, k in enumerate(keys)]
            )
            made.extend((k, shard, o) for k, o in zip(keys, offsets, strict=True))
        seen: list[tuple[int, str, int]] = []
        after = None
        while page := await store.scan(
            "l", key_from=5, key_to=35, after=after, descending=descending, limit=7
        ):
            seen += positions(page)
            after = page[-1].position
        expected = sorted((p for p in made if 5 <= p[0] < 35), reverse=descending)
        assert seen == expected

    run(go())


def test_trim_keys_removes_what_is_keyed_below_a_bound(store: LogStore) -> None:
    async def go() -> None:
        await _three_shards(store)
        assert await store.trim_keys("l", below=20) == 3
        assert positions(await store.scan("l", limit=100)) == ALL[3:]
        assert await store.trim_keys("l", below=20) == 0
        assert positions(await store.scan("other", limit=100)) == [(15, "a", 1)]
        # Trimmed offsets are never handed out again.
        assert await store.append("l", "a", keyed(("a3", 1))) == [3]

    run(go())


def test_delete_shard_removes_one_shard_and_its_offsets(store: LogStore) -> None:
    async def go() -> None:
        await _three_shards(store)
        await store.delete_shard("l", "b")
        assert positions(await store.scan("l", limit=100)) == [
            (-5, "c", 1),
            (10, "a", 1),
            (20, "a", 2),
        ]
        assert [s.shard for s in await store.shards("l")] == ["a", "c"]
        assert await store.read("l", "b", after=0, limit=10) == []
        assert await store.append("l", "b", keyed(("b1", 1))) == [1]  # a new shard, anew
        await store.delete_shard("l", "missing")
        await store.delete_shard("nothing", "b")

    run(go())


def test_shard_stats_count_records_and_bytes_and_tell_keys_and_last_append(
    store: LogStore, clock: ManualClock
) -> None:
    async def go() -> None:
        await store.append("l", "b", [Entry("1", b"abc", 5), Entry("2", b"", 9)])
        clock.advance(2)
        await store.append("l", "a", [Entry("1", b"x" * 10, 7)])
        assert await store.shard_stats("l") == [
            ShardStats("a", 1, 10, 7, 7, START + 2, 1),
            ShardStats("b", 2, 3, 5, 9, START, 2),
        ]
        clock.advance(1)
        await store.append("l", "b", [Entry("1", b"again", 1)])  # a known id: nothing changes
        assert await store.shard_stats("l", ["b", "zz"]) == [ShardStats("b", 2, 3, 5, 9, START, 2)]
        assert await store.shard_stats("l", []) == []
        assert await store.shard_stats("nothing") == []

    run(go())


def test_shard_stats_follow_trims_by_age_and_by_key(store: LogStore, clock: ManualClock) -> None:
    async def go() -> None:
        await store.append("l", "s", [Entry("1", b"12", 1), Entry("2", b"345", 2)])
        clock.advance(10)
        await store.append("l", "s", [Entry("3", b"6789", 3)])
        assert await store.trim("l", older_than=START + 5) == 2
        assert await store.shard_stats("l") == [ShardStats("s", 1, 4, 3, 3, START + 10, 3)]
        assert await store.trim_keys("l", below=4) == 1
        assert await store.shard_stats("l") == [ShardStats("s", 0, 0, None, None, START + 10, 3)]

    run(go())
