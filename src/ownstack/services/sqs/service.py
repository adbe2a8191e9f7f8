"""The SQS service: every implemented operation, composed from the per-area mixins, plus the
events layer's delivery handler (SNS fan-out) and the background move tasks."""

from __future__ import annotations

from typing import Any

from ownstack.core.errors import ServiceError
from ownstack.events.bus import Delivery, DeliveryFailed
from ownstack.ports.queues import QueueNotFound

from .acks import AckOps
from .messages import prepare
from .moves import MoveOps
from .permissions import PermissionOps
from .queue_attrs import QueueAttributeOps
from .receive import ReceiveOps
from .records import parse_queue_arn
from .send import SendOps
from .tags import TagOps


class SqsService(QueueAttributeOps, TagOps, PermissionOps, SendOps, ReceiveOps, AckOps, MoveOps):
    """Constructed as SqsBase is: SqsService(meta, queues, clock, region)."""

    async def start(self) -> None:
        """Resume the message move tasks a previous run left running."""
        await self.resume_moves()

    def begin_drain(self) -> None:
        """The server is stopping: waiting long polls answer now (draining.py)."""
        self.drain.start()

    async def stop(self) -> None:
        """Stop the move tasks (they resume at the next start), before the stores close."""
        await self.stop_moves()

    async def deliver(self, delivery: Delivery) -> None:
        """The events layer's handler for arn:aws:sqs:... targets (SNS fan-out): the message
        is durably enqueued when this returns. Raises DeliveryFailed."""
        parsed = parse_queue_arn(delivery.target)
        queue = await self.find(*parsed) if parsed is not None else None
        if queue is None:
            raise DeliveryFailed(delivery.target, "the queue does not exist")
        entry: dict[str, Any] = {"MessageBody": delivery.body}
        if delivery.attributes:
            entry["MessageAttributes"] = delivery.attributes
        if queue.fifo:
            entry["MessageGroupId"] = delivery.group
            entry["MessageDeduplicationId"] = delivery.dedup_id
        try:
            prepared = prepare(queue.account_id, queue, entry)
            await self.queues.send(queue.id, await self.seal(queue, [prepared.message]))
        except ServiceError as err:
            raise DeliveryFailed(delivery.target, f"{err.code}: {err.message}") from err
        except QueueNotFound as exc:
            raise DeliveryFailed(delivery.target, "the queue does not exist") from exc
