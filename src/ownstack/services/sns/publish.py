"""Publish and PublishBatch."""

from __future__ import annotations

import asyncio
import re
import uuid
from collections.abc import Mapping
from typing import Any

from ownstack.core.context import RequestContext
from ownstack.core.errors import ServiceError
from ownstack.core.service import Params, Result
from ownstack.ports.errors import ConditionFailed
from ownstack.ports.meta import ABSENT, Put

from .base import SnsBase
from .errors import invalid_parameter
from .messages import (
    MAX_MESSAGE_BYTES,
    Notification,
    check_attributes,
    check_message,
    check_size,
    check_subject,
    fifo_ids,
    message_size,
)
from .records import DedupRecord, SubscriptionRecord, TopicRecord, dedup_ns
from .sweep import DEDUP_WINDOW
from .topic_attrs import kms_key_error

MAX_BATCH = 10
_BATCH_ID = re.compile(r"[A-Za-z0-9_-]{1,80}")


class PublishOps(SnsBase):
    async def publish(self, ctx: RequestContext, params: Params) -> Result:
        topic = await self.topic(ctx, *_destination(params))
        note = self._notification(ctx, topic, params)
        check_key(topic)
        subs = await self.topic_subscriptions(topic.arn)
        return await self._publish_one(topic, subs, note)

    async def publish_batch(self, ctx: RequestContext, params: Params) -> Result:
        topic = await self.topic(ctx, params["TopicArn"])
        entries = params.get("PublishBatchRequestEntries") or []
        _check_batch(entries)
        # AWS refuses the whole batch when an entry is invalid (no group id, bad attributes,
        # ...), so every entry is checked before any is published.
        notes = [(entry["Id"], self._notification(ctx, topic, entry)) for entry in entries]
        check_key(topic)
        subs = await self.topic_subscriptions(topic.arn)
        if topic.fifo:  # in order: sequence numbers follow the entries
            outcomes = [await self._entry(topic, subs, id_, note) for id_, note in notes]
        else:  # concurrently: their queue writes share commits
            outcomes = await asyncio.gather(*(self._entry(topic, subs, *n) for n in notes))
        return {
            "Successful": [result for ok, result in outcomes if ok],
            "Failed": [result for ok, result in outcomes if not ok],
        }

    async def _entry(
        self,
        topic: TopicRecord,
        subs: list[SubscriptionRecord],
        entry_id: str,
        note: Notification,
    ) -> tuple[bool, dict[str, Any]]:
        """(True, its Successful entry) or (False, its Failed entry) for one batch entry."""
        try:
            done = await self._publish_one(topic, subs, note)
        except ServiceError as err:
            failed = {"Id": entry_id, "Code": err.code, "Message": err.message}
            return False, {**failed, "SenderFault": err.sender_fault}
        return True, {"Id": entry_id, **done}

    async def _publish_one(
        self, topic: TopicRecord, subs: list[SubscriptionRecord], note: Notification
    ) -> dict[str, Any]:
        if not topic.fifo:
            await self.fanout.publish(note, topic, subs)
            return {"MessageId": note.message_id}
        # One publish at a time per FIFO topic (in this process), so messages reach the
        # subscribed queues in sequence order.
        async with self._fifo_lock(topic.arn):
            first = await self._deduplicate(topic, note)
            if first is None:
                await self.fanout.publish(note, topic, subs)
                return {"MessageId": note.message_id, "SequenceNumber": note.sequence}
        return {"MessageId": first.message_id, "SequenceNumber": first.sequence}

    def _notification(
        self, ctx: RequestContext, topic: TopicRecord, params: Mapping[str, Any]
    ) -> Notification:
        return self.notification(topic, params, self.base_url(ctx))

    def notification(
        self, topic: TopicRecord, params: Mapping[str, Any], base_url: str
    ) -> Notification:
        """The Notification a Publish's `params` make, validated; its links begin with
        `base_url`."""
        message, per_protocol = check_message(params)
        check_subject(params.get("Subject"))
        attributes = check_attributes(params.get("MessageAttributes") or {})
        check_size(params["Message"], attributes)
        group, dedup_id = fifo_ids(topic, params, params["Message"])
        return Notification(
            topic_arn=topic.arn,
            message_id=str(uuid.uuid4()),
            message=message,
            timestamp=self.clock.now(),
            subject=params.get("Subject"),
            attributes=attributes,
            per_protocol=per_protocol,
            group=group,
            dedup_id=dedup_id,
            signature_version=topic.attributes.get("SignatureVersion", "1"),
            base_url=base_url,
        )

    def _fifo_lock(self, arn: str) -> asyncio.Lock:
        return self.fifo_locks.setdefault(arn, asyncio.Lock())

    async def _deduplicate(self, topic: TopicRecord, note: Notification) -> DedupRecord | None:
        """The first publish of `note`'s dedup id within 5 minutes, or None (and `note` gets
        its sequence number) when this is the first."""
        assert note.dedup_id is not None
        ns = dedup_ns(topic.id)
        now = self.clock.now()
        raw = await self.meta.get(ns, note.dedup_id)
        if raw is not None:
            first = DedupRecord.decode(raw.value)
            if now - first.at < DEDUP_WINDOW:
                return first
        note.sequence = self._next_sequence(now)
        record = DedupRecord(note.message_id, note.sequence, now)
        expect = raw.version if raw is not None else ABSENT
        try:
            await self.meta.commit([Put(ns, note.dedup_id, record.encode(), expect=expect)])
        except ConditionFailed:  # another process published it first
            fresh = await self.meta.get(ns, note.dedup_id)
            if fresh is None:
                raise
            return DedupRecord.decode(fresh.value)
        return None

    def _next_sequence(self, now: float) -> str:
        """Grows with every publish: microseconds since the epoch, never repeating."""
        self.last_sequence = max(self.last_sequence + 1, int(now * 1_000_000))
        sequence = self.last_sequence
        return f"{sequence:020d}"


