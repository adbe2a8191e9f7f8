"""What Lambda's event source mappings read through: a queue source (SQS) and a stream source
(DynamoDB Streams), as plain data. The composition root (app.py) hands Lambda an adapter of each
(services/sqs/source.py, services/dynamodb/stream_source.py), so Lambda never imports the
services it reads from.

A queue source receives with the queue's own visibility timeout and redrive policy, exactly as
a ReceiveMessage asking for every attribute would: a message not deleted comes back when its
visibility timeout ends, and goes to the queue's dead-letter queue after maxReceiveCount
receives. A stream source reads one shard from a position (sequence numbers are the shard's
offsets: increasing, never reused), and moves what the source has acknowledged but not yet
published first, so a read made after a write sees it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable


class SourceGone(Exception):
    """The queue or stream no longer exists (deleted since the mapping was made)."""


@dataclass(frozen=True, slots=True)
class QueueInfo:
    arn: str
    fifo: bool
    visibility_timeout: int
    """Seconds (the queue's VisibilityTimeout attribute)."""


@dataclass(frozen=True, slots=True)
class MessageAttribute:
    data_type: str
    value: str | bytes
    """Text for String and Number types, bytes for Binary ones."""


@dataclass(frozen=True, slots=True)
class QueueMessage:
    message_id: str
    receipt: str
    body: str
    md5_of_body: str
    attributes: Mapping[str, str]
    """System attributes by SQS's names (ApproximateReceiveCount, SentTimestamp, SenderId,
    ApproximateFirstReceiveTimestamp, and on FIFO queues SequenceNumber, MessageGroupId,
    MessageDeduplicationId; AWSTraceHeader when the message has one)."""
    message_attributes: Mapping[str, MessageAttribute] = field(default_factory=dict)
    md5_of_message_attributes: str | None = None


@runtime_checkable
class QueueSource(Protocol):
    async def queue(self, arn: str) -> QueueInfo | None:
        """The queue `arn` names; None when there is none."""
        ...

    async def receive(self, arn: str, *, max_messages: int, wait: float) -> list[QueueMessage]:
        """Up to `max_messages` (at most 10) messages, waiting up to `wait` seconds for the
        first; they stay in flight for the queue's visibility timeout. Raises SourceGone."""
        ...

    async def delete(self, arn: str, receipts: Sequence[str]) -> None:
        """Delete the messages (a stale receipt deletes nothing). Raises SourceGone."""
        ...


@dataclass(frozen=True, slots=True)
class StreamInfo:
    arn: str
    shards: tuple[str, ...]
    open: bool
    """False once the stream is disabled: its shards are closed, their records stay readable."""


@dataclass(frozen=True, slots=True)
class StreamRecord:
    sequence: int
    record: Mapping[str, Any]
    """The record as Lambda's event shows it, without eventSourceARN (DynamoDB: eventID,
    eventName, eventVersion, eventSource, awsRegion, dynamodb{...}, userIdentity)."""
    created: float
    """When the change was made (epoch seconds): what record ages are measured from."""
    size: int
    """Bytes of the record's JSON text."""
    partition: str
    """What orders records: records of one partition (one item) are processed in order."""


@runtime_checkable
class StreamSource(Protocol):
    async def stream(self, arn: str) -> StreamInfo | None:
        """The stream `arn` names; None when there is none."""
        ...

    async def latest(self, arn: str, shard: str) -> int:
        """The sequence number a LATEST start begins after (the shard's last one, 0 when
        empty). Raises SourceGone."""
        ...

    async def read(self, arn: str, shard: str, *, after: int, limit: int) -> list[StreamRecord]:
        """Up to `limit` records with sequence numbers above `after`, in order (records trimmed
        since are skipped). Raises SourceGone."""
        ...
