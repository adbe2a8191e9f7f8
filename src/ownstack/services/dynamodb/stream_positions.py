"""Positions in a stream's shard as DynamoDB Streams clients see them: sequence numbers and
shard iterators.

A SequenceNumber is the record's log offset as a decimal string of at least 21 digits (the
model's minimum length), so it is numeric and sorts both as text and as a number, as clients
expect (https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_streams_StreamRecord.html).

A ShardIterator has AWS's shape, "<stream arn>|1|<opaque>": the opaque part is the shard, the
offset the next read starts after, and when the iterator was made, as base64 JSON. Iterators
expire 15 minutes after they were made:
https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_streams_GetShardIterator.html
"""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass

from .errors import DynamoError, validation

SEQUENCE_DIGITS = 21
ITERATOR_TTL_S = 15 * 60.0
_VERSION = "1"


def sequence_number(offset: int) -> str:
    return f"{offset:0{SEQUENCE_DIGITS}d}"


def parse_sequence_number(text: str) -> int:
    """The offset of a SequenceNumber parameter (its length was checked against the model)."""
    if not text.isascii() or not text.isdigit():
        raise validation("Invalid SequenceNumber")
    return int(text)


@dataclass(frozen=True, slots=True)
class Iterator:
    stream_arn: str
    shard: str
    after: int
    """The offset the next read starts after."""
    made: float
    """Clock time the iterator was made (GetShardIterator, or the GetRecords that returned it)."""


def encode_iterator(it: Iterator) -> str:
    body = json.dumps({"s": it.shard, "a": it.after, "t": it.made}, separators=(",", ":"))
    opaque = base64.b64encode(body.encode()).decode()
    return f"{it.stream_arn}|{_VERSION}|{opaque}"


def decode_iterator(text: str) -> Iterator:
    """ValidationException "Invalid ShardIterator" for anything this module did not make."""
    arn, _, rest = text.partition("|")
    version, _, opaque = rest.partition("|")
    if not arn or version != _VERSION:
        raise _invalid()
    try:
        body = json.loads(base64.b64decode(opaque, validate=True))
        shard, after, made = body["s"], body["a"], body["t"]
    except (binascii.Error, ValueError, TypeError, KeyError):
        raise _invalid() from None
    if not isinstance(shard, str) or not _is_int(after) or not _is_number(made):
        raise _invalid()
    return Iterator(arn, shard, after, float(made))


def check_fresh(it: Iterator, now: float) -> None:
    """ExpiredIteratorException once ITERATOR_TTL_S has passed since the iterator was made."""
    if now - it.made > ITERATOR_TTL_S:
        # AWS's words, as its SDKs show them ("Shard iterator has expired (Service:
        # AmazonDynamoDBStreams; Status Code: 400; Error Code: ExpiredIteratorException ...").
        raise DynamoError("ExpiredIteratorException", "Shard iterator has expired")


def _invalid() -> DynamoError:
    return validation("Invalid ShardIterator")


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)
