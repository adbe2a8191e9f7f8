"""MetaStore.replace: an unconditional put that reports the record it displaced, atomically."""

from __future__ import annotations

import asyncio

import pytest

from conformance.kit import run
from ownstack.ports.errors import ConditionFailed
from ownstack.ports.meta import ABSENT, Check, Delete, MetaStore, Put, Record


def test_replace_reports_what_it_displaced(store: MetaStore) -> None:
    async def go() -> None:
        v1, before = await store.replace("ns", "k", b"one")
        assert before is None
        assert await store.get("ns", "k") == Record("k", b"one", v1)
        v2, before = await store.replace("ns", "k", b"two")
        assert v2 > v1
        assert before == Record("k", b"one", v1)
        assert await store.get("ns", "k") == Record("k", b"two", v2)
        await store.commit([Delete("ns", "k")])
        _, before = await store.replace("ns", "k", b"three")
        assert before is None  # a deleted record is not reported

    run(go())


def test_replace_versions_grow_with_commits(store: MetaStore) -> None:
    async def go() -> None:
        committed = await store.commit([Put("ns", "a", b"x")])
        replaced, _ = await store.replace("ns", "b", b"y")
        assert replaced > committed
        assert await store.commit([Put("ns", "c", b"z")]) > replaced

    run(go())


def test_concurrent_replaces_form_one_chain(store: MetaStore) -> None:
    """However many overwrite one key at once, each displaced record is reported exactly once:
    the displaced versions and the final record together are every version written."""

    async def go() -> None:
        results = await asyncio.gather(
            *(store.replace("ns", "hot", str(i).encode()) for i in range(50))
        )
        written = {version for version, _ in results}
        displaced = [before.version for _, before in results if before is not None]
        final = await store.get("ns", "hot")
        assert final is not None
        assert len(displaced) == 49
        assert sorted([*displaced, final.version]) == sorted(written)

    run(go())


def test_a_guard_that_holds_lets_the_replace_through(store: MetaStore) -> None:
    async def go() -> None:
        v1, _ = await store.replace("ns", "k", b"one", guard=Check("marks", "m", ABSENT))
        marker = await store.commit([Put("marks", "other", b"")])
        guard = Check("marks", "other", marker)  # a version guard that holds
        v2, before = await store.replace("ns", "k", b"two", guard=guard)
        assert v2 > marker > v1
        assert before == Record("k", b"one", v1)
        assert await store.get("ns", "k") == Record("k", b"two", v2)
        assert await store.get("marks", "m") is None  # a guard writes nothing

    run(go())


def test_a_failed_guard_writes_nothing(store: MetaStore) -> None:
    async def go() -> None:
        v1, _ = await store.replace("ns", "k", b"one")
        marker = await store.commit([Put("marks", "m", b"")])
        with pytest.raises(ConditionFailed) as failed:
            await store.replace("ns", "k", b"two", guard=Check("marks", "m", ABSENT))
        assert (failed.value.index, failed.value.key) == (1, "m")
        with pytest.raises(ConditionFailed):
            await store.replace("ns", "new", b"x", guard=Check("marks", "m", marker + 1))
        assert await store.get("ns", "k") == Record("k", b"one", v1)
        assert await store.get("ns", "new") is None

    run(go())


def test_a_guard_sees_the_commit_ordered_before_it(store: MetaStore) -> None:
    """Submitted concurrently with the commit that creates the marker, a guarded replace
    either lands before it (and is there afterwards) or fails: never acknowledged after it."""

    async def go() -> None:
        guard = Check("marks", "m", ABSENT)

        async def put(i: int) -> bool:
            try:
                await store.replace("ns", f"k{i}", b"v", guard=guard)
            except ConditionFailed:
                return False
            return True

        marking = asyncio.ensure_future(store.commit([Put("marks", "m", b"")]))
        landed = await asyncio.gather(*(put(i) for i in range(40)))
        marker = await marking
        for i, ok in enumerate(landed):
            record = await store.get("ns", f"k{i}")
            assert (record is not None) == ok
            assert record is None or record.version < marker

    run(go())
