"""The postgres meta store group-commits concurrent callers (meta_commits.py): commits made at
once share one statement, yet each keeps its own outcome, exactly as if run one by one."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest

from conformance.kit import postgres_options, postgres_unreachable, run
from ownstack.backends.postgres import PostgresMeta, open_meta
from ownstack.core.clock import SystemClock
from ownstack.ports.engine import EngineContext
from ownstack.ports.errors import ConditionFailed, PortError
from ownstack.ports.meta import ABSENT, Check, Delete, Put, Record


@pytest.fixture
def store(tmp_path: Path) -> PostgresMeta:
    if (why := postgres_unreachable()) is not None:
        pytest.skip(why)
    return open_meta(EngineContext(Path("."), postgres_options(tmp_path), SystemClock()))


def test_concurrent_commits_each_keep_their_own_outcome(store: PostgresMeta) -> None:
    async def go() -> None:
        await store.commit([Put("ns", f"have{i}", b"old") for i in range(20)])
        # Expectations that hold and that fail, interleaved, all in flight at once.
        fresh = [store.commit([Put("ns", f"new{i}", b"v", expect=ABSENT)]) for i in range(20)]
        clashing = [store.commit([Put("ns", f"have{i}", b"v", expect=ABSENT)]) for i in range(20)]
        outcomes = await asyncio.gather(*fresh, *clashing, return_exceptions=True)
        assert all(isinstance(v, int) for v in outcomes[:20])
        assert all(isinstance(e, ConditionFailed) and e.index == 0 for e in outcomes[20:])
        assert len(set(outcomes[:20])) == 20  # one version per commit
        for i in range(20):
            have = await store.get("ns", f"have{i}")
            assert have is not None and have.value == b"old"
            assert (await store.get("ns", f"new{i}")) is not None
        await store.close()

    run(go())


def test_racing_creates_of_one_key_have_one_winner(store: PostgresMeta) -> None:
    async def go() -> None:
        tries = [store.commit([Put("ns", "one", str(i).encode(), ABSENT)]) for i in range(30)]
        outcomes = await asyncio.gather(*tries, return_exceptions=True)
        winners = [i for i, v in enumerate(outcomes) if isinstance(v, int)]
        assert len(winners) == 1
        assert all(isinstance(v, ConditionFailed) for v in outcomes if not isinstance(v, int))
        record = await store.get("ns", "one")
        assert record == Record("one", str(winners[0]).encode(), outcomes[winners[0]])
        await store.close()

    run(go())


def test_compare_and_set_chain_in_one_batch_applies_in_order(store: PostgresMeta) -> None:
    """Later commits of a batch see the earlier ones: a counter bumped by compare-and-set from
    many callers at once never loses an increment."""

    async def bump() -> None:
        while True:
            current = await store.get("ns", "counter")
            value = int(current.value) + 1 if current else 1
            expect: Any = current.version if current else ABSENT
            try:
                await store.commit([Put("ns", "counter", str(value).encode(), expect)])
                return
            except ConditionFailed:
                continue

    async def go() -> None:
        await asyncio.gather(*(bump() for _ in range(40)))
        record = await store.get("ns", "counter")
        assert record is not None and record.value == b"40"
        await store.close()

    run(go())


def test_replace_and_guards_in_a_batch(store: PostgresMeta) -> None:
    async def go() -> None:
        await store.commit([Put("ns", "a", b"1"), Put("ns", "guard", b"g")])
        replaced, guarded, unguarded = await asyncio.gather(
            store.replace("ns", "a", b"2"),
            store.replace("ns", "b", b"x", guard=Check("ns", "guard", ABSENT)),
            store.replace("ns", "c", b"y", guard=Check("ns", "nothing", ABSENT)),
            return_exceptions=True,
        )
        assert isinstance(replaced, tuple) and replaced[1] is not None
        assert replaced[1].value == b"1"
        assert isinstance(guarded, ConditionFailed) and guarded.key == "guard"
        assert isinstance(unguarded, tuple) and unguarded[1] is None
        assert await store.get("ns", "b") is None
        await store.commit([Delete("ns", "a")])
        assert await store.get("ns", "a") is None
        await store.close()

    run(go())


def test_a_record_postgres_refuses_fails_only_its_caller(store: PostgresMeta) -> None:
    async def go() -> None:
        calls = [store.commit([Put("ns", f"ok{i}", b"v")]) for i in range(5)]
        calls.insert(2, store.commit([Put("bad\0ns", "k", b"v")]))
        outcomes = await asyncio.gather(*calls, return_exceptions=True)
        assert isinstance(outcomes[2], PortError)
        assert sum(isinstance(v, int) for v in outcomes) == 5
        for i in range(5):
            assert await store.get("ns", f"ok{i}") is not None
        await store.close()

    run(go())