def check_key(topic: TopicRecord) -> None:
    """A topic encrypted with a KMS key that does not exist takes no message."""
    error = kms_key_error(topic)
    if error is not None:
        raise error


def _destination(params: Params) -> tuple[str, str]:
    """(ARN, the parameter it came in) of a Publish: TopicArn or TargetArn."""
    if params.get("PhoneNumber"):
        raise invalid_parameter(
            "Invalid parameter: PhoneNumber Reason: SMS delivery is not supported by ownstack"
        )
    topic: str | None = params.get("TopicArn")
    target: str | None = params.get("TargetArn")
    if topic and target:
        raise invalid_parameter(
            "Invalid parameter: TopicArn or TargetArn Reason: Only one of TopicArn or TargetArn "
            "may be specified"
        )
    if topic is None and target is None:
        raise invalid_parameter(
            "Invalid parameter: TopicArn or TargetArn Reason: no value for required parameter"
        )
    if topic is not None:  # even empty: AWS then complains about the ARN's shape
        return topic, "TopicArn"
    assert target is not None
    if ":endpoint/" in target:  # a mobile push endpoint: ownstack has none
        raise invalid_parameter(
            "Invalid parameter: TargetArn Reason: No endpoint found for the target arn specified"
        )
    return target, "TargetArn"


def _check_batch(entries: list[dict[str, Any]]) -> None:
    if not entries:
        raise ServiceError("EmptyBatchRequest", "The batch request doesn't contain any entries.")
    if len(entries) > MAX_BATCH:
        raise ServiceError(
            "TooManyEntriesInBatchRequest",
            "The batch request contains more entries than permissible.",
        )
    ids = [e.get("Id", "") for e in entries]
    if len(set(ids)) != len(ids):
        raise ServiceError(
            "BatchEntryIdsNotDistinct", "Two or more batch entries in the request have the same Id."
        )
    if not all(_BATCH_ID.fullmatch(i) for i in ids):
        raise ServiceError(
            "InvalidBatchEntryId",
            "The Id of a batch entry in a batch request doesn't abide by the specification.",
        )
    total = sum(
        message_size(e.get("Message") or "", e.get("MessageAttributes") or {}) for e in entries
    )
    if total > MAX_MESSAGE_BYTES:
        raise ServiceError(
            "BatchRequestTooLong",
            "The length of all the messages put together is more than the limit.",
        )
