"""ReceiveMessage: parameters, redrive, and the messages as SQS shows them."""

from __future__ import annotations

from typing import Any

from ownstack.core.context import RequestContext
from ownstack.core.service import Params, Result
from ownstack.ports.queues import QueueNotFound, Received, Redrive

from .attributes import int_attribute
from .base import SqsBase
from .encryption import MessageSealer
from .errors import invalid_value, queue_does_not_exist
from .msgattrs import decode_stored, md5_of_attributes, md5_of_body, select, to_wire
from .records import QueueRecord
from .redrive import parse_redrive_policy

MAX_MESSAGES = 10
MAX_WAIT = 20
MAX_VISIBILITY = 43_200
SYSTEM_ATTRIBUTES = (
    "SenderId",
    "SentTimestamp",
    "ApproximateReceiveCount",
    "ApproximateFirstReceiveTimestamp",
    "SequenceNumber",
    "MessageDeduplicationId",
    "MessageGroupId",
    "AWSTraceHeader",
    "DeadLetterQueueSourceArn",
)
_ARN_CACHE_MAX = 10_000


class ReceiveOps(SqsBase):
    async def receive_message(self, ctx: RequestContext, params: Params) -> Result:
        queue = await self.queue(ctx, params["QueueUrl"])
        count = _between(params, "MaxNumberOfMessages", 1, MAX_MESSAGES, 1)
        visibility = _between(
            params,
            "VisibilityTimeout",
            0,
            MAX_VISIBILITY,
            int_attribute(queue.attributes, "VisibilityTimeout"),
        )
        wait = _between(
            params,
            "WaitTimeSeconds",
            0,
            MAX_WAIT,
            int_attribute(queue.attributes, "ReceiveMessageWaitTimeSeconds"),
        )
        receiving = self.queues.receive(
            queue.id,
            max_messages=count,
            visibility=float(visibility),
            wait=0.0 if self.drain.draining else float(wait),
            redrive=await self._redrive(queue),
            attempt_id=params.get("ReceiveRequestAttemptId") if queue.fifo else None,
        )
        try:
            if wait and not self.drain.draining:
                received = await self.drain.unless_draining(receiving, [])
            else:
                received = await receiving
        except QueueNotFound as exc:
            raise queue_does_not_exist() from exc
        system = _system_names(params)
        user = params.get("MessageAttributeNames")
        sealer = await self.message_sealer() if received else self.sealer
        messages = [await self._message(sealer, m, system, user) for m in received]
        return {"Messages": messages} if messages else {}

    async def _redrive(self, queue: QueueRecord) -> Redrive | None:
        policy = parse_redrive_policy(queue.attributes.get("RedrivePolicy", ""))
        if policy is None:
            return None
        target = await self.find_arn(policy.target_arn)
        return None if target is None else Redrive(target.id, policy.max_receives)

    async def _message(
        self, sealer: MessageSealer, msg: Received, system: set[str], user: list[str] | None
    ) -> dict[str, Any]:
        # Decrypted by what is stored, not by the queue's current setting: a message sent
        # before SSE was switched on (or moved here from a queue with other settings) reads.
        stored = decode_stored(sealer.open_attributes(msg.attributes))
        body = sealer.open_body(msg.body)
        out: dict[str, Any] = {
            "MessageId": msg.message_id,
            "ReceiptHandle": msg.receipt,
            "MD5OfBody": md5_of_body(body),
            "Body": body,
        }
        if system:
            values = await self._system_values(msg, stored.sender_id, stored.trace_header)
            chosen = {k: v for k, v in values.items() if k in system}
            if chosen:
                out["Attributes"] = chosen
        attrs = select(stored.attributes, user)
        if attrs:
            out["MD5OfMessageAttributes"] = md5_of_attributes(attrs)
            out["MessageAttributes"] = to_wire(attrs)
        return out

    async def _system_values(self, msg: Received, sender: str, trace: str | None) -> dict[str, str]:
        values = {
            "SenderId": sender,
            "SentTimestamp": str(int(msg.sent_at * 1000)),
            "ApproximateReceiveCount": str(msg.receive_count),
            "ApproximateFirstReceiveTimestamp": str(int(msg.first_received_at * 1000)),
        }
        if msg.sequence is not None:
            values["SequenceNumber"] = str(msg.sequence)
        if msg.group is not None:
            values["MessageGroupId"] = msg.group
        if msg.dedup_id is not None:
            values["MessageDeduplicationId"] = msg.dedup_id
        if trace is not None:
            values["AWSTraceHeader"] = trace
        if msg.dead_letter_source is not None:
            arn = await self._source_arn(msg.dead_letter_source)
            if arn:
                values["DeadLetterQueueSourceArn"] = arn
        return values

    async def _source_arn(self, queue_id: str) -> str:
        """The ARN of the queue with this engine id ("" once deleted); ids never change name,
        so answers are cached."""
        cache = self.source_arns
        if queue_id not in cache:
            source = await self.find_id(queue_id)
            if len(cache) >= _ARN_CACHE_MAX:
                cache.clear()
            cache[queue_id] = source.arn if source is not None else ""
        arn: str = cache[queue_id]
        return arn


def _between(params: Params, name: str, low: int, high: int, default: int) -> int:
    value = params.get(name)
    if value is None:
        return default
    if not low <= value <= high:
        raise invalid_value(name, value, f"Must be between {low} and {high}, if provided")
    return int(value)


def _system_names(params: Params) -> set[str]:
    names = set(params.get("AttributeNames") or []) | set(
        params.get("MessageSystemAttributeNames") or []
    )
    if "All" in names:
        return set(SYSTEM_ATTRIBUTES)
    return names & set(SYSTEM_ATTRIBUTES)
