"""S3's bucket-deletion markers on a meta store N processes share (services/s3/deletions.py):
a start clears only the markers whose maker is provably gone. Each "process" is an S3Service
with its own view of one MemoryMeta and its own liveness lease; a ManualClock says when a dead
one's lease has expired. A view can pause a process at one call (a DeleteBucket between its
marker and its emptiness scan, a PutObject just before its commit) or kill it there."""

from __future__ import annotations

import asyncio
import random
from collections.abc import Callable
from typing import Any

import pytest

from leasekit import DyingMeta
from ownstack.backends.memory import MemoryBlobs, MemoryMeta
from ownstack.core.clock import ManualClock
from ownstack.core.context import Principal, RequestContext
from ownstack.core.errors import ServiceError
from ownstack.core.http import BytesBody
from ownstack.ports.leases import DEFAULT_TTL_S, Lease
from ownstack.ports.meta import Check, Put, Record
from ownstack.services.s3.base import S3Limits
from ownstack.services.s3.deletions import (
    BUCKET_DELETIONS,
    TOMBSTONE_AGE_S,
    DeletionMarker,
    process_lease_name,
)
from ownstack.services.s3.records import objects_ns
from ownstack.services.s3.service import S3Service

ACCOUNT = "123456789012"
CTX = RequestContext(
    request_id="t",
    account_id=ACCOUNT,
    region="us-east-1",
    principal=Principal(ACCOUNT, f"arn:aws:iam::{ACCOUNT}:root", ACCOUNT, "AKIAEXAMPLE"),
    host="localhost:9000",
)
T0 = 1_700_000_000.0
LIMITS = S3Limits(inline_max=64, min_part_size=5)
ABORTED = (
    "OperationAborted",
    "A conflicting conditional operation is currently in progress against this resource."
    " Please try again.",
    409,
)
NO_SUCH_BUCKET = ("NoSuchBucket", "The specified bucket does not exist", 404)


class PausingMeta(DyingMeta):
    """DyingMeta that can hold one call: `pause(method, ns)` returns once armed; the next
    `method` call on `ns` sets `reached` and waits for `resume()`. `jitter` makes every call
    yield to the event loop a random number of times first (random interleavings)."""

    def __init__(self, shared: MemoryMeta, jitter: random.Random | None = None) -> None:
        super().__init__(shared)
        self._at: tuple[str, str] | None = None
        self.reached = asyncio.Event()
        self._go = asyncio.Event()
        self._jitter = jitter

    def pause(self, method: str, ns: str) -> None:
        self._at, self.reached, self._go = (method, ns), asyncio.Event(), asyncio.Event()

    def resume(self) -> None:
        self._go.set()

    async def _hold(self, method: str, ns: str) -> None:
        if self._jitter is not None:
            for _ in range(self._jitter.randrange(4)):
                await asyncio.sleep(0)
        if self._at == (method, ns):
            self._at = None
            self.reached.set()
            await self._go.wait()

    async def get(self, ns: str, key: str) -> Record | None:
        await self._hold("get", ns)
        return await super().get(ns, key)

    async def scan(self, ns: str, **kwargs: Any) -> list[Record]:
        await self._hold("scan", ns)
        return await super().scan(ns, **kwargs)

    async def replace(
        self, ns: str, key: str, value: bytes, *, guard: Check | None = None
    ) -> tuple[int, Record | None]:
        await self._hold("replace", ns)
        return await super().replace(ns, key, value, guard=guard)


class Process:
    """One ownstack process as S3 sees it: its service, its view of the store, its lease."""

    def __init__(
        self, name: str, shared: MemoryMeta, blobs: MemoryBlobs, clock: ManualClock, **kw: Any
    ) -> None:
        self.name = name
        self.meta = PausingMeta(shared, **kw)
        self.svc = S3Service(self.meta, blobs, clock, LIMITS)
        self.svc.process_id = name
        self.lease = Lease(self.meta, process_lease_name(name), name, clock)

    async def start(self) -> int:
        """What app.py's start does on a shared meta store: hold the liveness lease, then clear
        the markers of gone processes."""
        assert await self.lease.try_acquire()
        return await self.svc.clear_bucket_deletion_markers(shared_meta=True)

    async def call(self, op: str, **params: Any) -> dict[str, Any]:
        result: dict[str, Any] = await getattr(self.svc, op)(CTX, {"Bucket": "bkt", **params})
        return result

    async def put(self, key: str, data: bytes) -> None:
        await self.call("put_object", Key=key, Body=BytesBody(data))

    async def read(self, key: str) -> bytes:
        body = (await self.call("get_object", Key=key))["Body"]
        return body if isinstance(body, bytes) else b"".join(body)


