"""The postgres meta engine as N ownstack processes use it: several stores on one schema (each
with its own pool, as separate processes have) see each other's commits at once, and their
conditions exclude each other exactly as one store's do. The port's semantics themselves are the
conformance suite's, which runs on postgres too."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from conformance.kit import postgres_options, postgres_unreachable, run
from ownstack.backends.postgres import PostgresMeta, open_meta
from ownstack.core.clock import SystemClock
from ownstack.ports.engine import EngineContext
from ownstack.ports.errors import ConditionFailed, PortError
from ownstack.ports.meta import ABSENT, Check, Put, Record

ROUNDS = 100


@pytest.fixture
def stores(tmp_path: Path) -> Iterator[list[PostgresMeta]]:
    """Three stores on one schema: three ownstack processes sharing a database."""
    if (why := postgres_unreachable()) is not None:
        pytest.skip(why)
    options: dict[str, Any] = postgres_options(tmp_path)
    opened = [open_meta(EngineContext(Path("."), options, SystemClock())) for _ in range(3)]
    yield opened
    for store in opened:
        run(store.close())


async def _create(store: PostgresMeta, key: str, value: bytes) -> int | None:
    try:
        return await store.commit([Put("ns", key, value, expect=ABSENT)])
    except ConditionFailed as failed:
        assert (failed.index, failed.key) == (0, key)
        return None


def test_concurrent_creates_through_two_stores_exactly_one_wins(
    stores: list[PostgresMeta],
) -> None:
    one, two, _ = stores

    async def go() -> None:
        for i in range(ROUNDS):
            key = f"lock{i}"
            a, b = await asyncio.gather(_create(one, key, b"one"), _create(two, key, b"two"))
            assert (a is None) != (b is None), f"round {i}: {a}, {b}"
            winner = (b"one", a) if a is not None else (b"two", b)
            expected = Record(key, winner[0], winner[1] or 0)
            assert await one.get("ns", key) == expected
            assert await two.get("ns", key) == expected

    run(go())


def test_compare_and_set_across_stores_loses_no_increment(stores: list[PostgresMeta]) -> None:
    async def increment(store: PostgresMeta) -> None:
        while True:
            rec = await store.get("ns", "counter")
            assert rec is not None
            try:
                put = Put("ns", "counter", str(int(rec.value) + 1).encode(), expect=rec.version)
                await store.commit([put])
                return
            except ConditionFailed:
                continue

    async def go() -> None:
        await stores[0].commit([Put("ns", "counter", b"0")])
        await asyncio.gather(*(increment(stores[i % 3]) for i in range(60)))
        for store in stores:
            rec = await store.get("ns", "counter")
            assert rec is not None and rec.value == b"60"

    run(go())


def test_a_guard_excludes_the_write_it_guards_against_across_stores(
    stores: list[PostgresMeta],
) -> None:
    """A guarded replace through one store, racing the marker through another, lands before
    the marker (lower version, visible once the marker is) or fails: the check of an absent key
    conflicts with its creation even though no row existed to lock."""
    one, two, three = stores

    async def put(ns: str, key: str, guard: Check) -> bool:
        try:
            await one.replace(ns, key, b"v", guard=guard)
        except ConditionFailed as failed:
            assert (failed.index, failed.key) == (1, guard.key)
            return False
        return True

    async def go() -> None:
        for i in range(ROUNDS // 5):
            guard = Check("marks", f"m{i}", ABSENT)
            marking = asyncio.ensure_future(two.commit([Put("marks", f"m{i}", b"")]))
            landed = await asyncio.gather(*(put(f"ns{i}", f"k{j}", guard) for j in range(10)))
            marker = await marking
            listed = {r.key: r.version for r in await three.scan(f"ns{i}")}
            assert set(listed) == {f"k{j}" for j, ok in enumerate(landed) if ok}
            assert all(version < marker for version in listed.values())

    run(go())


def test_versions_grow_across_stores(stores: list[PostgresMeta]) -> None:
    async def go() -> None:
        versions = []
        for i in range(30):
            versions.append(await stores[i % 3].commit([Put("ns", "k", str(i).encode())]))
        assert versions == sorted(set(versions))
        assert await stores[1].get("ns", "k") == Record("k", b"29", versions[-1])

    run(go())


def test_a_namespace_postgres_cannot_hold_is_a_port_error(stores: list[PostgresMeta]) -> None:
    """Keys are bytes and may hold NUL; a namespace is text, and PostgreSQL text cannot."""

    async def go() -> None:
        version = await stores[0].commit([Put("ns", "a\x00b", b"v")])
        assert await stores[1].get("ns", "a\x00b") == Record("a\x00b", b"v", version)
        with pytest.raises(PortError) as rejected:
            await stores[0].commit([Put("bad\x00ns", "k", b"v")])
        assert str(rejected.value) == (
            'postgres rejected a record: invalid byte sequence for encoding "UTF8": 0x00'
        )
        with pytest.raises(PortError) as rejected:
            await stores[0].get("ns", "\ud800")
        assert str(rejected.value) == (
            "postgres rejected a record: 'utf-8' codec can't encode character '\\ud800' in "
            "position 0: surrogates not allowed"
        )

    run(go())
