"""Scalar values on the wire: text <-> Python for every botocore scalar shape type.

Timestamps become timezone-aware UTC datetimes; results may hand us datetimes or epoch numbers.
Parsing failures raise `BadInputError`, which each codec turns into its protocol's own error.
"""

from __future__ import annotations

import base64
import binascii
import calendar
import email.utils
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

from botocore.model import Shape
from botocore.utils import parse_timestamp


class BadInputError(Exception):
    """A request value that does not fit its shape (bad number, timestamp, base64, JSON...)."""

    def __init__(self, message: str, member: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.member = member


class InvalidUriError(BadInputError):
    """A path label that is not valid UTF-8 once percent-decoded: the URI itself is malformed,
    which some protocols answer differently from a bad member value (S3: InvalidURI)."""


INTEGER_TYPES = frozenset({"integer", "long", "short", "byte"})
FLOAT_TYPES = frozenset({"float", "double"})
SCALAR_TYPES = frozenset(
    {"string", "boolean", "timestamp", "blob"} | INTEGER_TYPES | FLOAT_TYPES | {"bigdecimal"}
)


def timestamp_format(shape: Shape, default: str) -> str:
    fmt = shape.serialization.get("timestampFormat") or shape.metadata.get("timestampFormat")
    return str(fmt or default).lower()


def to_datetime(value: Any) -> datetime:
    """A result's timestamp (datetime, epoch number or ISO text) as an aware UTC datetime."""
    if isinstance(value, datetime):
        if value.tzinfo is UTC:
            return value  # already what we want; astimezone would build a copy per call
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    if isinstance(value, int | float):
        return datetime.fromtimestamp(value, UTC)
    return parse_text_timestamp(str(value))


_DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTHS = ("", "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def format_timestamp(value: Any, fmt: str) -> str | float | int:
    dt = to_datetime(value)
    if fmt == "rfc822":
        return _rfc822(dt)
    if fmt == "unixtimestamp":
        whole = calendar.timegm(dt.timetuple())
        return whole + dt.microsecond / 1e6 if dt.microsecond else whole
    return (
        f"{dt.year:04d}-{dt.month:02d}-{dt.day:02d}T{dt.hour:02d}:{dt.minute:02d}:"
        f"{dt.second:02d}.{dt.microsecond // 1000:03d}Z"
    )


@lru_cache(maxsize=1024)
def _rfc822(dt: datetime) -> str:
    """What email.utils.formatdate(timegm(...), usegmt=True) prints, formatted straight from
    the UTC datetime (a third of the cost). Remembered: every GET/HEAD sends Last-Modified,
    and the objects read most are the same few, so this is mostly a lookup."""
    return (
        f"{_DAYS[dt.weekday()]}, {dt.day:02d} {_MONTHS[dt.month]} {dt.year:04d} "
        f"{dt.hour:02d}:{dt.minute:02d}:{dt.second:02d} GMT"
    )


def parse_text_timestamp(text: str) -> datetime:
    """ISO 8601, RFC 822 or epoch seconds, as AWS accepts any of them for a timestamp."""
    try:
        if text[-1:] == "Z" and "T" in text:
            return datetime.fromisoformat(text).astimezone(UTC)
        if text[:1].isalpha():
            return email.utils.parsedate_to_datetime(text).astimezone(UTC)
        parsed = parse_timestamp(text)
    except (ValueError, TypeError, IndexError) as exc:
        raise BadInputError(f"Invalid timestamp: {text!r}") from exc
    if not isinstance(parsed, datetime):
        raise BadInputError(f"Invalid timestamp: {text!r}")
    return parsed.astimezone(UTC)


def parse_scalar(shape: Shape, text: str) -> Any:
    """A scalar from its text form (header, query string, XML text)."""
    kind = shape.type_name
    if kind == "string":
        return text
    if kind in INTEGER_TYPES:
        try:
            return int(text)
        except ValueError as exc:
            raise BadInputError(f"Invalid integer: {text!r}") from exc
    if kind == "boolean":
        if text in ("true", "false"):
            return text == "true"
        raise BadInputError(f"Invalid boolean: {text!r}")
    if kind in FLOAT_TYPES:
        try:
            return float(text)
        except ValueError as exc:
            raise BadInputError(f"Invalid number: {text!r}") from exc
    if kind == "timestamp":
        return parse_text_timestamp(text)
    if kind == "blob":
        return decode_base64(text)
    return text


def decode_base64(text: str) -> bytes:
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise BadInputError("Invalid base64 value") from exc


def format_scalar(shape: Shape, value: Any, ts_default: str) -> str:
    """A scalar's text form for headers, query strings and XML text."""
    kind = shape.type_name
    if kind == "string":  # the common case first (ETag, Content-Type, ...)
        return str(value)
    if kind == "boolean":
        return "true" if value else "false"
    if kind == "timestamp":
        return str(format_timestamp(value, timestamp_format(shape, ts_default)))
    if kind == "blob":
        raw = value.encode() if isinstance(value, str) else bytes(value)
        return base64.b64encode(raw).decode("ascii")
    if kind in FLOAT_TYPES:
        return repr(float(value))
    return str(value)
