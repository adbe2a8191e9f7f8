"""Lease semantics on the memory meta engine with a manual clock: exclusive, renewed, taken over
once expired, released, and a stale holder's renew fails (fencing)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from typing import Any

from ownstack.backends.memory import MemoryMeta
from ownstack.core.clock import ManualClock
from ownstack.ports.leases import LEASES, Lease, LeaseRecord, holder_alive

TTL = 10.0


def run(scenario: Callable[[], Coroutine[Any, Any, None]]) -> None:
    asyncio.run(scenario())


def pair() -> tuple[MemoryMeta, ManualClock, Lease, Lease]:
    meta, clock = MemoryMeta(), ManualClock()
    return meta, clock, Lease(meta, "job", "a", clock, TTL), Lease(meta, "job", "b", clock, TTL)


async def stored(meta: MemoryMeta) -> tuple[str, float] | None:
    found = await meta.get(LEASES, "job")
    if found is None:
        return None
    record = LeaseRecord.decode(found.value)
    return record.holder, record.expires


def test_the_first_acquirer_holds_it_and_the_other_is_refused() -> None:
    async def scenario() -> None:
        meta, clock, a, b = pair()
        assert (await a.try_acquire(), await b.try_acquire()) == (True, False)
        assert (a.held, b.held) == (True, False)
        assert await stored(meta) == ("a", clock.now() + TTL)
        assert await holder_alive(meta, "job", clock.now()) is True

    run(scenario)


def test_renewing_extends_it_past_the_first_expiry() -> None:
    async def scenario() -> None:
        meta, clock, a, b = pair()
        await a.try_acquire()
        clock.advance(TTL - 1)
        assert await a.renew() is True
        clock.advance(TTL - 1)
        assert (a.held, await b.try_acquire()) == (True, False)
        assert await stored(meta) == ("a", clock.now() + 1)

    run(scenario)


def test_an_expired_lease_is_taken_over_and_the_stale_holder_cannot_renew() -> None:
    async def scenario() -> None:
        meta, clock, a, b = pair()
        await a.try_acquire()
        clock.advance(TTL)
        assert a.held is False  # its own deadline passed: its work stops
        assert await holder_alive(meta, "job", clock.now()) is False
        assert await b.try_acquire() is True
        assert await a.renew() is False
        assert (a.held, b.held) == (False, True)
        assert await a.try_acquire() is False
        assert await stored(meta) == ("b", clock.now() + TTL)

    run(scenario)


def test_a_late_renew_succeeds_when_no_one_took_it_over() -> None:
    async def scenario() -> None:
        _, clock, a, _ = pair()
        await a.try_acquire()
        clock.advance(TTL + 5)
        assert a.held is False
        assert await a.renew() is True
        assert a.held is True

    run(scenario)


def test_release_frees_it_at_once_and_a_stale_release_deletes_nothing() -> None:
    async def scenario() -> None:
        meta, clock, a, b = pair()
        await a.try_acquire()
        await a.release()
        assert (a.held, await stored(meta)) == (False, None)
        assert await b.try_acquire() is True
        await a.release()  # no longer the holder: a no-op
        assert await stored(meta) == ("b", clock.now() + TTL)
        clock.advance(TTL)
        c = Lease(meta, "job", "c", clock, TTL)
        assert await c.try_acquire() is True
        await b.release()  # taken over: b's version is gone, c's record stays
        assert await stored(meta) == ("c", clock.now() + TTL)

    run(scenario)


def test_the_holder_re_acquires_its_own_lease() -> None:
    async def scenario() -> None:
        meta, clock, a, _ = pair()
        await a.try_acquire()
        again = Lease(meta, "job", "a", clock, TTL)  # the same holder id, e.g. after a restart
        clock.advance(1)
        assert await again.try_acquire() is True
        assert await a.renew() is False  # the first handle's version is stale now

    run(scenario)


def test_leases_of_different_names_are_independent() -> None:
    async def scenario() -> None:
        meta, clock = MemoryMeta(), ManualClock()
        one, two = Lease(meta, "one", "a", clock), Lease(meta, "two", "b", clock)
        assert (await one.try_acquire(), await two.try_acquire()) == (True, True)

    run(scenario)
