"""Queues: CreateQueue, GetQueueUrl, ListQueues, DeleteQueue."""

from __future__ import annotations

import uuid
from collections.abc import Mapping

from ownstack.core.context import RequestContext
from ownstack.core.errors import ServiceError
from ownstack.core.service import Params, Result
from ownstack.core.tokens import opaque_token, token_text
from ownstack.ports.errors import ConditionFailed
from ownstack.ports.meta import ABSENT, Delete, Put, Record, prefix_end

from .attributes import effective, normalize, queue_spec
from .base import IDS, SqsBase
from .errors import invalid_parameter, invalid_value, queue_does_not_exist
from .records import CURRENT_FORMAT, QUEUES, QueueRecord, queue_key, queue_url, valid_queue_name
from .redrive import check_redrive_allow_policy, check_redrive_policy
from .tags import check_tags

MAX_LIST = 1000
DELETED = "sqs:deleted"
"""Queue key -> when it was deleted (ms, text): its name is not reusable for a minute."""
RECREATE_AFTER = 60.0
_BAD_NAME = "Can only include alphanumeric characters, hyphens, or underscores. 1 to 80 in length"
_BAD_FIFO_NAME = (
    "The name of a FIFO queue can only include alphanumeric characters, hyphens, or "
    "underscores, must end with .fifo suffix and be 1 to 80 in length."
)


class QueueOps(SqsBase):
    async def create_queue(self, ctx: RequestContext, params: Params) -> Result:
        name: str = params["QueueName"]
        given = dict(params.get("Attributes") or {})
        fifo = _fifo_requested(name, given)
        if not valid_queue_name(name, fifo):
            raise invalid_parameter(_BAD_FIFO_NAME if fifo else _BAD_NAME)
        now = self.clock.now()
        record = QueueRecord(
            name=name,
            region=ctx.region,
            account_id=ctx.account_id,
            id=uuid.uuid4().hex,
            created=now,
            modified=now,
            attributes=normalize(given, fifo, creating=True),
            tags=check_tags(params.get("tags") or {}, 0),
            format=CURRENT_FORMAT,
        )
        await self.check_policies(record)
        key = queue_key(ctx.region, ctx.account_id, name)
        existing = await self.meta.get(QUEUES, key)
        if existing is None:
            existing = await self._insert(key, record)
        if existing is not None:
            _check_same(QueueRecord.decode(existing.value), record.attributes)
        return {"QueueUrl": queue_url(ctx, ctx.account_id, name)}

    async def _insert(self, key: str, record: QueueRecord) -> Record | None:
        """Create the queue; None, or the record of one created meanwhile under this name.
        The engine's queue comes first: a crash before the commit leaves an unreachable empty
        queue, never a listed one the engine lacks."""
        await self._check_not_deleted_recently(key, record.created)
        await self.queues.create(record.id, queue_spec(record.attributes, record.fifo))
        try:
            await self.meta.commit(
                [
                    Put(QUEUES, key, record.encode(), expect=ABSENT),
                    Put(IDS, record.id, key.encode()),
                    Delete(DELETED, key),  # the tombstone has served its minute
                ]
            )
        except ConditionFailed:
            await self.queues.drop(record.id)
            return await self.meta.get(QUEUES, key)
        return None

    async def _check_not_deleted_recently(self, key: str, now: float) -> None:
        deleted = await self.meta.get(DELETED, key)
        if deleted is not None and now - int(deleted.value) / 1000 < RECREATE_AFTER:
            raise ServiceError(
                "QueueDeletedRecently",
                "You must wait 60 seconds after deleting a queue before you can create another "
                "with the same name.",
                400,
            )

    async def check_policies(self, record: QueueRecord) -> None:
        """Normalize the record's redrive policies in place, checking the queues they name."""
        attrs = record.attributes
        if "RedrivePolicy" in attrs:
            attrs["RedrivePolicy"] = await check_redrive_policy(
                attrs["RedrivePolicy"], record, self.find_arn
            )
        if "RedriveAllowPolicy" in attrs:
            attrs["RedriveAllowPolicy"] = check_redrive_allow_policy(attrs["RedriveAllowPolicy"])

    async def get_queue_url(self, ctx: RequestContext, params: Params) -> Result:
        account_id = params.get("QueueOwnerAWSAccountId") or ctx.account_id
        queue = await self.find(ctx.region, account_id, params["QueueName"])
        if queue is None:
            raise queue_does_not_exist()
        return {"QueueUrl": queue_url(ctx, account_id, queue.name)}

    async def list_queues(self, ctx: RequestContext, params: Params) -> Result:
        max_results = params.get("MaxResults")
        if max_results is not None and not 1 <= max_results <= MAX_LIST:
            raise invalid_value(
                "MaxResults", max_results, "MaxResults must be an integer between 1 and 1000"
            )
        base = queue_key(ctx.region, ctx.account_id, "")
        prefix = base + (params.get("QueueNamePrefix") or "")
        after = decode_token(params.get("NextToken"), base)
        # "\x00" sorts first: the smallest key after the last one listed.
        start = prefix if after is None else after + "\x00"
        limit = max_results or MAX_LIST
        found = await self.meta.scan(QUEUES, start=start, end=prefix_end(prefix), limit=limit + 1)
        page = found[:limit]
        result: Result = {
            "QueueUrls": [queue_url(ctx, ctx.account_id, r.key[len(base) :]) for r in page]
        }
        if max_results is not None and len(found) > limit:
            result["NextToken"] = opaque_token(page[-1].key)
        if not page:
            del result["QueueUrls"]
        return result

    async def delete_queue(self, ctx: RequestContext, params: Params) -> Result:
        queue = await self.queue(ctx, params["QueueUrl"])
        key = queue_key(queue.region, queue.account_id, queue.name)
        # The record goes first: a crash before the drop leaves unreachable messages, never a
        # listed queue whose messages are gone.
        deleted_at = str(int(self.clock.now() * 1000)).encode()
        await self.meta.commit(
            [Delete(QUEUES, key), Delete(IDS, queue.id), Put(DELETED, key, deleted_at)]
        )
        await self.queues.drop(queue.id)
        return {}


def _fifo_requested(name: str, given: dict[str, str]) -> bool:
    flag = given.pop("FifoQueue", None)
    if flag is None:
        return False  # a .fifo name without FifoQueue=true is an invalid standard queue name
    lowered = flag.strip().lower()
    if lowered not in ("true", "false"):
        raise ServiceError(
            "InvalidAttributeValue", "Invalid value for the parameter FifoQueue.", 400
        )
    if lowered == "true" and not name.endswith(".fifo"):
        raise invalid_parameter(_BAD_FIFO_NAME)
    if lowered == "false" and name.endswith(".fifo"):
        raise invalid_parameter(_BAD_NAME)
    return lowered == "true"


def _check_same(existing: QueueRecord, wanted: Mapping[str, str]) -> None:
    current = effective(existing.attributes, existing.fifo)
    for name, value in wanted.items():
        if current.get(name, "") != value:
            raise ServiceError(
                "QueueNameExists",
                "A queue already exists with the same name and a different value for attribute "
                f"{name}",
                400,
            )


def decode_token(token: str | None, base: str) -> str | None:
    if not token:
        return None
    key = token_text(token) or ""
    if not key.startswith(base):
        raise invalid_parameter("Invalid NextToken value.")
    return key
