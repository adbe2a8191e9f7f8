"""Turning one SendMessage (or one batch entry) into the queue port's NewMessage: every check
SQS makes on a message, and the digests it answers with."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ownstack.core.errors import ServiceError
from ownstack.ports.queues import NewMessage, Sent

from .attributes import int_attribute
from .errors import invalid_parameter, invalid_value, missing_parameter
from .msgattrs import (
    INVALID_CHAR,
    Stored,
    attributes_size,
    encode_stored,
    md5_of_attributes,
    md5_of_body,
    md5_of_trace_header,
    parse_attributes,
    parse_trace_header,
)
from .records import QueueRecord

MAX_DELAY = 900
_FIFO_ID = re.compile(r"[A-Za-z0-9!\"#$%&'()*+,\-./:;<=>?@\[\\\]^_`{|}~]{1,128}")
_NOT_FOR_QUEUE_TYPE = "The request include parameter that is not valid for this queue type"


@dataclass(frozen=True, slots=True)
class Prepared:
    message: NewMessage
    size: int
    md5_body: str
    md5_attributes: str | None
    md5_system: str | None

    def result(self, sent: Sent) -> dict[str, Any]:
        out: dict[str, Any] = {"MessageId": sent.message_id, "MD5OfMessageBody": self.md5_body}
        if self.md5_attributes is not None:
            out["MD5OfMessageAttributes"] = self.md5_attributes
        if self.md5_system is not None:
            out["MD5OfMessageSystemAttributes"] = self.md5_system
        if sent.sequence is not None:
            out["SequenceNumber"] = str(sent.sequence)
        return out


def prepare(sender_id: str, queue: QueueRecord, entry: Mapping[str, Any]) -> Prepared:
    """Raises the ServiceError SQS answers for this message."""
    body: str | None = entry.get("MessageBody")
    if not body:
        raise missing_parameter("MessageBody")
    bad = INVALID_CHAR.search(body)
    if bad is not None:
        raise ServiceError(
            "InvalidMessageContents",
            f"Invalid binary character '#x{ord(bad.group()):X}' was found in the message body, "
            "the set of allowed characters is #x9 | #xA | #xD | #x20 to #xD7FF | #xE000 to "
            "#xFFFD | #x10000 to #x10FFFF",
            400,
        )
    attrs = parse_attributes(entry.get("MessageAttributes"))
    trace = parse_trace_header(entry.get("MessageSystemAttributes"))
    size = len(body.encode()) + attributes_size(attrs)
    limit = int_attribute(queue.attributes, "MaximumMessageSize")
    if size > limit:
        raise invalid_parameter(
            f"One or more parameters are invalid. Reason: Message must be shorter than {limit} "
            "bytes."
        )
    group, dedup = _fifo_ids(queue, entry, body)
    stored = Stored(attrs, sender_id, trace)
    message = NewMessage(
        body=body,
        attributes=encode_stored(stored),
        delay=float(_delay(queue, entry.get("DelaySeconds"))),
        group=group,
        dedup_id=dedup,
    )
    return Prepared(
        message,
        size,
        md5_of_body(body),
        md5_of_attributes(attrs) if attrs else None,
        md5_of_trace_header(trace) if trace is not None else None,
    )


def _delay(queue: QueueRecord, given: int | None) -> int:
    # A FIFO queue has no per-message delay, but SQS refuses only a non-zero one there: an
    # explicit 0 (which SDKs and frameworks send by default) means "no per-message delay", so
    # the queue's own DelaySeconds applies, as when the member is absent.
    if given is None or (queue.fifo and given == 0):
        return int_attribute(queue.attributes, "DelaySeconds")
    if queue.fifo:
        raise invalid_value("DelaySeconds", given, _NOT_FOR_QUEUE_TYPE)
    if not 0 <= given <= MAX_DELAY:
        raise invalid_value("DelaySeconds", given, f"DelaySeconds must be >= 0 and <= {MAX_DELAY}")
    return given


def _fifo_ids(
    queue: QueueRecord, entry: Mapping[str, Any], body: str
) -> tuple[str | None, str | None]:
    group: str | None = entry.get("MessageGroupId")
    dedup: str | None = entry.get("MessageDeduplicationId")
    for name, value in (("MessageGroupId", group), ("MessageDeduplicationId", dedup)):
        if value is not None and not _FIFO_ID.fullmatch(value):
            raise invalid_value(
                name,
                value,
                f"{name} can only include alphanumeric and punctuation characters. 1 to 128 in "
                "length",
            )
    if not queue.fifo:
        if dedup is not None:
            raise invalid_value("MessageDeduplicationId", dedup, _NOT_FOR_QUEUE_TYPE)
        return None, None
    if group is None:
        raise missing_parameter("MessageGroupId")
    if dedup is None:
        if queue.attributes.get("ContentBasedDeduplication") != "true":
            raise invalid_parameter(
                "The queue should either have ContentBasedDeduplication enabled or "
                "MessageDeduplicationId provided explicitly"
            )
        dedup = hashlib.sha256(body.encode()).hexdigest()
    return group, dedup
