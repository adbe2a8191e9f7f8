"""The SubscriptionConfirmation and UnsubscribeConfirmation messages SNS POSTs to HTTP/S
endpoints: signed, carrying a token and the SubscribeURL that (re)confirms with it."""

from __future__ import annotations

from typing import Any

from .delivery_policy import effective_policy
from .envelope import CONFIRMATION_FIELDS, encode, iso_timestamp, sign_document, subscribe_url
from .http_jobs import HttpJob
from .records import SubscriptionRecord, TopicRecord
from .signing import Signer

USER_AGENT = "Amazon Simple Notification Service Agent"
SUBSCRIBE = "SubscriptionConfirmation"
UNSUBSCRIBE = "UnsubscribeConfirmation"
_TEXTS = {
    SUBSCRIBE: (
        "You have chosen to subscribe to the topic {topic}.\n"
        "To confirm the subscription, visit the SubscribeURL included in this message."
    ),
    UNSUBSCRIBE: (
        "You have chosen to deactivate subscription {sub}.\n"
        "To cancel this operation and restore the subscription, visit the SubscribeURL "
        "included in this message."
    ),
}


async def confirmation_job(
    kind: str,
    topic: TopicRecord,
    sub: SubscriptionRecord,
    token: str,
    signer: Signer,
    *,
    message_id: str,
    now: float,
    base_url: str,
) -> HttpJob:
    """The POST of a `kind` (SUBSCRIBE or UNSUBSCRIBE) message for `sub` with `token`."""
    doc: dict[str, Any] = {
        "Type": kind,
        "MessageId": message_id,
        "Token": token,
        "TopicArn": topic.arn,
        "Message": _TEXTS[kind].format(topic=topic.arn, sub=sub.arn),
        "SubscribeURL": subscribe_url(base_url, topic.arn, token),
        "Timestamp": iso_timestamp(now),
    }
    version = topic.attributes.get("SignatureVersion", "1")
    await sign_document(doc, CONFIRMATION_FIELDS, signer, version, base_url)
    headers = (
        ("Content-Type", "text/plain; charset=UTF-8"),
        ("x-amz-sns-message-type", kind),
        ("x-amz-sns-message-id", message_id),
        ("x-amz-sns-topic-arn", topic.arn),
        ("User-Agent", USER_AGENT),
    )
    policy = effective_policy(topic.attributes, sub.attributes)
    return HttpJob(sub.endpoint, encode(doc), headers, policy)
