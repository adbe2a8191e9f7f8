"""HTTP/S delivery jobs, kept in the metadata port from the moment a Publish (or a Subscribe's
confirmation) accepts them until they are delivered, refused or dead-lettered, so another
process (or the next run) takes over what a dead one left unfinished.

Namespace HTTP_JOBS: key "<accepted at, microseconds, 20 digits>-<uuid>" -> JobRecord.

Each record names its `owner`: the liveness lease (ports/leases.py) of the dispatcher that
delivers it, written in the same commit that accepts the job. Every later write (the retry
state after a failed attempt, the delete when it is finished, a takeover) is conditional on the
version last read, so exactly one dispatcher works on a job at a time: one that was taken over
finds out at its next write and stops.
"""

from __future__ import annotations

import contextlib
import time
import uuid
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, replace

from ownstack.core.records import JsonRecord
from ownstack.events.bus import Delivery
from ownstack.ports.errors import ConditionFailed
from ownstack.ports.meta import Delete, MetaStore, Put

from .delivery_policy import RetryPolicy
from .stored_delivery import StoredDelivery, restore, store

HTTP_JOBS = "sns:http"
_PAGE = 1000


@dataclass(frozen=True, slots=True)
class HttpJob:
    url: str
    body: str
    headers: tuple[tuple[str, str], ...]
    policy: RetryPolicy
    dead_letter: Delivery | None = None
    """What goes to the dead-letter queue when every attempt failed (None: dropped)."""
    key: str = ""
    """The job's record key, once accepted."""
    owner: str = ""
    """The liveness lease of the dispatcher delivering it ("": none, claimable at once)."""
    attempts: int = 0
    """Attempts already made (by whichever dispatcher): where its retry schedule resumes."""
    version: int = 0
    """The record's version as last read or written (what the next write is conditional on)."""


@dataclass(slots=True)
class JobRecord(JsonRecord):
    url: str
    body: str
    headers: list[tuple[str, str]]
    policy: RetryPolicy
    dead_letter: StoredDelivery | None = None
    owner: str = ""
    attempts: int = 0


def _encode(job: HttpJob) -> bytes:
    record = JobRecord(
        url=job.url,
        body=job.body,
        headers=list(job.headers),
        policy=job.policy,
        dead_letter=None if job.dead_letter is None else store(job.dead_letter),
        owner=job.owner,
        attempts=job.attempts,
    )
    return record.encode()


def _decode(key: str, raw: bytes, version: int) -> HttpJob:
    record = JobRecord.decode(raw)
    dead = record.dead_letter
    headers = tuple((name, value) for name, value in record.headers)
    return HttpJob(
        record.url,
        record.body,
        headers,
        record.policy,
        None if dead is None else restore(dead),
        key,
        record.owner,
        record.attempts,
        version,
    )


class JobStore:
    def __init__(self, meta: MetaStore) -> None:
        self._meta = meta

    async def save(self, jobs: Sequence[HttpJob], owner: str) -> list[HttpJob]:
        """The jobs, durably recorded as `owner`'s in one commit, each now carrying its key and
        version."""
        stamp = f"{time.time_ns() // 1000:020d}"
        keyed = [replace(job, key=f"{stamp}-{uuid.uuid4().hex}", owner=owner) for job in jobs]
        version = await self._meta.commit([Put(HTTP_JOBS, j.key, _encode(j)) for j in keyed])
        return [replace(job, version=version) for job in keyed]

    async def rewrite(self, job: HttpJob) -> HttpJob | None:
        """`job` as given (its owner, its attempts) written over the version it was read at;
        None when the record changed meanwhile (taken over) or is gone (finished)."""
        try:
            version = await self._meta.commit(
                [Put(HTTP_JOBS, job.key, _encode(job), expect=job.version)]
            )
        except ConditionFailed:
            return None
        return replace(job, version=version)

    async def done(self, job: HttpJob) -> None:
        """Forget a finished job, unless another dispatcher has taken it over meanwhile."""
        with contextlib.suppress(ConditionFailed):
            await self._meta.commit([Delete(HTTP_JOBS, job.key, expect=job.version)])

    async def pending(self) -> AsyncIterator[HttpJob]:
        cursor = ""
        while page := await self._meta.scan(HTTP_JOBS, start=cursor, limit=_PAGE):
            for record in page:
                yield _decode(record.key, record.value, record.version)
            cursor = page[-1].key + "\x00"