class Cluster:
    def __init__(self) -> None:
        self.clock = ManualClock(T0)
        self.shared = MemoryMeta()
        self.blobs = MemoryBlobs(self.clock)
        self.tasks: list[asyncio.Task[Any]] = []
        self.processes: list[Process] = []

    def process(self, name: str, **kw: Any) -> Process:
        p = Process(name, self.shared, self.blobs, self.clock, **kw)
        self.processes.append(p)
        return p

    async def marker(self, bucket_id: str) -> DeletionMarker | None:
        found = await self.shared.get(BUCKET_DELETIONS, bucket_id)
        return None if found is None else DeletionMarker.decode(found.value)

    async def bucket_id(self, p: Process) -> str:
        return str((await p.svc.bucket(CTX, "bkt")).id)

    async def deletion_paused_after_marking(self, p: Process) -> asyncio.Task[Any]:
        """p's DeleteBucket of "bkt", held between its marker and its emptiness scan."""
        p.meta.pause("scan", objects_ns(await self.bucket_id(p)))
        task = asyncio.ensure_future(p.call("delete_bucket"))
        self.tasks.append(task)
        await p.meta.reached.wait()
        return task

    async def put_paused_before_commit(self, p: Process, key: str) -> asyncio.Task[Any]:
        """p's PutObject, having looked the bucket up, held just before its commit."""
        p.meta.pause("replace", objects_ns(await self.bucket_id(p)))
        task = asyncio.ensure_future(p.put(key, b"late bytes"))
        self.tasks.append(task)
        await p.meta.reached.wait()
        return task

    async def finish(self) -> None:
        for task in self.tasks:
            task.cancel()
        for p in self.processes:  # a cancelled DeleteBucket still unmarks: let it end
            p.meta.revive()
            p.meta.resume()
        await asyncio.gather(*self.tasks, return_exceptions=True)


def error_of(exc: pytest.ExceptionInfo[ServiceError]) -> tuple[str, str, int]:
    return exc.value.code, exc.value.message, exc.value.status


def run(scenario: Callable[[Cluster], Any]) -> None:
    async def main() -> None:
        cluster = Cluster()
        try:
            await scenario(cluster)
        finally:
            await cluster.finish()

    asyncio.run(main())


def test_a_live_process_deletion_marker_survives_another_start() -> None:
    async def scenario(c: Cluster) -> None:
        a, b = c.process("a"), c.process("b")
        assert await a.start() == 0
        await a.call("create_bucket")
        bucket_id = await c.bucket_id(a)
        deleting = await c.deletion_paused_after_marking(a)
        assert await c.marker(bucket_id) == DeletionMarker("a", T0, "bkt")

        assert await b.start() == 0  # a is alive: its marker stays
        assert await c.marker(bucket_id) == DeletionMarker("a", T0, "bkt")
        with pytest.raises(ServiceError) as refused:
            await b.put("k", b"data")
        assert error_of(refused) == ABORTED

        a.meta.resume()
        assert await deleting == {}
        with pytest.raises(ServiceError) as gone:
            await b.put("k", b"data")
        assert error_of(gone) == NO_SUCH_BUCKET

    run(scenario)


def test_a_dead_process_marker_is_cleared_at_the_first_start_after_its_lease_expired() -> None:
    async def scenario(c: Cluster) -> None:
        a = c.process("a")
        await a.start()
        await a.call("create_bucket")
        bucket_id = await c.bucket_id(a)
        await c.deletion_paused_after_marking(a)
        a.meta.die()  # SIGKILL mid-DeleteBucket: never renews, never finishes
        a.meta.resume()

        c.clock.advance(DEFAULT_TTL_S - 1)  # its lease has not expired yet
        b = c.process("b")
        assert await b.start() == 0
        with pytest.raises(ServiceError) as refused:
            await b.put("k", b"data")
        assert error_of(refused) == ABORTED

        c.clock.advance(1)  # now it has: a is provably gone
        late = c.process("c")
        assert await late.start() == 1
        assert await c.marker(bucket_id) is None
        await b.put("k", b"data")  # the bucket takes writes again
        assert await b.read("k") == b"data"
        assert await late.read("k") == b"data"

    run(scenario)


def test_a_dead_process_tombstone_stays_for_the_late_writes_of_others() -> None:
    """A bucket deleted by a process that then died: its tombstone still fails a PutObject
    that looked the bucket up before the delete, until TOMBSTONE_AGE_S have passed."""

    async def scenario(c: Cluster) -> None:
        a, b = c.process("a"), c.process("b")
        await a.start()
        await b.start()
        await a.call("create_bucket")
        bucket_id = await c.bucket_id(a)
        late_put = await c.put_paused_before_commit(b, "late")
        assert await a.call("delete_bucket") == {}  # b's object is not committed: empty
        a.meta.die()

        c.clock.advance(DEFAULT_TTL_S + 1)
        assert await b.lease.renew()  # b lives on; a's lease has expired
        assert await c.process("c").start() == 0  # a tombstone, not old enough
        assert await c.marker(bucket_id) == DeletionMarker("a", T0, "bkt")
        b.meta.resume()
        with pytest.raises(ServiceError) as refused:
            await late_put
        assert error_of(refused) == NO_SUCH_BUCKET  # never acknowledged, so never lost

        c.clock.advance(TOMBSTONE_AGE_S - DEFAULT_TTL_S - 2)
        assert await c.process("d").start() == 0  # one second short
        c.clock.advance(1)
        assert await c.process("e").start() == 1
        assert await c.marker(bucket_id) is None

    run(scenario)


