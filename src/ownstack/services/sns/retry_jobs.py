"""Deliveries to AWS-managed endpoints (Lambda functions, SQS queues) waiting for a retry, kept
in the metadata port from the Publish whose first attempt failed server-side until they are
made, refused or dead-lettered, so that a restarted (or another) process makes them.

Namespace RETRY_JOBS: key "<due at, microseconds, 20 digits>-<uuid>" -> RetryRecord, so the
jobs due now are one range scan. A retry that fails again is moved to the key of its next due
time in one commit; each write expects the version last read, so two processes never both
finish (or move) one job."""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from ownstack.core.records import JsonRecord
from ownstack.events.bus import Delivery
from ownstack.ports.errors import ConditionFailed
from ownstack.ports.meta import Delete, MetaStore, Put

from .stored_delivery import StoredDelivery, restore, store

RETRY_JOBS = "sns:retry"
_WIDTH = 20


@dataclass(frozen=True, slots=True)
class RetryJob:
    subscription: str
    """The subscription's ARN: a job whose subscription is gone is dropped, not retried."""
    delivery: Delivery
    dead_letter: Delivery | None
    """What goes to the subscription's dead-letter queue when the policy is exhausted."""
    attempts: int = 1
    """Attempts made so far."""
    key: str = ""
    version: int = 0


@dataclass(slots=True)
class RetryRecord(JsonRecord):
    subscription: str
    delivery: StoredDelivery
    dead_letter: StoredDelivery | None = None
    attempts: int = 1


def due_key(due: float) -> str:
    return f"{int(due * 1_000_000):0{_WIDTH}d}-{uuid.uuid4().hex}"


def due_at(key: str) -> float:
    return int(key[:_WIDTH]) / 1_000_000


def _encode(job: RetryJob) -> bytes:
    dead = None if job.dead_letter is None else store(job.dead_letter)
    return RetryRecord(job.subscription, store(job.delivery), dead, job.attempts).encode()


def _decode(key: str, raw: bytes, version: int) -> RetryJob:
    record = RetryRecord.decode(raw)
    dead = None if record.dead_letter is None else restore(record.dead_letter)
    return RetryJob(
        record.subscription, restore(record.delivery), dead, record.attempts, key, version
    )


class RetryStore:
    def __init__(self, meta: MetaStore) -> None:
        self._meta = meta

    async def add(self, jobs: Sequence[tuple[RetryJob, float]]) -> None:
        """Record each (job, due time), durably, in one commit."""
        if jobs:
            await self._meta.commit([Put(RETRY_JOBS, due_key(d), _encode(j)) for j, d in jobs])

    async def due(self, now: float, limit: int) -> list[RetryJob]:
        """The jobs due at `now`, earliest first, at most `limit`."""
        end = f"{int(now * 1_000_000) + 1:0{_WIDTH}d}"
        page = await self._meta.scan(RETRY_JOBS, end=end, limit=limit)
        return [_decode(r.key, r.value, r.version) for r in page]

    async def next_due(self) -> float | None:
        """When the earliest job is due (None: no job waits)."""
        page = await self._meta.scan(RETRY_JOBS, limit=1)
        return due_at(page[0].key) if page else None

    async def done(self, job: RetryJob) -> None:
        """Forget a finished job, unless another process finished or moved it meanwhile."""
        with contextlib.suppress(ConditionFailed):
            await self._meta.commit([Delete(RETRY_JOBS, job.key, expect=job.version)])

    async def reschedule(self, job: RetryJob, attempts: int, due: float) -> None:
        """Move `job`, with `attempts` made, to its next due time."""
        moved = RetryJob(job.subscription, job.delivery, job.dead_letter, attempts)
        with contextlib.suppress(ConditionFailed):
            await self._meta.commit(
                [
                    Delete(RETRY_JOBS, job.key, expect=job.version),
                    Put(RETRY_JOBS, due_key(due), _encode(moved)),
                ]
            )
