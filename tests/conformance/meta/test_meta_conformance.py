"""The meta port's conformance suite: every engine that provides "meta" must pass it (scans in
test_meta_scans.py, the reference-model property test in test_meta_model.py)."""

from __future__ import annotations

import asyncio

import pytest

from conformance.kit import Backend, run
from ownstack.ports.errors import BackendUnavailable, ConditionFailed
from ownstack.ports.meta import ABSENT, Check, Delete, MetaStore, Op, Put, Record

# -- get / put / delete -------------------------------------------------------------------------


def test_get_missing_is_none(store: MetaStore) -> None:
    assert run(store.get("ns", "nothing")) is None


def test_put_then_get_returns_value_and_commit_version(store: MetaStore) -> None:
    async def go() -> None:
        version = await store.commit([Put("ns", "k", b"v1")])
        assert await store.get("ns", "k") == Record("k", b"v1", version)

    run(go())


def test_values_are_opaque_bytes(store: MetaStore) -> None:
    values = {"empty": b"", "nul": b"\x00\xff\x00", "big": bytes(range(256)) * 4096}

    async def go() -> None:
        await store.commit([Put("ns", k, v) for k, v in values.items()])
        for k, v in values.items():
            rec = await store.get("ns", k)
            assert rec is not None and rec.value == v and type(rec.value) is bytes

    run(go())


def test_versions_grow_with_every_commit(store: MetaStore) -> None:
    async def go() -> list[int]:
        v1 = await store.commit([Put("ns", "a", b"1")])
        v2 = await store.commit([Put("ns", "a", b"2")])
        v3 = await store.commit([Delete("ns", "a")])
        v4 = await store.commit([Put("ns", "b", b"3")])
        return [v1, v2, v3, v4]

    versions = run(go())
    assert versions == sorted(set(versions))


def test_every_put_of_a_commit_carries_its_version(store: MetaStore) -> None:
    async def go() -> None:
        version = await store.commit([Put("ns", "a", b"1"), Put("other", "b", b"2")])
        assert await store.get("ns", "a") == Record("a", b"1", version)
        assert await store.get("other", "b") == Record("b", b"2", version)

    run(go())


def test_later_put_in_a_commit_wins(store: MetaStore) -> None:
    async def go() -> None:
        version = await store.commit([Put("ns", "a", b"1"), Put("ns", "a", b"2")])
        assert await store.get("ns", "a") == Record("a", b"2", version)

    run(go())


def test_delete_removes_and_missing_delete_is_fine(store: MetaStore) -> None:
    async def go() -> None:
        await store.commit([Put("ns", "a", b"1")])
        await store.commit([Delete("ns", "a")])
        assert await store.get("ns", "a") is None
        await store.commit([Delete("ns", "a"), Delete("ns", "never")])
        assert await store.scan("ns") == []

    run(go())


# -- conditions -----------------------------------------------------------------------------


def test_absent_expectation(store: MetaStore) -> None:
    async def go() -> None:
        version = await store.commit([Put("ns", "a", b"1", expect=ABSENT)])
        with pytest.raises(ConditionFailed) as failed:
            await store.commit([Put("ns", "a", b"2", expect=ABSENT)])
        assert (failed.value.index, failed.value.key) == (0, "a")
        assert await store.get("ns", "a") == Record("a", b"1", version)

    run(go())


def test_exact_version_expectation_is_compare_and_set(store: MetaStore) -> None:
    async def go() -> None:
        v1 = await store.commit([Put("ns", "a", b"1")])
        v2 = await store.commit([Put("ns", "a", b"2", expect=v1)])
        with pytest.raises(ConditionFailed) as failed:
            await store.commit([Put("ns", "a", b"stale", expect=v1)])
        assert (failed.value.index, failed.value.key) == (0, "a")
        assert await store.get("ns", "a") == Record("a", b"2", v2)

    run(go())


def test_version_expectation_on_missing_key_fails(store: MetaStore) -> None:
    async def go() -> None:
        v1 = await store.commit([Put("ns", "other", b"1")])
        with pytest.raises(ConditionFailed) as failed:
            await store.commit([Put("ns", "a", b"1", expect=v1)])
        assert (failed.value.index, failed.value.key) == (0, "a")
        assert await store.get("ns", "a") is None

    run(go())


def test_conditional_delete(store: MetaStore) -> None:
    async def go() -> None:
        v1 = await store.commit([Put("ns", "a", b"1")])
        with pytest.raises(ConditionFailed) as failed:
            await store.commit([Delete("ns", "a", expect=v1 + 1000)])
        assert failed.value.index == 0
        assert await store.get("ns", "a") == Record("a", b"1", v1)
        with pytest.raises(ConditionFailed):
            await store.commit([Delete("ns", "gone", expect=v1)])
        await store.commit([Delete("ns", "a", expect=v1)])
        assert await store.get("ns", "a") is None

    run(go())


