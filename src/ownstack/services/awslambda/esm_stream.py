"""The poller of a DynamoDB Streams event source mapping ("Using AWS Lambda with Amazon
DynamoDB").

Each shard is processed by exactly one process at a time, under a lease (ports/leases.py), in
order: the shard's worker reads from its checkpoint (POSITIONS, written durably after every
window of records is done with, so a restart or another process resumes there), waits up to
MaximumBatchingWindowInSeconds for a full batch, skips records no filter matches, and hands the
rest to ParallelizationFactor lanes by item key (one item's records stay in order in one lane).
A lane invokes the function batch by batch (esm_retry.py: retries, bisection, record age,
partial batch responses, OnFailure); the checkpoint moves once every lane is done.

An idle shard is read every IDLE_POLL_S (a read moves the table's outbox first, so a write is
seen within that time): the cost of an idle stream mapping is that read, in one process.
"""

from __future__ import annotations

import asyncio
import zlib
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any

from ownstack.core.clock import Clock
from ownstack.events.bus import Delivery
from ownstack.events.sources import SourceGone, StreamInfo, StreamRecord, StreamSource
from ownstack.ports.leases import Lease, run_renewed, try_acquire
from ownstack.ports.meta import MetaStore, Put

from .esm_events import filterable, stream_record
from .esm_filters import matcher
from .esm_poll import Invoke, Report, finishing, log
from .esm_records import POSITIONS, MappingRecord, PositionRecord, position_key
from .esm_retry import Lane, LeaseLost

IDLE_POLL_S = 0.02
ACQUIRE_S = 1.0
"""How often a process that does not hold a shard's lease tries to take it."""
MISSING_PAUSE_S = 5.0

Deliver = Callable[[Delivery], Awaitable[None]]


class StreamPoller:
    def __init__(
        self,
        mapping: MappingRecord,
        source: StreamSource,
        invoke: Invoke,
        deliver: Deliver,
        report: Report,
        meta: MetaStore,
        clock: Clock,
        holder_id: str,
    ) -> None:
        self.mapping = mapping
        self.source = source
        self.invoke = invoke
        self.deliver = deliver
        self.report = report
        self.meta = meta
        self.clock = clock
        self.holder_id = holder_id

    async def run(self) -> None:
        """Process every shard of the stream until cancelled."""
        while (info := await self._stream()) is None:
            await asyncio.sleep(MISSING_PAUSE_S)
        await together([ShardWorker(self, shard).run() for shard in info.shards])

    async def _stream(self) -> StreamInfo | None:
        try:
            return await self.source.stream(self.mapping.source_arn)
        except Exception:
            log.exception("event source mapping %s: the stream is unreadable", self.mapping.uuid)
            return None


class ShardWorker:
    def __init__(self, poller: StreamPoller, shard: str) -> None:
        self.poller = poller
        self.mapping = poller.mapping
        self.shard = shard
        self.keep = matcher(self.mapping.filters)
        name = f"lambda:esm:{self.mapping.uuid}:{shard}"
        self.lease = Lease(poller.meta, name, poller.holder_id, poller.clock)

    async def run(self) -> None:
        while True:
            if await try_acquire(self.lease):
                await run_renewed(self.lease, self._work)
            await asyncio.sleep(ACQUIRE_S)

    async def _work(self) -> None:
        """Process the shard from its checkpoint for as long as the lease is held."""
        try:
            after = await self._position()
            while self.lease.held:
                window = await self._gather(after)
                if not window:
                    await asyncio.sleep(IDLE_POLL_S)
                    continue
                await finishing(self._complete(window))
                after = window[-1].sequence
        except LeaseLost:
            return
        except SourceGone:
            await asyncio.sleep(MISSING_PAUSE_S)
        except Exception:
            log.exception("event source mapping %s: shard %s failed", self.mapping.uuid, self.shard)
            await asyncio.sleep(MISSING_PAUSE_S)

    async def _position(self) -> int:
        found = await self.poller.meta.get(POSITIONS, position_key(self.mapping.uuid, self.shard))
        if found is not None:
            return PositionRecord.decode(found.value).after
        if self.mapping.starting_position == "LATEST":
            return await self.poller.source.latest(self.mapping.source_arn, self.shard)
        return 0  # TRIM_HORIZON: the oldest record kept

    async def _complete(self, window: list[StreamRecord]) -> None:
        await self._process(window)
        await self._checkpoint(window[-1].sequence)

    async def _checkpoint(self, after: int) -> None:
        if not self.lease.held:
            raise LeaseLost
        key = position_key(self.mapping.uuid, self.shard)
        await self.poller.meta.commit([Put(POSITIONS, key, PositionRecord(after).encode())])

    async def _gather(self, after: int) -> list[StreamRecord]:
        """Up to BatchSize records per lane; once one is there, more for up to the batching
        window."""
        limit = self.mapping.batch_size * self.mapping.parallelization
        read = self.poller.source.read
        arn = self.mapping.source_arn
        got = await read(arn, self.shard, after=after, limit=limit)
        if not got or not self.mapping.window:
            return got
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.mapping.window
        while len(got) < limit and self.lease.held:
            remaining = deadline - loop.time()
            if remaining <= 0:
                break
            await asyncio.sleep(min(IDLE_POLL_S * 5, remaining))
            got += await read(arn, self.shard, after=got[-1].sequence, limit=limit - len(got))
        return got

    async def _process(self, window: list[StreamRecord]) -> None:
        arn = self.mapping.source_arn
        kept = [r for r in window if self.keep(filterable(stream_record(r, arn)))]
        lanes: list[list[StreamRecord]] = [[] for _ in range(self.mapping.parallelization)]
        for record in kept:
            lanes[zlib.crc32(record.partition.encode()) % len(lanes)].append(record)
        await together(
            [Lane(self.poller, self.shard, self.lease).run(records) for records in lanes if records]
        )


async def together(work: list[Coroutine[Any, Any, None]]) -> None:
    """Run `work` concurrently; the first failure (or a cancel) cancels the rest, and is
    raised as it is."""
    tasks = [asyncio.ensure_future(w) for w in work]
    try:
        await asyncio.gather(*tasks)
    finally:
        for task in tasks:
            task.cancel()
        if tasks:
            await asyncio.wait(tasks)
