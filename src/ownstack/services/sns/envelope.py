"""The JSON documents SNS delivers (Notification, SubscriptionConfirmation), signed as AWS
documents: the canonical string is "name\\nvalue\\n" for each signed field, in byte order of the
names, Subject only when the message has one."""

from __future__ import annotations

import base64
import json
import time
from collections.abc import Mapping
from typing import Any
from urllib.parse import quote

from .signing import Signer

NOTIFICATION_FIELDS = ("Message", "MessageId", "Subject", "Timestamp", "TopicArn", "Type")
CONFIRMATION_FIELDS = (
    "Message",
    "MessageId",
    "SubscribeURL",
    "Timestamp",
    "Token",
    "TopicArn",
    "Type",
)
CERT_PATH = "/_ownstack/sns/"
"""Where SigningCertURL points (the gateway serves the certificate there)."""


def iso_timestamp(epoch: float) -> str:
    """2012-05-02T00:54:06.655Z, as SNS writes Timestamp."""
    millis = round(epoch * 1000)
    seconds, ms = divmod(millis, 1000)
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(seconds)) + f".{ms:03d}Z"


def canonical_string(document: Mapping[str, Any], fields: tuple[str, ...]) -> str:
    return "".join(f"{name}\n{document[name]}\n" for name in fields if name in document)


async def sign_document(
    document: dict[str, Any], fields: tuple[str, ...], signer: Signer, version: str, base_url: str
) -> None:
    """Add SignatureVersion, Signature and SigningCertURL to `document` in place."""
    document["SignatureVersion"] = version
    document["Signature"] = await signer.sign(canonical_string(document, fields), version)
    document["SigningCertURL"] = f"{base_url}{CERT_PATH}{await signer.cert_name()}"


def unsubscribe_url(base_url: str, subscription_arn: str) -> str:
    return f"{base_url}/?Action=Unsubscribe&SubscriptionArn={quote(subscription_arn, safe='')}"


def subscribe_url(base_url: str, topic_arn: str, token: str) -> str:
    return (
        f"{base_url}/?Action=ConfirmSubscription&TopicArn={quote(topic_arn, safe='')}&Token={token}"
    )


def envelope_attributes(attributes: Mapping[str, Mapping[str, Any]]) -> dict[str, Any]:
    """Message attributes as the envelope carries them: {"name": {"Type": ..., "Value": ...}},
    binary values in base64."""
    out: dict[str, Any] = {}
    for name, attr in attributes.items():
        binary = attr.get("BinaryValue")
        if binary is not None:
            value = base64.b64encode(binary).decode()
        else:
            value = attr.get("StringValue", "")
        out[name] = {"Type": attr.get("DataType", "String"), "Value": value}
    return out


def encode(document: Mapping[str, Any]) -> str:
    return json.dumps(document, ensure_ascii=False)