def test_check_writes_nothing_and_can_fail_the_commit(store: MetaStore) -> None:
    async def go() -> None:
        v1 = await store.commit([Put("ns", "guard", b"g")])
        v2 = await store.commit([Check("ns", "guard", v1), Put("ns", "a", b"1")])
        assert await store.get("ns", "guard") == Record("guard", b"g", v1)
        assert await store.get("ns", "a") == Record("a", b"1", v2)
        with pytest.raises(ConditionFailed) as failed:
            await store.commit([Put("ns", "b", b"1"), Check("ns", "guard", ABSENT)])
        assert (failed.value.index, failed.value.key) == (1, "guard")
        assert await store.get("ns", "b") is None

    run(go())


def test_failed_condition_applies_nothing_across_namespaces(store: MetaStore) -> None:
    async def go() -> None:
        v1 = await store.commit([Put("two", "taken", b"old"), Put("one", "keep", b"k")])
        ops: list[Op] = [
            Put("one", "new", b"n"),
            Delete("one", "keep"),
            Put("three", "x", b"x", expect=ABSENT),
            Put("two", "taken", b"new", expect=ABSENT),
            Put("two", "after", b"a"),
        ]
        with pytest.raises(ConditionFailed) as failed:
            await store.commit(ops)
        assert (failed.value.index, failed.value.key) == (3, "taken")
        assert await store.get("one", "new") is None
        assert await store.get("one", "keep") == Record("keep", b"k", v1)
        assert await store.get("three", "x") is None
        assert await store.get("two", "taken") == Record("taken", b"old", v1)
        assert await store.scan("two") == [Record("taken", b"old", v1)]

    run(go())


def test_first_failing_condition_is_reported(store: MetaStore) -> None:
    async def go() -> None:
        await store.commit([Put("ns", "a", b"1"), Put("ns", "b", b"1")])
        with pytest.raises(ConditionFailed) as failed:
            await store.commit(
                [Put("ns", "c", b"1", expect=ABSENT), Check("ns", "b", ABSENT), Check("ns", "a", 0)]
            )
        assert (failed.value.index, failed.value.key) == (1, "b")

    run(go())


def test_conditions_see_the_state_before_the_commit(store: MetaStore) -> None:
    async def go() -> None:
        # The Put does not satisfy the later Check: conditions are evaluated before any write.
        with pytest.raises(ConditionFailed) as failed:
            await store.commit([Put("ns", "a", b"1"), Check("ns", "a", 0)])
        assert failed.value.index == 1
        assert await store.get("ns", "a") is None

    run(go())


def test_a_check_sees_a_write_to_its_key_submitted_before_it(store: MetaStore) -> None:
    """Checks of one key's version submitted around a write of that key (on sqlite they share
    its batch, where a check's read is remembered until the key is written): a check that
    holds was applied before the write, never after it."""

    async def go() -> None:
        v0 = await store.commit([Put("g", "k", b"0")])

        async def checked(i: int) -> int | None:
            try:
                return await store.commit([Check("g", "k", v0), Put("ns", f"c{i}", b"")])
            except ConditionFailed:
                return None

        before = [asyncio.ensure_future(checked(i)) for i in range(10)]
        moved = asyncio.ensure_future(store.commit([Put("g", "k", b"1")]))
        after = [asyncio.ensure_future(checked(10 + i)) for i in range(10)]
        held = await asyncio.gather(*before, *after)
        v1 = await moved
        assert all(version is None or version < v1 for version in held)

    run(go())


def test_failed_commit_keeps_versions_growing(store: MetaStore) -> None:
    async def go() -> None:
        v1 = await store.commit([Put("ns", "a", b"1")])
        with pytest.raises(ConditionFailed):
            await store.commit([Put("ns", "a", b"x", expect=ABSENT)])
        v2 = await store.commit([Put("ns", "b", b"1")])
        assert v2 > v1

    run(go())


# -- concurrency ----------------------------------------------------------------------------


def test_many_concurrent_commits_all_apply(store: MetaStore, backend: Backend) -> None:
    async def go() -> list[int]:
        return await asyncio.gather(
            *(store.commit([Put("ns", f"k{i:03d}", str(i).encode())]) for i in range(200))
        )

    versions = run(go())
    assert len(set(versions)) == 200
    records = run(store.scan("ns"))
    assert [(r.key, r.value, r.version) for r in records] == [
        (f"k{i:03d}", str(i).encode(), versions[i]) for i in range(200)
    ]
    if backend.name == "sqlite":
        stats = store.stats()  # type: ignore[attr-defined]
        assert stats["commits"] == 200
        assert 1 <= stats["syncs"] < stats["commits"]  # group commit: fewer fsyncs than commits


