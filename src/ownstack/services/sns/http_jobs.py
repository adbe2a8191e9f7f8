"""HTTP/S delivery jobs, kept in the metadata port from the moment a Publish (or a Subscribe's
confirmation) accepts them until they are delivered, refused or dead-lettered, so a restart
resumes them (from their first attempt: delivery is at-least-once, as on AWS).

Namespace HTTP_JOBS: key "<accepted at, microseconds, 20 digits>-<uuid>" -> JobRecord.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from ownstack.core.records import JsonRecord
from ownstack.events.bus import Delivery
from ownstack.ports.meta import Delete, MetaStore, Put

from .delivery_policy import RetryPolicy

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


@dataclass(slots=True)
class _Attribute:
    name: str
    data_type: str
    string: str | None = None
    binary: bytes | None = None


@dataclass(slots=True)
class _DeadLetter:
    target: str
    body: str
    attributes: list[_Attribute] = field(default_factory=list)
    group: str | None = None
    dedup_id: str | None = None


@dataclass(slots=True)
class JobRecord(JsonRecord):
    url: str
    body: str
    headers: list[tuple[str, str]]
    policy: RetryPolicy
    dead_letter: _DeadLetter | None = None


def _encode(job: HttpJob) -> bytes:
    dead = job.dead_letter
    record = JobRecord(
        url=job.url,
        body=job.body,
        headers=list(job.headers),
        policy=job.policy,
        dead_letter=None
        if dead is None
        else _DeadLetter(
            dead.target, dead.body, _attributes(dead.attributes), dead.group, dead.dedup_id
        ),
    )
    return record.encode()


def _attributes(attributes: Mapping[str, Mapping[str, Any]]) -> list[_Attribute]:
    return [
        _Attribute(name, a["DataType"], a.get("StringValue"), a.get("BinaryValue"))
        for name, a in attributes.items()
    ]


def _decode(key: str, raw: bytes) -> HttpJob:
    record = JobRecord.decode(raw)
    dead = record.dead_letter
    delivery = None
    if dead is not None:
        attributes = {
            a.name: {"DataType": a.data_type}
            | ({"StringValue": a.string} if a.binary is None else {"BinaryValue": a.binary})
            for a in dead.attributes
        }
        delivery = Delivery(dead.target, dead.body, attributes, dead.group, dead.dedup_id)
    headers = tuple((name, value) for name, value in record.headers)
    return HttpJob(record.url, record.body, headers, record.policy, delivery, key)


class JobStore:
    def __init__(self, meta: MetaStore) -> None:
        self._meta = meta

    async def save(self, jobs: Sequence[HttpJob]) -> list[HttpJob]:
        """The jobs, durably recorded in one commit, each now carrying its key."""
        stamp = f"{time.time_ns() // 1000:020d}"
        keyed = [_with_key(job, f"{stamp}-{uuid.uuid4().hex}") for job in jobs]
        await self._meta.commit([Put(HTTP_JOBS, job.key, _encode(job)) for job in keyed])
        return keyed

    async def done(self, job: HttpJob) -> None:
        await self._meta.commit([Delete(HTTP_JOBS, job.key)])

    async def pending(self) -> list[HttpJob]:
        jobs: list[HttpJob] = []
        cursor = ""
        while page := await self._meta.scan(HTTP_JOBS, start=cursor, limit=_PAGE):
            jobs += [_decode(r.key, r.value) for r in page]
            cursor = page[-1].key + "\x00"
        return jobs


def _with_key(job: HttpJob, key: str) -> HttpJob:
    return HttpJob(job.url, job.body, job.headers, job.policy, job.dead_letter, key)
