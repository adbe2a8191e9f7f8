"""An events-bus Delivery as a record member, for the deliveries SNS keeps until they are made
(HTTP/S jobs' dead letters, retries to Lambda and SQS). The JSON shape is what existing data
dirs hold: target, body, attributes [{name, data_type, string, binary}], group, dedup_id, and
since SNS delivers as its service principal, the sender (absent in older records)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from ownstack.events.bus import Delivery, Sender


@dataclass(slots=True)
class StoredAttribute:
    name: str
    data_type: str
    string: str | None = None
    binary: bytes | None = None


@dataclass(slots=True)
class StoredSender:
    service: str
    source_arn: str
    source_account: str


@dataclass(slots=True)
class StoredDelivery:
    target: str
    body: str
    attributes: list[StoredAttribute] = field(default_factory=list)
    group: str | None = None
    dedup_id: str | None = None
    sender: StoredSender | None = None


def store(delivery: Delivery) -> StoredDelivery:
    sender = delivery.sender
    return StoredDelivery(
        delivery.target,
        delivery.body,
        _attributes(delivery.attributes),
        delivery.group,
        delivery.dedup_id,
        None
        if sender is None
        else StoredSender(sender.service, sender.source_arn, sender.source_account),
    )


def restore(stored: StoredDelivery) -> Delivery:
    attributes = {
        a.name: {"DataType": a.data_type}
        | ({"StringValue": a.string} if a.binary is None else {"BinaryValue": a.binary})
        for a in stored.attributes
    }
    by = stored.sender
    sender = None if by is None else Sender(by.service, by.source_arn, by.source_account)
    return Delivery(stored.target, stored.body, attributes, stored.group, stored.dedup_id, sender)


def _attributes(attributes: Mapping[str, Mapping[str, Any]]) -> list[StoredAttribute]:
    return [
        StoredAttribute(name, a["DataType"], a.get("StringValue"), a.get("BinaryValue"))
        for name, a in attributes.items()
    ]
