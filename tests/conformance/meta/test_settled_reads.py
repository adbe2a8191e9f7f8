"""SettledReads: bucket and queue records answered from memory for a moment on a shared store;
its own writes seen at once, absence never remembered, other namespaces never cached."""

from __future__ import annotations

from conformance.kit import run
from ownstack.backends.memory.meta import MemoryMeta
from ownstack.core.clock import ManualClock
from ownstack.ports.meta import Delete, Put
from ownstack.ports.settled_reads import SettledReads

TTL = 1.0


def _setup() -> tuple[MemoryMeta, SettledReads, ManualClock]:
    shared = MemoryMeta()
    clock = ManualClock(1_000.0)
    return shared, SettledReads(shared, {"buckets": TTL}, clock), clock


def test_a_change_elsewhere_is_seen_within_the_ttl() -> None:
    shared, settled, clock = _setup()

    async def go() -> None:
        await shared.commit([Put("buckets", "b", b"v1")])
        assert (await settled.get("buckets", "b")).value == b"v1"  # type: ignore[union-attr]
        await shared.commit([Put("buckets", "b", b"v2")])  # another process's write
        assert (await settled.get("buckets", "b")).value == b"v1"  # type: ignore[union-attr]
        clock.advance(TTL + 0.01)
        assert (await settled.get("buckets", "b")).value == b"v2"  # type: ignore[union-attr]

    run(go())


def test_own_writes_and_absence_are_never_stale() -> None:
    shared, settled, _ = _setup()

    async def go() -> None:
        assert await settled.get("buckets", "new") is None
        await shared.commit([Put("buckets", "new", b"made elsewhere")])
        assert (await settled.get("buckets", "new")).value == b"made elsewhere"  # type: ignore[union-attr]
        await settled.commit([Put("buckets", "new", b"mine")])
        assert (await settled.get("buckets", "new")).value == b"mine"  # type: ignore[union-attr]
        await settled.replace("buckets", "new", b"replaced")
        assert (await settled.get("buckets", "new")).value == b"replaced"  # type: ignore[union-attr]
        await settled.commit([Delete("buckets", "new")])
        assert await settled.get("buckets", "new") is None

    run(go())


def test_other_namespaces_always_read_the_store() -> None:
    shared, settled, _ = _setup()

    async def go() -> None:
        await shared.commit([Put("objects", "k", b"v1")])
        assert (await settled.get("objects", "k")).value == b"v1"  # type: ignore[union-attr]
        await shared.commit([Put("objects", "k", b"v2")])
        assert (await settled.get("objects", "k")).value == b"v2"  # type: ignore[union-attr]

    run(go())
