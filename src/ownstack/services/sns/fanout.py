"""Fan-out: a published Notification to every confirmed subscription whose filter policy
matches it. SQS queues and Lambda functions get it through the events bus as SNS's service
principal, so their resource policies must let sns.amazonaws.com deliver for the topic, as on
AWS (managed_delivery.py: durably enqueued, dead-lettered or recorded for a retry before the
Publish is answered); HTTP/S targets through the background dispatcher."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Mapping
from functools import lru_cache
from typing import Any

from ownstack.events.bus import Delivery, Sender

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
from .lambda_delivery import lambda_event
from .managed_delivery import ManagedDelivery
from .messages import Notification
from .records import SubscriptionRecord, TopicRecord
from .retry_jobs import RetryJob
from .signing import Signer

HTTP_PROTOCOLS = ("http", "https")
SERVICE_PRINCIPAL = "sns.amazonaws.com"


def topic_sender(topic: TopicRecord) -> Sender:
    """Who SNS's deliveries for `topic` come from: aws:SourceArn is the topic, and
    aws:SourceAccount its owner."""
    return Sender(SERVICE_PRINCIPAL, topic.arn, topic.account_id)


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
    def __init__(self, signer: Signer, http: HttpDispatcher, managed: ManagedDelivery) -> None:
        self._signer = signer
        self._http = http
        self._managed = managed

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
                sends.append(self._to_sqs(note, topic, sub, signed))
            elif sub.protocol == "lambda":
                sends.append(self._to_lambda(note, topic, sub, signed))
            elif sub.protocol in HTTP_PROTOCOLS:
                http_jobs.append(await self._http_job(note, topic, sub, signed))
        retries, _ = await asyncio.gather(asyncio.gather(*sends), self._http.accept(http_jobs))
        await self._managed.accept([job for job in retries if job is not None])

    async def _payload(
        self, note: Notification, sub: SubscriptionRecord, signed: dict[str, dict[str, Any]]
    ) -> str:
        text = note.text_for(sub.protocol)
        if sub.raw_delivery:
            return text
        base = await self._signed(note, text, signed)
        doc = {**base, "UnsubscribeURL": unsubscribe_url(note.base_url, sub.arn)}
        if note.attributes:
            doc["MessageAttributes"] = envelope_attributes(note.attributes)
        return encode(doc)

    async def _signed(
        self, note: Notification, text: str, signed: dict[str, dict[str, Any]]
    ) -> dict[str, Any]:
        """The notification of `text`, signed once per publish whoever receives it."""
        base = signed.get(text)
        if base is None:
            base = signed[text] = await self._signed_notification(note, text)
        return base

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
        self,
        target: str,
        body: str,
        note: Notification,
        attributes: Mapping[str, Any],
        sender: Sender,
    ) -> Delivery:
        fifo = target.endswith(".fifo")
        return Delivery(
            target=target,
            body=body,
            attributes=attributes,
            group=note.group if fifo else None,
            dedup_id=note.dedup_id if fifo else None,
            sender=sender,
        )

    async def _to_sqs(
        self,
        note: Notification,
        topic: TopicRecord,
        sub: SubscriptionRecord,
        signed: dict[str, dict[str, Any]],
    ) -> RetryJob | None:
        body = await self._payload(note, sub, signed)
        attributes = note.attributes if sub.raw_delivery else {}
        sender = topic_sender(topic)
        delivery = self._sqs_delivery(sub.endpoint, body, note, attributes, sender)
        dead = self._dead_letter(sub, body, note, attributes, sender)
        return await self._managed.first_attempt(sub.arn, delivery, dead)

    async def _to_lambda(
        self,
        note: Notification,
        topic: TopicRecord,
        sub: SubscriptionRecord,
        signed: dict[str, dict[str, Any]],
    ) -> RetryJob | None:
        """The function is invoked asynchronously with SNS's event; the dead-letter queue gets
        the notification as an SQS subscriber would."""
        event = lambda_event(
            await self._signed(note, note.text_for(sub.protocol), signed), note, sub
        )
        sender = topic_sender(topic)
        delivery = Delivery(target=sub.endpoint, body=event, sender=sender)
        envelope = await self._payload(note, sub, signed)
        dead = self._dead_letter(sub, envelope, note, {}, sender)
        return await self._managed.first_attempt(sub.arn, delivery, dead)

    def _dead_letter(
        self,
        sub: SubscriptionRecord,
        body: str,
        note: Notification,
        attributes: Mapping[str, Any],
        sender: Sender,
    ) -> Delivery | None:
        """What goes to the subscription's dead-letter queue (None: it has none)."""
        target = dead_letter_arn(sub)
        if target is None:
            return None
        return self._sqs_delivery(target, body, note, attributes, sender)

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
        attributes = note.attributes if sub.raw_delivery else {}
        dead = self._dead_letter(sub, body, note, attributes, topic_sender(topic))
        return HttpJob(sub.endpoint, body, tuple(headers), policy, dead)
