"""MetaStore.replace: an unconditional put that reports the record it displaced, atomically."""

from __future__ import annotations

import asyncio

from conformance.kit import run
from ownstack.ports.meta import Delete, MetaStore, Put, Record


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
