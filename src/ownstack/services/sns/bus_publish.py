"""The events bus's handler for arn:aws:sns:... targets: what other services deliver to a topic
(Lambda destinations, EventBridge targets, S3 notifications, Scheduler) is published to it,
the body as the message, the delivery's attributes as its message attributes, and for a FIFO
topic its group and deduplication ids. The bus's guard has already checked the topic policy
for a delivery made by a service principal; the message is checked as a Publish would be.

Durable when it returns, as a Publish is when answered: each subscriber got it, or it is
recorded for delivery (fanout.py)."""

from __future__ import annotations

from typing import Any

from ownstack.core.errors import ServiceError
from ownstack.events.bus import Delivery, DeliveryFailed

from .messages import Notification
from .publish import PublishOps, check_key
from .records import TOPICS, TopicRecord


class BusPublishOps(PublishOps):
    async def deliver_to_topic(self, delivery: Delivery) -> None:
        """Publish `delivery` to the topic it names; DeliveryFailed when there is no such topic
        or it refuses the message (as Publish would: empty, too large, a FIFO topic without a
        group id, attributes AWS refuses, a missing KMS key)."""
        raw = await self.meta.get(TOPICS, delivery.target)
        if raw is None:
            raise DeliveryFailed(delivery.target, "the topic does not exist")
        topic = TopicRecord.decode(raw.value)
        try:
            note = self._delivered_notification(topic, delivery)
            check_key(topic)
        except ServiceError as err:
            raise DeliveryFailed(delivery.target, f"{err.code}: {err.message}") from err
        subs = await self.topic_subscriptions(topic.arn)
        await self._publish_one(topic, subs, note)

    def _delivered_notification(self, topic: TopicRecord, delivery: Delivery) -> Notification:
        params: dict[str, Any] = {"Message": delivery.body}
        if delivery.attributes:
            params["MessageAttributes"] = {k: dict(v) for k, v in delivery.attributes.items()}
        if topic.fifo:  # a standard topic ignores them, as an SQS standard queue does
            if delivery.group is not None:
                params["MessageGroupId"] = delivery.group
            if delivery.dedup_id is not None:
                params["MessageDeduplicationId"] = delivery.dedup_id
        return self.notification(topic, params, self.own_url)