def test_concurrent_creates_exactly_one_wins(store: MetaStore) -> None:
    async def attempt(i: int) -> int | None:
        try:
            return await store.commit([Put("ns", "lock", str(i).encode(), expect=ABSENT)])
        except ConditionFailed as failed:
            assert (failed.index, failed.key) == (0, "lock")
            return None

    async def go() -> list[int | None]:
        return await asyncio.gather(*(attempt(i) for i in range(50)))

    outcomes = run(go())
    winners = [(i, v) for i, v in enumerate(outcomes) if v is not None]
    assert len(winners) == 1
    winner, version = winners[0]
    assert run(store.get("ns", "lock")) == Record("lock", str(winner).encode(), version)


def test_concurrent_compare_and_set_increments(store: MetaStore) -> None:
    async def increment() -> None:
        while True:
            rec = await store.get("ns", "counter")
            assert rec is not None
            try:
                await store.commit(
                    [Put("ns", "counter", str(int(rec.value) + 1).encode(), expect=rec.version)]
                )
                return
            except ConditionFailed:
                continue

    async def go() -> None:
        await store.commit([Put("ns", "counter", b"0")])
        await asyncio.gather(*(increment() for _ in range(30)))
        rec = await store.get("ns", "counter")
        assert rec is not None and rec.value == b"30"

    run(go())


# -- lifecycle and durability ---------------------------------------------------------------


def test_health_then_closed_store_is_unavailable(backend: Backend) -> None:
    opened = backend.open()

    async def go() -> None:
        await opened.health()
        await opened.close()
        await opened.close()  # idempotent
        with pytest.raises(BackendUnavailable):
            await opened.commit([Put("ns", "a", b"1")])
        with pytest.raises(BackendUnavailable):
            await opened.get("ns", "a")
        with pytest.raises(BackendUnavailable):
            await opened.health()

    run(go())


def test_reopen_sees_every_committed_record(backend: Backend) -> None:
    if not backend.persistent:
        pytest.skip(f"{backend.name} keeps nothing across a reopen")
    first = backend.open()

    async def write() -> dict[str, int]:
        versions = await asyncio.gather(
            *(first.commit([Put("ns", f"k{i:03d}", b"v" * i)]) for i in range(100))
        )
        await first.commit([Delete("ns", "k099")])
        await first.close()
        return {f"k{i:03d}": v for i, v in enumerate(versions)}

    versions = run(write())
    second = backend.open()

    async def read() -> None:
        expected = [Record(f"k{i:03d}", b"v" * i, versions[f"k{i:03d}"]) for i in range(99)]
        assert await second.scan("ns") == expected
        assert await second.get("ns", "k099") is None
        await second.close()

    run(read())


def test_versions_never_repeat_after_reopen(backend: Backend) -> None:
    """A version must not be reused even when the record that carried it is gone, or a stale
    compare-and-set would succeed against a new record."""
    if not backend.persistent:
        pytest.skip(f"{backend.name} keeps nothing across a reopen")
    first: MetaStore = backend.open()

    async def write() -> int:
        await first.commit([Put("ns", "old", b"1")])
        stale = await first.commit([Put("ns", "a", b"1")])
        await first.commit([Delete("ns", "a")])
        await first.close()
        return stale

    stale = run(write())
    second = backend.open()

    async def read() -> None:
        again = await second.commit([Put("ns", "a", b"2")])
        assert again > stale + 1
        with pytest.raises(ConditionFailed):
            await second.commit([Put("ns", "a", b"3", expect=stale)])
        await second.close()

    run(read())


def test_two_stores_on_one_data_dir_never_share_a_version(backend: Backend) -> None:
    if not backend.persistent:
        pytest.skip(f"{backend.name} stores share nothing")
    if backend.exclusive:
        pytest.skip(f"{backend.name} refuses a second store (test_exclusive_store_refuses_another)")
    one: MetaStore = backend.open()
    two: MetaStore = backend.open()

    async def go() -> None:
        versions = []
        for i in range(10):
            versions.append(await one.commit([Put("ns", f"one{i}", b"1")]))
            versions.append(await two.commit([Put("ns", f"two{i}", b"2")]))
        assert versions == sorted(set(versions))
        assert len(await one.scan("ns")) == 20
        assert len(await two.scan("ns")) == 20
        await one.close()
        await two.close()

    run(go())


def test_exclusive_store_refuses_another(backend: Backend) -> None:
    """An engine that keeps its data for one process refuses a second opener outright rather
    than letting two writers (and their caches) disagree."""
    if not backend.exclusive:
        pytest.skip(f"{backend.name} is not exclusive")
    one: MetaStore = backend.open()
    with pytest.raises(BackendUnavailable):
        backend.open()
    run(one.close())
    run(backend.open().close())
