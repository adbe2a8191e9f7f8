"""AWS event stream framing (application/vnd.amazon.eventstream), the encoding side: what
InvokeWithResponseStream (and later S3 SelectObjectContent, Kinesis SubscribeToShard) send.

A message is: total length (4 bytes, big-endian), headers length (4), CRC32 of those 8 bytes,
the headers, the payload, and the CRC32 of everything before it. Headers here are all strings
(type 7): name length (1 byte), name, 7, value length (2 bytes), value.
"""

from __future__ import annotations

import struct
import zlib
from collections.abc import AsyncIterable, AsyncIterator, Mapping

from ownstack.core.service import StreamEvent

_STRING = 7
_PRELUDE = struct.Struct(">II")
_CRC = struct.Struct(">I")


def _headers(headers: Mapping[str, str]) -> bytes:
    out = bytearray()
    for name, value in headers.items():
        raw_name, raw_value = name.encode("utf-8"), value.encode("utf-8")
        out += bytes((len(raw_name),)) + raw_name
        out += bytes((_STRING,)) + struct.pack(">H", len(raw_value)) + raw_value
    return bytes(out)


def message(headers: Mapping[str, str], payload: bytes) -> bytes:
    """One encoded event stream message."""
    head = _headers(headers)
    total = _PRELUDE.size + _CRC.size + len(head) + len(payload) + _CRC.size
    prelude = _PRELUDE.pack(total, len(head))
    body = prelude + _CRC.pack(zlib.crc32(prelude)) + head + payload
    return body + _CRC.pack(zlib.crc32(body))


def event(event_type: str, payload: bytes, content_type: str = "application/octet-stream") -> bytes:
    """An `event` message of `event_type` (a member name of the stream's union)."""
    headers = {
        ":event-type": event_type,
        ":content-type": content_type,
        ":message-type": "event",
    }
    return message(headers, payload)


def exception(error_code: str, payload: bytes) -> bytes:
    """A modelled error in the stream (`:message-type` exception)."""
    headers = {
        ":exception-type": error_code,
        ":content-type": "application/json",
        ":message-type": "exception",
    }
    return message(headers, payload)


async def framed(events: AsyncIterable[StreamEvent]) -> AsyncIterator[bytes]:
    """A service's events as encoded messages."""
    async for item in events:
        yield event(item.event_type, item.payload, item.content_type)
