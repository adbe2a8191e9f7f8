"""State and lookups every SQS operation module shares. The operation modules are mixins over
`SqsBase`; `SqsService` (service.py) composes them."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Awaitable, Callable

from ownstack.core.access import ResourceFacts
from ownstack.core.clock import Clock
from ownstack.core.context import RequestContext
from ownstack.ports.errors import ConditionFailed
from ownstack.ports.meta import MetaStore, Put, prefix_end
from ownstack.ports.queues import NewMessage, QueueStore

from .draining import Drain
from .encryption import MessageSealer, encrypts
from .errors import access_denied, queue_does_not_exist
from .records import (
    QUEUES,
    QueueRecord,
    parse_queue_arn,
    parse_queue_url,
    queue_key,
    valid_queue_name,
)

Change = Callable[[QueueRecord], Awaitable[None]]
UPDATE_ATTEMPTS = 5
SCAN_PAGE = 500
IDS = "sqs:ids"
"""The queue engine's id -> the queue's key in QUEUES (to name a message's DLQ source)."""


class SqsBase:
    def __init__(self, meta: MetaStore, queues: QueueStore, clock: Clock, region: str) -> None:
        self.meta = meta
        self.queues = queues
        self.clock = clock
        self.region = region
        self.drain = Drain()
        """Set when the server stops: long polls end (draining.py)."""
        self.source_arns: dict[str, str] = {}
        """Engine queue id -> queue ARN, for DeadLetterQueueSourceArn (ids never change)."""
        self.movers: dict[str, asyncio.Task[None]] = {}
        """Message move tasks running in this process, by task key."""
        self.sealer = MessageSealer(meta)
        """Server-side encryption of message bodies and attributes (encryption.py)."""

    async def queue(self, ctx: RequestContext, url: str) -> QueueRecord:
        """The queue a QueueUrl names, in the caller's region. Raises AccessDenied (another
        account's queue) or QueueDoesNotExist (also for a URL that names no queue)."""
        account_id, name = locate(ctx, url)
        if not ctx.may_use(account_id):
            raise access_denied(url)
        found = await self.find(ctx.region, account_id, name)
        if found is None:
            raise queue_does_not_exist()
        return found

    async def message_sealer(self) -> MessageSealer:
        """The sealer, its key loaded (created on first use in a new data dir)."""
        if not self.sealer.ready:
            await self.sealer.open()
        return self.sealer

    async def seal(self, queue: QueueRecord, messages: list[NewMessage]) -> list[NewMessage]:
        """`messages` as the queue engine is to keep them: encrypted when the queue has SSE.
        Raises KMS.NotFoundException for a KMS key ownstack cannot honour."""
        if not encrypts(queue.attributes, queue.region, queue.account_id):
            return messages
        sealer = await self.message_sealer()
        return [
            NewMessage(
                sealer.seal_body(m.body),
                sealer.seal_attributes(m.attributes),
                m.delay,
                m.group,
                m.dedup_id,
            )
            for m in messages
        ]

    async def update(self, ctx: RequestContext, url: str, change: Change) -> QueueRecord:
        """Read the queue, let `change` modify the record (it may raise), write it back if no
        one else did meanwhile (else start over). Returns the record as written."""
        for _ in range(UPDATE_ATTEMPTS):
            account_id, name = locate(ctx, url)
            if not ctx.may_use(account_id):
                raise access_denied(url)
            key = queue_key(ctx.region, account_id, name)
            current = await self.meta.get(QUEUES, key)
            if current is None:
                raise queue_does_not_exist()
            queue = QueueRecord.decode(current.value)
            await change(queue)
            try:
                await self.meta.commit([Put(QUEUES, key, queue.encode(), expect=current.version)])
                return queue
            except ConditionFailed:
                continue
        raise ConditionFailed(0, url)

    async def find(self, region: str, account_id: str, name: str) -> QueueRecord | None:
        record = await self.meta.get(QUEUES, queue_key(region, account_id, name))
        return None if record is None else QueueRecord.decode(record.value)

    async def resource_facts(self, ctx: RequestContext, arn: str) -> ResourceFacts | None:
        """Owner, queue policy and tags of the queue `arn` names, for the gateway's checks."""
        queue = await self.find_arn(arn)
        if queue is None:
            return None
        return ResourceFacts(queue.account_id, queue.attributes.get("Policy", ""), queue.tags)

    async def find_arn(self, arn: str) -> QueueRecord | None:
        parsed = parse_queue_arn(arn)
        return None if parsed is None else await self.find(*parsed)

    async def find_id(self, queue_id: str) -> QueueRecord | None:
        """The queue whose engine id is `queue_id` (None: deleted since)."""
        index = await self.meta.get(IDS, queue_id)
        if index is None:
            return None
        record = await self.meta.get(QUEUES, index.value.decode())
        if record is None:
            return None
        queue = QueueRecord.decode(record.value)
        return queue if queue.id == queue_id else None

    async def scan_queues(
        self, base: str, after: str | None = None
    ) -> AsyncIterator[tuple[str, QueueRecord]]:
        """Every queue whose key starts with `base` (one region and account), after `after`."""
        start = after or base
        while True:
            page = await self.meta.scan(QUEUES, start=start, end=prefix_end(base), limit=SCAN_PAGE)
            for record in page:
                if record.key != after:
                    yield record.key, QueueRecord.decode(record.value)
            if len(page) < SCAN_PAGE:
                return
            start = after = page[-1].key

    async def dead_letter_sources(self, target: QueueRecord) -> list[QueueRecord]:
        """The queues whose RedrivePolicy names `target` as their dead-letter queue."""
        base = queue_key(target.region, target.account_id, "")
        return [q async for _, q in self.scan_queues(base) if dead_letter_target(q) == target.arn]


def locate(ctx: RequestContext, url: str) -> tuple[str, str]:
    """(account id, queue name) a QueueUrl names. SQS also takes a bare queue name there,
    meaning the caller's own queue. Raises QueueDoesNotExist."""
    if "/" not in url and valid_queue_name(url, url.endswith(".fifo")):
        return ctx.account_id, url
    return parse_queue_url(url)


def dead_letter_target(queue: QueueRecord) -> str:
    policy = queue.attributes.get("RedrivePolicy")
    if not policy:
        return ""
    target = json.loads(policy).get("deadLetterTargetArn")
    return target if isinstance(target, str) else ""
