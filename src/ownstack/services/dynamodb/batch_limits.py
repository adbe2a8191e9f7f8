"""Request-shape checks of the multi-item operations (BatchGetItem, BatchWriteItem,
TransactGetItems, TransactWriteItems) in the words of AWS's model validation:
"1 validation error detected: Value '...' at 'transactItems' failed to satisfy constraint:
Member must have length less than or equal to 100".

The wire layer checks only required top-level members; list lengths and enums are AWS's
model constraints, reported before anything is read.
"""

from __future__ import annotations

import base64
import zlib
from collections.abc import Mapping
from typing import Any

from .errors import DynamoError, validation

MAX_GET_KEYS = 100
"""BatchGetItem's keys per table (and in all)."""
MAX_WRITES = 25
"""BatchWriteItem's requests per table (and in all)."""
MAX_ACTIONS = 100
"""TransactWriteItems' actions."""
MAX_GETS = 100
"""TransactGetItems' gets."""


def constraint_error(value: object, where: str, constraint: str) -> DynamoError:
    """AWS's model-validation message for one failed constraint. `value` is rendered the way
    AWS's (Java) service prints it: maps as {k=v}, lists as [a, b]."""
    shown = "null" if value is None else f"'{java_text(value)}'"
    return validation(
        f"1 validation error detected: Value {shown} at '{where}' failed to satisfy"
        f" constraint: {constraint}"
    )


def java_objects(shape: str, members: Any) -> list[str]:
    """A list of structures as AWS's service prints one: `com.amazonaws.dynamodb.v20120810.
    WriteRequest@caad9cb8` (class name and an identity hash, here a hash of the content)."""
    return [
        f"com.amazonaws.dynamodb.v20120810.{shape}@{zlib.crc32(repr(m).encode()):08x}"
        for m in members
    ]


def java_text(value: object) -> str:
    if isinstance(value, Mapping):
        return "{" + ", ".join(f"{k}={java_text(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list | tuple):
        return "[" + ", ".join(java_text(v) for v in value) + "]"
    if isinstance(value, bytes):
        return base64.b64encode(value).decode()
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def check_length(value: Any, where: str, *, low: int, high: int) -> None:
    """A list's or map's length within [low, high] (AWS checks the maximum first)."""
    if len(value) > high:
        raise constraint_error(
            value, where, f"Member must have length less than or equal to {high}"
        )
    if len(value) < low:
        raise constraint_error(
            value, where, f"Member must have length greater than or equal to {low}"
        )


def check_token(token: object) -> str | None:
    """ClientRequestToken: 1 to 36 characters."""
    if token is None:
        return None
    text = str(token)
    if len(text) > 36:
        raise constraint_error(
            text, "clientRequestToken", "Member must have length less than or equal to 36"
        )
    if not text:
        raise constraint_error(
            text, "clientRequestToken", "Member must have length greater than or equal to 1"
        )
    return text
