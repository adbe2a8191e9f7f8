"""SQS as a queue source of Lambda's event source mappings (events/sources.py): receives as
ReceiveMessage does with every attribute asked for, under the queue's own visibility timeout
and redrive policy, and deletes by receipt. app.py hands it to Lambda."""

from __future__ import annotations

from collections.abc import Sequence

from ownstack.events.sources import MessageAttribute, QueueInfo, QueueMessage, SourceGone
from ownstack.ports.queues import QueueNotFound, Received

from .attributes import int_attribute
from .encryption import MessageSealer
from .msgattrs import decode_stored, md5_of_attributes, md5_of_body
from .receive import MAX_MESSAGES, ReceiveOps
from .records import QueueRecord

LAMBDA_ATTRIBUTES = (
    "ApproximateReceiveCount",
    "SentTimestamp",
    "SenderId",
    "ApproximateFirstReceiveTimestamp",
    "SequenceNumber",
    "MessageGroupId",
    "MessageDeduplicationId",
    "AWSTraceHeader",
    "DeadLetterQueueSourceArn",
)
"""The system attributes a Lambda SQS event carries, in the order AWS shows them."""


class SqsQueueSource:
    def __init__(self, sqs: ReceiveOps) -> None:
        self.sqs = sqs

    async def queue(self, arn: str) -> QueueInfo | None:
        found = await self.sqs.find_arn(arn)
        if found is None:
            return None
        visibility = int_attribute(found.attributes, "VisibilityTimeout")
        return QueueInfo(found.arn, found.fifo, visibility)

    async def receive(self, arn: str, *, max_messages: int, wait: float) -> list[QueueMessage]:
        queue = await self._queue(arn)
        try:
            # Awaited directly (not through the drain): cancelling the poller cancels the wait,
            # so a mapping that stops takes no more messages.
            received = await self.sqs.queues.receive(
                queue.id,
                max_messages=min(max_messages, MAX_MESSAGES),
                visibility=float(int_attribute(queue.attributes, "VisibilityTimeout")),
                wait=wait,
                redrive=await self.sqs._redrive(queue),
            )
        except QueueNotFound as exc:
            raise SourceGone(arn) from exc
        if not received:
            return []
        sealer = await self.sqs.message_sealer()
        return [await self._message(sealer, m) for m in received]

    async def delete(self, arn: str, receipts: Sequence[str]) -> None:
        queue = await self._queue(arn)
        try:
            await self.sqs.queues.delete(queue.id, receipts)
        except QueueNotFound as exc:
            raise SourceGone(arn) from exc

    async def _queue(self, arn: str) -> QueueRecord:
        found = await self.sqs.find_arn(arn)
        if found is None:
            raise SourceGone(arn)
        return found

    async def _message(self, sealer: MessageSealer, msg: Received) -> QueueMessage:
        stored = decode_stored(sealer.open_attributes(msg.attributes))
        body = sealer.open_body(msg.body)
        values = await self.sqs._system_values(msg, stored.sender_id, stored.trace_header)
        attrs = stored.attributes
        return QueueMessage(
            message_id=msg.message_id,
            receipt=msg.receipt,
            body=body,
            md5_of_body=md5_of_body(body),
            attributes={k: values[k] for k in LAMBDA_ATTRIBUTES if k in values},
            message_attributes={a.name: MessageAttribute(a.data_type, a.value) for a in attrs},
            md5_of_message_attributes=md5_of_attributes(attrs) if attrs else None,
        )
