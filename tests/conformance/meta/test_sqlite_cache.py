"""SqliteMeta's point-read cache stays coherent with its writes, and its file lock keeps a
second store (or server) off the same database."""

from __future__ import annotations

import asyncio
import random
from pathlib import Path

import pytest

from ownstack.backends.sqlite import SqliteMeta
from ownstack.backends.sqlite.cache import MISS, RecordCache
from ownstack.ports.errors import BackendUnavailable, ConditionFailed
from ownstack.ports.meta import ABSENT, Check, Delete, Put, Record


def test_reads_follow_every_acknowledged_write(tmp_path: Path) -> None:
    async def go() -> None:
        meta = SqliteMeta(tmp_path / "meta.db")
        try:
            assert await meta.get("ns", "k") is None  # cached as absent
            v1 = await meta.commit([Put("ns", "k", b"one")])
            assert await meta.get("ns", "k") == Record("k", b"one", v1)
            assert await meta.get("ns", "k") == Record("k", b"one", v1)  # a hit
            v2 = await meta.commit([Put("ns", "k", b"two")])
            assert await meta.get("ns", "k") == Record("k", b"two", v2)
            await meta.commit([Delete("ns", "k")])
            assert await meta.get("ns", "k") is None
            assert meta.stats()["cache_hits"] >= 1
        finally:
            await meta.close()

    asyncio.run(go())


def test_guarded_replaces_keep_the_cache_coherent(tmp_path: Path) -> None:
    """A failed guarded replace writes nothing and leaves the cache as it was (hits stay hits,
    and are right); a guard's key is only read, so its cached record stays too."""

    async def go() -> None:
        meta = SqliteMeta(tmp_path / "meta.db")
        try:
            v1, _ = await meta.replace("ns", "k", b"one", guard=Check("g", "m", ABSENT))
            assert await meta.get("ns", "k") == Record("k", b"one", v1)  # cached
            assert await meta.get("g", "m") is None  # cached as absent
            marker = await meta.commit([Put("g", "m", b"")])
            assert await meta.get("g", "m") == Record("m", b"", marker)
            with pytest.raises(ConditionFailed):
                await meta.replace("ns", "k", b"two", guard=Check("g", "m", ABSENT))
            misses = meta.stats()["cache_misses"]
            assert await meta.get("ns", "k") == Record("k", b"one", v1)
            assert await meta.get("g", "m") == Record("m", b"", marker)
            assert meta.stats()["cache_misses"] == misses  # both still cached
            v3, _ = await meta.replace("ns", "k", b"three", guard=Check("g", "m", marker))
            assert await meta.get("g", "m") == Record("m", b"", marker)
            assert meta.stats()["cache_misses"] == misses  # the guard's key was not evicted
            assert await meta.get("ns", "k") == Record("k", b"three", v3)  # the write's was
        finally:
            await meta.close()

    asyncio.run(go())


def test_concurrent_readers_never_go_back_in_time(tmp_path: Path) -> None:
    """Writers bump a few keys while readers hammer them; whatever a writer has been told is
    committed, every read that starts afterwards sees (or passes) it."""
    keys = [f"k{i}" for i in range(4)]
    acked: dict[str, int] = dict.fromkeys(keys, 0)

    async def writer(meta: SqliteMeta, rng: random.Random) -> None:
        for n in range(150):
            key = rng.choice(keys)
            version = await meta.commit([Put("ns", key, str(n).encode())])
            acked[key] = max(acked[key], version)

    async def reader(meta: SqliteMeta, rng: random.Random) -> None:
        for _ in range(600):
            key = rng.choice(keys)
            floor = acked[key]
            record = await meta.get("ns", key)
            seen = 0 if record is None else record.version
            assert seen >= floor, f"{key}: read version {seen} after {floor} was acknowledged"
            await asyncio.sleep(0)

    async def go() -> None:
        meta = SqliteMeta(tmp_path / "meta.db")
        try:
            rng = random.Random(7)
            await asyncio.gather(
                *(writer(meta, random.Random(rng.random())) for _ in range(4)),
                *(reader(meta, random.Random(rng.random())) for _ in range(4)),
            )
        finally:
            await meta.close()

    asyncio.run(go())


def test_a_read_that_raced_a_commit_is_not_cached() -> None:
    cache = RecordCache()
    stale = Record("k", b"old", 1)
    generation = cache.generation  # a reader notes this, then runs its SELECT...
    cache.invalidate([("ns", "k")])  # ...while the writer commits a new value
    cache.fill(("ns", "k"), stale, generation)
    assert cache.lookup(("ns", "k")) is MISS


def test_the_cache_is_bounded() -> None:
    cache = RecordCache(max_entries=2, max_value=8)
    for key in ("a", "b", "c"):
        cache.fill(("ns", key), Record(key, b"v", 1), cache.generation)
    assert cache.lookup(("ns", "a")) is MISS  # least recently used went first
    assert cache.lookup(("ns", "c")) == Record("c", b"v", 1)
    cache.fill(("ns", "big"), Record("big", b"x" * 9, 1), cache.generation)
    assert cache.lookup(("ns", "big")) is MISS  # too large to keep


def test_one_store_per_file(tmp_path: Path) -> None:
    async def go() -> None:
        first = SqliteMeta(tmp_path / "meta.db")
        with pytest.raises(BackendUnavailable, match="another process"):
            SqliteMeta(tmp_path / "meta.db")
        await first.close()
        second = SqliteMeta(tmp_path / "meta.db")  # released on close
        await second.close()

    asyncio.run(go())