def test_a_live_process_tombstone_stays_however_old() -> None:
    async def scenario(c: Cluster) -> None:
        a = c.process("a")
        await a.start()
        await a.call("create_bucket")
        bucket_id = await c.bucket_id(a)
        assert await a.call("delete_bucket") == {}
        for _ in range(int(TOMBSTONE_AGE_S / DEFAULT_TTL_S) + 2):  # a renews all along
            c.clock.advance(DEFAULT_TTL_S / 2)
            assert await a.lease.renew()
        assert await c.process("b").start() == 0
        assert await c.marker(bucket_id) == DeletionMarker("a", T0, "bkt")

    run(scenario)


def test_a_cleanly_stopped_process_marker_of_an_interrupted_deletion_goes_at_once() -> None:
    """A released lease (clean stop) is as gone as an expired one."""

    async def scenario(c: Cluster) -> None:
        a = c.process("a")
        await a.start()
        await a.call("create_bucket")
        bucket_id = await c.bucket_id(a)
        await c.shared.commit(
            [Put(BUCKET_DELETIONS, bucket_id, DeletionMarker("a", T0, "bkt").encode())]
        )
        await a.lease.release()
        assert await c.process("b").start() == 1
        assert await c.marker(bucket_id) is None

    run(scenario)


def test_an_unknown_maker_marker_is_dated_when_first_seen_and_cleared_a_day_later() -> None:
    """Markers written before markers named their maker (an empty value): on a shared store
    nothing says the maker is gone, so the marker is kept for TOMBSTONE_AGE_S from first sight."""

    async def scenario(c: Cluster) -> None:
        a = c.process("a")
        await a.start()
        await a.call("create_bucket")
        bucket_id = await c.bucket_id(a)
        await c.shared.commit([Put(BUCKET_DELETIONS, bucket_id, b"")])
        c.clock.advance(10)
        assert await c.process("b").start() == 0
        assert await c.marker(bucket_id) == DeletionMarker("", T0 + 10, "")
        c.clock.advance(TOMBSTONE_AGE_S - 1)
        assert await c.process("c").start() == 0
        c.clock.advance(1)
        assert await c.process("d").start() == 1
        await a.put("k", b"data")
        assert await a.read("k") == b"data"

    run(scenario)


def test_an_exclusive_meta_store_start_clears_every_marker() -> None:
    """Today's behaviour, unchanged: one process owns the store, so nothing of another's can
    still be running (even a marker naming a holder with a live-looking lease goes)."""

    async def scenario(c: Cluster) -> None:
        a = c.process("a")
        await a.start()
        for bucket_id, value in [
            ("legacy", b""),
            ("live", DeletionMarker("a", T0, "bkt").encode()),
            ("young", DeletionMarker("gone", T0, "x").encode()),
        ]:
            await c.shared.commit([Put(BUCKET_DELETIONS, bucket_id, value)])
        assert await c.process("b").svc.clear_bucket_deletion_markers() == 3
        assert await c.shared.scan(BUCKET_DELETIONS) == []

    run(scenario)


@pytest.mark.parametrize("seed", range(40))
def test_a_put_racing_a_delete_bucket_across_processes_is_never_acknowledged_then_lost(
    seed: int,
) -> None:
    """A's DeleteBucket, B's PutObject and C's start run concurrently, every store call of
    each yielding a random number of times first. Whichever wins, an acknowledged put is
    readable afterwards, and the bucket is gone only if the put failed."""

    async def scenario(c: Cluster) -> None:
        rng = random.Random(seed)
        a, b = c.process("a", jitter=rng), c.process("b", jitter=rng)
        late = c.process("c", jitter=rng)
        await a.start()
        await b.start()
        await a.call("create_bucket")
        deleted, put, started = await asyncio.gather(
            a.call("delete_bucket"), b.put("k", b"data"), late.start(), return_exceptions=True
        )
        if isinstance(put, ServiceError):
            assert (put.code, put.status) in {("OperationAborted", 409), ("NoSuchBucket", 404)}
            assert deleted == {}
        else:
            assert put is None
            assert isinstance(deleted, ServiceError) and deleted.code == "BucketNotEmpty"
            assert await late.read("k") == b"data"
        assert started == 0  # a, live, keeps its marker (and there is no other)

    run(scenario)
