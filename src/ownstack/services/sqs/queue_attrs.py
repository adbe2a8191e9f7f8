"""GetQueueAttributes, SetQueueAttributes, PurgeQueue, ListDeadLetterSourceQueues."""

from __future__ import annotations

from ownstack.core.context import RequestContext
from ownstack.core.errors import ServiceError
from ownstack.core.service import Params, Result
from ownstack.core.tokens import opaque_token

from .attributes import COMPUTED, READABLE, effective, normalize, queue_spec
from .base import dead_letter_target
from .errors import invalid_attribute_name, invalid_value
from .queues import MAX_LIST, QueueOps, decode_token
from .records import CURRENT_FORMAT, QueueRecord, queue_key, queue_url

PURGE_INTERVAL = 60.0


class QueueAttributeOps(QueueOps):
    async def get_queue_attributes(self, ctx: RequestContext, params: Params) -> Result:
        queue = await self.queue(ctx, params["QueueUrl"])
        names = _wanted(params.get("AttributeNames") or [])
        if not names:
            return {}
        values = effective(queue.attributes, queue.fifo)
        if names & set(COMPUTED):
            values.update(await self._computed(queue))
        return {"Attributes": {k: v for k, v in values.items() if k in names}}

    async def _computed(self, queue: QueueRecord) -> dict[str, str]:
        counts = await self.queues.counts(queue.id)
        return {
            "ApproximateNumberOfMessages": str(counts.visible),
            "ApproximateNumberOfMessagesNotVisible": str(counts.in_flight),
            "ApproximateNumberOfMessagesDelayed": str(counts.delayed),
            "CreatedTimestamp": str(int(queue.created)),
            "LastModifiedTimestamp": str(int(queue.modified)),
            "QueueArn": queue.arn,
        }

    async def set_queue_attributes(self, ctx: RequestContext, params: Params) -> Result:
        given: dict[str, str] = params.get("Attributes") or {}
        now = self.clock.now()

        async def apply(queue: QueueRecord) -> None:
            changes = QueueRecord(
                queue.name,
                queue.region,
                queue.account_id,
                queue.id,
                queue.created,
                now,
                attributes=normalize(given, queue.fifo, creating=False),
                format=CURRENT_FORMAT,  # the changes only: no legacy default filled in
            )
            await self.check_policies(changes)
            merged = {**queue.attributes, **changes.attributes}
            normalize(merged, queue.fifo, creating=False)  # the combination must hold too
            queue.attributes = {k: v for k, v in merged.items() if v != ""}
            queue.modified = now

        queue = await self.update(ctx, params["QueueUrl"], apply)
        await self.queues.create(queue.id, queue_spec(queue.attributes, queue.fifo))
        return {}

    async def purge_queue(self, ctx: RequestContext, params: Params) -> Result:
        now = self.clock.now()

        async def mark(queue: QueueRecord) -> None:
            if now - queue.purged_at < PURGE_INTERVAL:
                raise ServiceError(
                    "PurgeQueueInProgress",
                    f"Only one PurgeQueue operation on {queue.name} is allowed every 60 seconds.",
                    403,
                )
            queue.purged_at = now

        queue = await self.update(ctx, params["QueueUrl"], mark)
        await self.queues.purge(queue.id)
        return {}

    async def list_dead_letter_source_queues(self, ctx: RequestContext, params: Params) -> Result:
        target = await self.queue(ctx, params["QueueUrl"])
        max_results = params.get("MaxResults")
        if max_results is not None and not 1 <= max_results <= MAX_LIST:
            raise invalid_value(
                "MaxResults", max_results, "MaxResults must be an integer between 1 and 1000"
            )
        base = queue_key(ctx.region, ctx.account_id, "")
        after = decode_token(params.get("NextToken"), base)
        limit = max_results or MAX_LIST
        urls: list[str] = []
        last = ""
        async for key, queue in self.scan_queues(base, after):
            if dead_letter_target(queue) != target.arn:
                continue
            if len(urls) == limit:
                return {"queueUrls": urls, "NextToken": opaque_token(last)}
            urls.append(queue_url(ctx, ctx.account_id, queue.name))
            last = key
        return {"queueUrls": urls}


def _wanted(names: list[str]) -> set[str]:
    for name in names:
        if name != "All" and name not in READABLE:
            raise invalid_attribute_name(name)
    return set(READABLE) if "All" in names else set(names)
