"""The postgres engine's group commit (batching.Batcher), as pure logic: which calls share a
batch, who gets a batch's result or error, and when the after-hook runs."""

from __future__ import annotations

import asyncio

import pytest

from conformance.kit import run
from ownstack.backends.postgres.batching import Batcher
from ownstack.ports.errors import BackendUnavailable


class Recorder:
    """A flush that records each batch and, while `gate` is closed, holds it in flight."""

    def __init__(self) -> None:
        self.batches: list[tuple[str, list[int]]] = []
        self.events: list[str] = []
        self.gate = asyncio.Event()
        self.gate.set()
        self.fail: Exception | None = None
        """Raised for a batch with item 1 in it."""

    async def flush(self, key: str, items: list[int]) -> list[int]:
        self.batches.append((key, items))
        await self.gate.wait()
        if self.fail is not None and 1 in items:
            raise self.fail
        return [item * 10 for item in items]

    async def after(self, key: str, results: list[int]) -> None:
        self.events.append(f"after {key} {results}")


def test_calls_of_one_turn_share_a_batch_and_each_gets_its_own_result() -> None:
    async def go() -> None:
        rec = Recorder()
        batcher = Batcher(rec.flush, rec.after)
        got = await asyncio.gather(*(batcher.submit("q", i) for i in range(5)))
        assert got == [0, 10, 20, 30, 40]
        assert rec.batches == [("q", [0, 1, 2, 3, 4])]
        assert rec.events == ["after q [0, 10, 20, 30, 40]"]

    run(go())


def test_calls_made_while_a_batch_is_in_flight_go_together_in_the_next() -> None:
    async def go() -> None:
        rec = Recorder()
        rec.gate.clear()
        batcher = Batcher(rec.flush, rec.after)
        first = asyncio.ensure_future(batcher.submit("q", 1))
        await asyncio.sleep(0)
        await asyncio.sleep(0)
        later = [asyncio.ensure_future(batcher.submit("q", i)) for i in (2, 3)]
        other = asyncio.ensure_future(batcher.submit("r", 4))  # another key: its own batch
        await asyncio.sleep(0.01)
        assert rec.batches == [("q", [1]), ("r", [4])]
        rec.gate.set()
        assert await first == 10
        assert await asyncio.gather(*later) == [20, 30]
        assert await other == 40
        assert rec.batches == [("q", [1]), ("r", [4]), ("q", [2, 3])]

    run(go())


def test_a_failed_batch_fails_its_callers_only() -> None:
    async def go() -> None:
        rec = Recorder()
        rec.gate.clear()
        batcher = Batcher(rec.flush, rec.after)
        failing = [asyncio.ensure_future(batcher.submit("q", i)) for i in (1, 2)]
        await asyncio.sleep(0.01)
        following = asyncio.ensure_future(batcher.submit("q", 3))
        rec.fail = BackendUnavailable("postgres: gone")
        rec.gate.set()
        for call in failing:
            with pytest.raises(BackendUnavailable, match="postgres: gone"):
                await call
        assert await following == 30
        assert rec.events == ["after q [30]"]  # none for the failed batch

    run(go())


def test_a_caller_cancelled_before_its_batch_starts_is_left_out() -> None:
    async def go() -> None:
        rec = Recorder()
        rec.gate.clear()
        batcher = Batcher(rec.flush, rec.after)
        first = asyncio.ensure_future(batcher.submit("q", 1))
        await asyncio.sleep(0.01)
        cancelled = asyncio.ensure_future(batcher.submit("q", 2))
        kept = asyncio.ensure_future(batcher.submit("q", 3))
        await asyncio.sleep(0)
        cancelled.cancel()
        rec.gate.set()
        assert (await first, await kept) == (10, 30)
        assert cancelled.cancelled()
        assert rec.batches == [("q", [1]), ("q", [3])]

    run(go())


def test_a_caller_cancelled_during_its_batch_leaves_the_others_their_results() -> None:
    async def go() -> None:
        rec = Recorder()
        rec.gate.clear()
        batcher = Batcher(rec.flush, rec.after)
        calls = [asyncio.ensure_future(batcher.submit("q", i)) for i in (1, 2)]
        await asyncio.sleep(0.01)
        calls[0].cancel()
        rec.gate.set()
        assert await calls[1] == 20
        assert rec.batches == [("q", [1, 2])]  # written all the same
        assert rec.events == ["after q [10, 20]"]

    run(go())
