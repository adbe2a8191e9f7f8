"""One lane of a stream mapping's shard: its records invoked batch by batch, in order, with the
error handling AWS documents for stream sources:

- a batch the function fails (an error, or with ReportBatchItemFailures the records from the
  lowest reported sequence number on) is retried, with back-off, until MaximumRetryAttempts
  retries (-1: until the records expire); with BisectBatchOnFunctionError a failed batch is
  split in two and each half is tried on its own ("splitting batches doesn't consume the retry
  quota");
- records older than MaximumRecordAgeInSeconds are not sent any more;
- a function that could not run (throttled, gone, not Active) is tried again, with back-off,
  without counting retries;
- what is given up on goes to the OnFailure destination as AWS's invocation record
  (condition RetryAttemptsExhausted or RecordAgeExceeded), and processing moves on.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Sequence
from typing import TYPE_CHECKING

from ownstack.core.errors import ServiceError
from ownstack.events.bus import Delivery, DeliveryFailed
from ownstack.events.sources import StreamRecord
from ownstack.ports.leases import Lease

from .esm_events import (
    Failure,
    batch_response,
    on_failure_record,
    payload,
    stream_record,
    within_limit,
)
from .esm_poll import FUNCTION_FAILED, OK, Invoked, backoff, log

if TYPE_CHECKING:
    from .esm_stream import StreamPoller

STREAM_RETENTION_S = 24 * 3600.0
"""DynamoDB Streams keeps records 24 hours: with MaximumRecordAgeInSeconds -1, older records
are gone from the stream and are not retried any more."""
RETRIES_EXHAUSTED = "RetryAttemptsExhausted"
AGE_EXCEEDED = "RecordAgeExceeded"


class LeaseLost(Exception):
    """The shard's lease was lost: another process owns the shard now."""


class Lane:
    def __init__(self, poller: StreamPoller, shard: str, lease: Lease) -> None:
        self.poller = poller
        self.mapping = poller.mapping
        self.shard = shard
        self.lease = lease

    async def run(self, records: Sequence[StreamRecord]) -> None:
        for start in range(0, len(records), self.mapping.batch_size):
            batch = list(records[start : start + self.mapping.batch_size])
            for chunk in self._fitting(batch):
                await self._deliver(chunk, 0)

    def _fitting(self, batch: list[StreamRecord]) -> list[list[StreamRecord]]:
        """The batch in pieces of at most 6 MB of event."""
        arn = self.mapping.source_arn
        events = [stream_record(r, arn) for r in batch]
        pieces = within_limit(events)
        out: list[list[StreamRecord]] = []
        start = 0
        for piece in pieces:
            out.append(batch[start : start + len(piece)])
            start += len(piece)
        return out

    async def _deliver(self, records: list[StreamRecord], retries: int) -> None:
        invokes = throttles = 0
        last: Invoked | None = None
        while True:
            if not self.lease.held:
                raise LeaseLost
            records, old = self._split_old(records)
            if old:
                await self._discard(old, AGE_EXCEEDED, last, invokes)
            if not records:
                return
            try:
                last = await self.poller.invoke(self.mapping, self._payload(records))
            except ServiceError as err:
                throttles += 1
                await self.poller.report(self.mapping, f"PROBLEM: {err.message}")
                await asyncio.sleep(backoff(throttles))
                continue
            invokes += 1
            failed_at = self._failed_at(last, records)
            if failed_at is None:
                await self.poller.report(self.mapping, OK)
                return
            await self.poller.report(self.mapping, FUNCTION_FAILED)
            if failed_at > 0:
                records = records[failed_at:]
            elif self.mapping.bisect and len(records) > 1:
                half = len(records) // 2
                await self._deliver(records[:half], retries)
                await self._deliver(records[half:], retries)
                return
            if self.mapping.max_retries != -1 and retries >= self.mapping.max_retries:
                await self._discard(records, RETRIES_EXHAUSTED, last, invokes)
                return
            retries += 1
            await asyncio.sleep(backoff(retries))

    def _payload(self, records: list[StreamRecord]) -> bytes:
        return payload([stream_record(r, self.mapping.source_arn) for r in records])

    def _split_old(
        self, records: list[StreamRecord]
    ) -> tuple[list[StreamRecord], list[StreamRecord]]:
        """(records still young enough, records too old to send)."""
        limit = self.mapping.max_age if self.mapping.max_age != -1 else STREAM_RETENTION_S
        oldest = self.poller.clock.now() - limit
        young = [r for r in records if r.created >= oldest]
        if len(young) == len(records):
            return records, []
        return young, [r for r in records if r.created < oldest]

    def _failed_at(self, invoked: Invoked, records: list[StreamRecord]) -> int | None:
        """Where the batch failed (0: all of it), None when it succeeded."""
        if invoked.function_error:
            return 0
        if not self.mapping.reports_failures:
            return None
        numbers = [r.record["dynamodb"]["SequenceNumber"] for r in records]
        answer = batch_response(invoked.payload, numbers)
        if not answer.valid:
            return 0
        if not answer.failed:
            return None
        return min(numbers.index(n) for n in answer.failed)

    async def _discard(
        self, records: list[StreamRecord], condition: str, last: Invoked | None, invokes: int
    ) -> None:
        mapping = self.mapping
        log.info(
            "event source mapping %s: %d record(s) of %s discarded (%s)",
            mapping.uuid,
            len(records),
            self.shard,
            condition,
        )
        if not mapping.on_failure:
            return
        failure = Failure(
            request_id=last.request_id if last else str(uuid.uuid4()),
            function_arn=mapping.function_arn,
            condition=condition,
            invokes=invokes,
            function_error=last.function_error if last else None,
            executed_version=last.version if last else "",
            status=200,
        )
        now = self.poller.clock.now()
        body = on_failure_record(failure, records, self.shard, mapping.source_arn, now)
        try:
            await self.poller.deliver(Delivery(target=mapping.on_failure, body=body))
        except DeliveryFailed as err:
            log.warning("event source mapping %s: OnFailure: %s", mapping.uuid, err)
