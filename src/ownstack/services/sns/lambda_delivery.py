"""The event a Lambda function subscribed to a topic is invoked with (asynchronously, through
the events bus), as AWS shapes it
(https://docs.aws.amazon.com/lambda/latest/dg/with-sns.html): one record holding the signed
notification, its URLs spelt SigningCertUrl / UnsubscribeUrl, Subject null when the message
has none, and MessageAttributes always present as {name: {"Type", "Value"}}."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .envelope import encode, envelope_attributes, unsubscribe_url
from .messages import Notification
from .records import SubscriptionRecord

EVENT_SOURCE = "aws:sns"
EVENT_VERSION = "1.0"


def lambda_event(signed: Mapping[str, Any], note: Notification, sub: SubscriptionRecord) -> str:
    """The event's JSON; `signed` is the notification as signed for the function's message
    (its Message, Timestamp, SignatureVersion, Signature, SigningCertURL)."""
    message = {
        "Type": "Notification",
        "MessageId": note.message_id,
        "TopicArn": note.topic_arn,
        "Subject": note.subject,
        "Message": signed["Message"],
        "Timestamp": signed["Timestamp"],
        "SignatureVersion": signed.get("SignatureVersion", note.signature_version),
        "Signature": signed.get("Signature", ""),
        "SigningCertUrl": signed.get("SigningCertURL", ""),
        "UnsubscribeUrl": unsubscribe_url(note.base_url, sub.arn),
        "MessageAttributes": envelope_attributes(note.attributes),
    }
    record = {
        "EventSource": EVENT_SOURCE,
        "EventVersion": EVENT_VERSION,
        "EventSubscriptionArn": sub.arn,
        "Sns": message,
    }
    return encode({"Records": [record]})
