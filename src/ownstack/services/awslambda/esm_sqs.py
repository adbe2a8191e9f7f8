"""The poller of an SQS event source mapping, as "Using Lambda with Amazon SQS" describes it.

Workers long-poll the queue (an idle mapping waits in the queue port's long poll and costs
nothing), gather a batch (up to BatchSize messages, waiting up to MaximumBatchingWindowInSeconds
for more once the first arrived, never over the 6 MB payload), delete the messages no filter
matches, and invoke the function synchronously. What succeeded is deleted; the rest stays in
flight until the queue's visibility timeout ends, so it is received again and, after the
queue's maxReceiveCount, moved to its dead-letter queue by its redrive policy. With
ReportBatchItemFailures, only the messages the function names in `batchItemFailures` stay.

Scaling: a worker that got a full batch starts another, up to ScalingConfig.MaximumConcurrency
(else DEFAULT_WORKERS) per process; a worker whose long poll found nothing ends, down to one.
FIFO queues keep their order by themselves: the queue hands out no message of a group while
another of that group is in flight.
"""

from __future__ import annotations

import asyncio
from typing import Any

from ownstack.core.errors import ServiceError
from ownstack.events.sources import QueueMessage, QueueSource, SourceGone

from .esm_events import (
    PAYLOAD_LIMIT,
    batch_response,
    filterable,
    payload,
    sqs_record,
    within_limit,
)
from .esm_filters import matcher
from .esm_poll import Invoke, backoff, finishing, log
from .esm_records import MappingRecord

LONG_POLL_S = 20.0
RECEIVE_MAX = 10
DEFAULT_WORKERS = 5
"""AWS starts an SQS mapping with five pollers."""
GONE_PAUSE_S = 5.0
"""How long a worker waits before looking again for a queue that is gone."""


class QueuePoller:
    def __init__(self, mapping: MappingRecord, source: QueueSource, invoke: Invoke) -> None:
        self.mapping = mapping
        self.source = source
        self.invoke = invoke
        self.keep = matcher(mapping.filters)
        self.limit = mapping.max_concurrency or DEFAULT_WORKERS
        self.workers: set[asyncio.Task[None]] = set()

    async def run(self) -> None:
        """Poll until cancelled."""
        self._spawn()
        try:
            await asyncio.Event().wait()
        finally:
            for task in list(self.workers):
                task.cancel()
            if self.workers:
                await asyncio.wait(list(self.workers))

    def _spawn(self) -> None:
        if len(self.workers) >= self.limit:
            return
        task = asyncio.get_running_loop().create_task(self._work(), name=f"esm:{self.mapping.uuid}")
        self.workers.add(task)
        task.add_done_callback(self.workers.discard)

    async def _work(self) -> None:
        fails = 0
        while True:
            try:
                batch = await self._gather()
                if not batch:
                    if len(self.workers) > 1:
                        return  # scale down: another worker keeps polling
                    continue
                if len(batch) >= min(self.mapping.batch_size, RECEIVE_MAX):
                    self._spawn()  # scale up: the queue has more than one worker takes
                await finishing(self._handle(batch))
                fails = 0
            except SourceGone:
                await asyncio.sleep(GONE_PAUSE_S)
            except Exception:
                fails += 1
                log.exception("event source mapping %s: polling failed", self.mapping.uuid)
                await asyncio.sleep(backoff(fails))

    async def _gather(self) -> list[QueueMessage]:
        """One batch: the first long poll, then more until the batch is full, the batching
        window has passed or the payload would be too large."""
        arn, size = self.mapping.source_arn, self.mapping.batch_size
        got = await self.source.receive(arn, max_messages=min(size, RECEIVE_MAX), wait=LONG_POLL_S)
        if not got or not self.mapping.window:
            return got
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.mapping.window
        total = sum(len(m.body) for m in got)
        while len(got) < size and total < PAYLOAD_LIMIT:
            remaining = deadline - loop.time()
            if remaining <= 0:
                break
            more = await self.source.receive(
                arn, max_messages=min(size - len(got), RECEIVE_MAX), wait=min(remaining, 20.0)
            )
            got += more
            total += sum(len(m.body) for m in more)
        return got

    async def _handle(self, batch: list[QueueMessage]) -> None:
        mapping = self.mapping
        records = [sqs_record(m, mapping.source_arn, mapping.region) for m in batch]
        passes = [self.keep(filterable(r)) for r in records]
        kept = [r for r, ok in zip(records, passes, strict=True) if ok]
        dropped = [r["receiptHandle"] for r, ok in zip(records, passes, strict=True) if not ok]
        if dropped:  # AWS deletes the messages no filter matches
            await self.source.delete(mapping.source_arn, dropped)
        for chunk in within_limit(kept):
            await self._invoke(chunk)

    async def _invoke(self, records: list[dict[str, Any]]) -> None:
        mapping = self.mapping
        try:
            invoked = await self.invoke(mapping, payload(records))
        except ServiceError as err:
            # Not run (throttled, function gone): the messages come back after their
            # visibility timeout, as on AWS.
            log.info("event source mapping %s: %s: %s", mapping.uuid, err.code, err.message)
            return
        if invoked.function_error:
            return
        done = records
        if mapping.reports_failures:
            answer = batch_response(invoked.payload, [r["messageId"] for r in records])
            if not answer.valid:
                return
            failed = set(answer.failed)
            done = [r for r in records if r["messageId"] not in failed]
        if done:
            await self.source.delete(mapping.source_arn, [r["receiptHandle"] for r in done])
