"""Fan-out: a published Notification to every confirmed subscription whose filter policy
matches it. SQS targets get it through the events bus (durably enqueued before the Publish is
answered); HTTP/S targets through the background dispatcher; Lambda targets are stored for the
functions work and not delivered yet."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Mapping
from functools import lru_cache
from typing import Any

from ownstack.events.bus import Delivery, DeliveryFailed, EventBus

from .confirmations import USER_AGENT
from .delivery_policy import effective_policy
from .envelope import (
    NOTIFICATION_FIELDS,
    encode,
    envelope_attributes,
    iso_timestamp,
    sign_document,
    unsubscribe_url,
)
from .filter_match import attribute_lookup, body_lookup, matches
from .filter_policy import Policy, parse_policy
from .http_delivery import HttpDispatcher
from .http_jobs import HttpJob
from .messages import Notification
from .records import SubscriptionRecord, TopicRecord
from .signing import Signer

log = logging.getLogger("ownstack.sns")
HTTP_PROTOCOLS = ("http", "https")


@lru_cache(maxsize=4096)
def _policy(text: str, scope: str) -> Policy:
    return parse_policy(text, scope)  # validated when it was set: parses without error


def passes_filter(sub: SubscriptionRecord, note: Notification) -> bool:
    text = sub.attributes.get("FilterPolicy")
    if not text:
        return True
    scope = sub.attributes.get("FilterPolicyScope", "MessageAttributes")
    policy = _policy(text, scope)
    if scope == "MessageBody":
        lookup = body_lookup(note.text_for(sub.protocol))
        return lookup is not None and matches(policy, lookup)
    return matches(policy, attribute_lookup(note.attributes))


def dead_letter_arn(sub: SubscriptionRecord) -> str | None:
    text = sub.attributes.get("RedrivePolicy")
    if not text:
        return None
    target = json.loads(text).get("deadLetterTargetArn")
    return target if isinstance(target, str) else None


class Fanout:
    def __init__(self, bus: EventBus, signer: Signer, http: HttpDispatcher) -> None:
        self._bus = bus
        self._signer = signer
        self._http = http

    async def publish(
        self, note: Notification, topic: TopicRecord, subs: list[SubscriptionRecord]
    ) -> None:
        signed: dict[str, dict[str, Any]] = {}  # message text -> its signed envelope
        sends = []
        http_jobs = []
        for sub in subs:
            if not sub.confirmed or not passes_filter(sub, note):
                continue
            if sub.protocol == "sqs":
                sends.append(self._to_sqs(note, sub, signed))
            elif sub.protocol in HTTP_PROTOCOLS:
                http_jobs.append(await self._http_job(note, topic, sub, signed))
        await asyncio.gather(*sends, self._http.accept(http_jobs))

    async def _payload(
        self, note: Notification, sub: SubscriptionRecord, signed: dict[str, dict[str, Any]]
    ) -> str:
        text = note.text_for(sub.protocol)
        if sub.raw_delivery:
            return text
        base = signed.get(text)
        if base is None:
            base = signed[text] = await self._signed_notification(note, text)
        doc = {**base, "UnsubscribeURL": unsubscribe_url(note.base_url, sub.arn)}
        if note.attributes:
            doc["MessageAttributes"] = envelope_attributes(note.attributes)
        return encode(doc)

    async def _signed_notification(self, note: Notification, text: str) -> dict[str, Any]:
        doc: dict[str, Any] = {"Type": "Notification", "MessageId": note.message_id}
        if note.sequence is not None:
            doc["SequenceNumber"] = note.sequence
        doc["TopicArn"] = note.topic_arn
        if note.subject is not None:
            doc["Subject"] = note.subject
        doc.update(Message=text, Timestamp=iso_timestamp(note.timestamp))
        if note.sequence is not None:  # FIFO topics' notifications are not signed on AWS
            return doc
        await sign_document(
            doc, NOTIFICATION_FIELDS, self._signer, note.signature_version, note.base_url
        )
        return doc

    def _sqs_delivery(
        self, target: str, body: str, note: Notification, attributes: Mapping[str, Any]
    ) -> Delivery:
        fifo = target.endswith(".fifo")
        return Delivery(
            target=target,
            body=body,
            attributes=attributes,
            group=note.group if fifo else None,
            dedup_id=note.dedup_id if fifo else None,
        )

    async def _to_sqs(
        self, note: Notification, sub: SubscriptionRecord, signed: dict[str, dict[str, Any]]
    ) -> None:
        body = await self._payload(note, sub, signed)
        attributes = note.attributes if sub.raw_delivery else {}
        try:
            await self._bus.deliver(self._sqs_delivery(sub.endpoint, body, note, attributes))
        except DeliveryFailed as exc:
            log.info("SNS delivery to %s failed: %s", sub.endpoint, exc.reason)
            await self._to_dead_letter(sub, body, note, attributes)

    async def _to_dead_letter(
        self, sub: SubscriptionRecord, body: str, note: Notification, attributes: Mapping[str, Any]
    ) -> None:
        target = dead_letter_arn(sub)
        if target is None:
            return
        try:
            await self._bus.deliver(self._sqs_delivery(target, body, note, attributes))
        except DeliveryFailed as exc:
            log.warning("SNS dead-letter delivery to %s failed: %s", target, exc.reason)

    async def _http_job(
        self,
        note: Notification,
        topic: TopicRecord,
        sub: SubscriptionRecord,
        signed: dict[str, dict[str, Any]],
    ) -> HttpJob:
        body = await self._payload(note, sub, signed)
        policy = effective_policy(topic.attributes, sub.attributes)
        headers = [
            ("Content-Type", policy.content_type),
            ("x-amz-sns-message-type", "Notification"),
            ("x-amz-sns-message-id", note.message_id),
            ("x-amz-sns-topic-arn", note.topic_arn),
            ("x-amz-sns-subscription-arn", sub.arn),
            ("User-Agent", USER_AGENT),
        ]
        if sub.raw_delivery:
            headers.append(("x-amz-sns-rawdelivery", "true"))
        target = dead_letter_arn(sub)
        attributes = note.attributes if sub.raw_delivery else {}
        dead = self._sqs_delivery(target, body, note, attributes) if target else None
        return HttpJob(sub.endpoint, body, tuple(headers), policy, dead)
