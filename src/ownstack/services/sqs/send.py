"""SendMessage and SendMessageBatch."""

from __future__ import annotations

from typing import Any

from ownstack.core.context import RequestContext
from ownstack.core.errors import ServiceError
from ownstack.core.service import Params, Result
from ownstack.ports.queues import QueueNotFound

from .base import SqsBase
from .batch import batch_result, check_entries, failed
from .errors import invalid_parameter, queue_does_not_exist
from .messages import Prepared, prepare
from .records import QueueRecord

MAX_BATCH_BYTES = 1_048_576


class SendOps(SqsBase):
    async def send_message(self, ctx: RequestContext, params: Params) -> Result:
        queue = await self.queue(ctx, params["QueueUrl"])
        prepared = prepare(sender_id(ctx), queue, params)
        sent = await self._send(queue, [prepared])
        return prepared.result(sent[0])

    async def send_message_batch(self, ctx: RequestContext, params: Params) -> Result:
        entries = check_entries(params.get("Entries"), "SendMessageBatchRequestEntry")
        queue = await self.queue(ctx, params["QueueUrl"])
        if queue.fifo:
            _check_fifo_ids(queue, entries)
        ready: list[tuple[str, Prepared]] = []
        failures: list[dict[str, Any]] = []
        total = 0
        for entry in entries:
            total += _entry_size(entry)
            try:
                ready.append((entry["Id"], prepare(sender_id(ctx), queue, entry)))
            except ServiceError as err:
                failures.append(failed(entry["Id"], err))
        if total > MAX_BATCH_BYTES:
            raise ServiceError(
                "BatchRequestTooLong",
                f"Batch requests cannot be longer than {MAX_BATCH_BYTES} bytes. You have sent "
                f"{total} bytes.",
                400,
            )
        successful: list[dict[str, Any]] = []
        if ready:
            sent = await self._send(queue, [p for _, p in ready])
            for (entry_id, prepared), one in zip(ready, sent, strict=True):
                successful.append({"Id": entry_id, **prepared.result(one)})
        return batch_result(successful, failures)

    async def _send(self, queue: QueueRecord, prepared: list[Prepared]) -> list[Any]:
        messages = await self.seal(queue, [p.message for p in prepared])
        try:
            return await self.queues.send(queue.id, messages)
        except QueueNotFound as exc:  # deleted while we were sending
            raise queue_does_not_exist() from exc


def _check_fifo_ids(queue: QueueRecord, entries: list[dict[str, Any]]) -> None:
    """SQS refuses a whole FIFO batch, not just the entry, when an entry lacks its group id or
    (without content-based deduplication) its deduplication id; both are InvalidParameterValue
    here, where SendMessage says MissingParameter for the group."""
    content_based = queue.attributes.get("ContentBasedDeduplication") == "true"
    for entry in entries:
        if entry.get("MessageGroupId") is None:
            raise invalid_parameter("The request must contain the parameter MessageGroupId.")
        if entry.get("MessageDeduplicationId") is None and not content_based:
            raise invalid_parameter(
                "The queue should either have ContentBasedDeduplication enabled or "
                "MessageDeduplicationId provided explicitly"
            )


def sender_id(ctx: RequestContext) -> str:
    return ctx.principal.user_id or ctx.account_id


def _entry_size(entry: dict[str, Any]) -> int:
    """The entry's body and attribute bytes, as the batch limit counts them."""
    size = len((entry.get("MessageBody") or "").encode())
    for name, value in (entry.get("MessageAttributes") or {}).items():
        size += len(name.encode()) + len((value.get("DataType") or "").encode())
        raw = value.get("StringValue")
        size += len(raw.encode()) if isinstance(raw, str) else len(value.get("BinaryValue") or b"")
    return size
