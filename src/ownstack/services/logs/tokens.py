"""The tokens and ids reads answer: GetLogEvents' nextForwardToken / nextBackwardToken,
FilterLogEvents' nextToken, and events' eventId.

A GetLogEvents token names a place between two events of a stream, in (timestamp, offset)
order: `f/<place>/s` reads the events after it, `b/<place>/s` those before it, where <place>
is the timestamp (20 digits) and the offset (36 digits) of the event just before the place
(AWS's tokens have the same shape: a direction, 56 digits, `/s`). `f/0...0/s` is the start
of the stream. An event at (t, n) has the place (t, n - 1) just before it, since offsets are
whole numbers.
"""

from __future__ import annotations

import json
import re

from ownstack.core.tokens import opaque_token, token_text
from ownstack.ports.logs import LogRecord, Position

from .errors import bad_token

_PLACE = re.compile(r"([fb])/(\d{20})(\d{36})(?:/s)?")
FORWARD = "f"
BACKWARD = "b"
START = (0, 0)


def stream_token(direction: str, place: tuple[int, int]) -> str:
    stamp, offset = place
    return f"{direction}/{stamp:020d}{offset:036d}/s"


def parse_stream_token(token: str) -> tuple[str, tuple[int, int]]:
    """(direction, place) of a GetLogEvents token; raises InvalidParameterException."""
    found = _PLACE.fullmatch(token)
    if found is None:
        raise bad_token()
    return found.group(1), (int(found.group(2)), int(found.group(3)))


def after_event(record: LogRecord) -> tuple[int, int]:
    return record.key, record.offset


def before_event(record: LogRecord) -> tuple[int, int]:
    return record.key, record.offset - 1


def filter_token(position: Position) -> str:
    """FilterLogEvents' nextToken: where its scan of the group stopped."""
    return opaque_token(json.dumps(list(position), separators=(",", ":")))


def parse_filter_token(token: str) -> Position:
    text = token_text(token)
    try:
        key, shard, offset = json.loads(text or "")
    except ValueError:
        raise bad_token() from None
    if not (isinstance(key, int) and isinstance(shard, str) and isinstance(offset, int)):
        raise bad_token()
    return key, shard, offset


def event_id(record: LogRecord) -> str:
    """56 digits, unique in the group, ordered by time: the timestamp (20 digits), the offset
    in the stream (18) and the stream's serial (18)."""
    serial = int(record.shard.rsplit(":", 1)[-1] or 0)
    return f"{record.key:020d}{record.offset % 10**18:018d}{serial % 10**18:018d}"
