"""TransactWriteItems' ClientRequestToken: the idempotency window.

A successful transaction with a token leaves a record (the request's digest, when it
completed, what a replay answers) written in the transaction's own commit, so a transaction
is applied at most once per token however many copies race: the second commit expects the
record absent and fails. Within 10 minutes the same token with the same request returns
success without applying anything; with another request, IdempotentParameterMismatch.
After 10 minutes the token is new again (its record is overwritten).
https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_TransactWriteItems.html#DDB-TransactWriteItems-request-ClientRequestToken
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from ownstack.core.context import RequestContext
from ownstack.ports.meta import ABSENT, Expect, MetaStore, Put

TOKENS = "ddb:tokens"
WINDOW = 600.0
"""Seconds a token stays bound to its request after the transaction completed."""


@dataclass(frozen=True, slots=True)
class Remembered:
    digest: str
    completed: float
    read_units: dict[str, float] = field(default_factory=dict)
    """Per table name: what re-reading the written items costs (a replay reports it)."""
    metrics: dict[str, Any] | None = None
    """The first call's ItemCollectionMetrics, when it returned any."""


@dataclass(frozen=True, slots=True)
class TokenSlot:
    """A token's record as read: what it holds (None: no live record) and what the commit
    that claims the token must expect."""

    key: str
    remembered: Remembered | None
    expect: Expect


def token_key(ctx: RequestContext, token: str) -> str:
    return f"{ctx.region}/{ctx.account_id}/{token}"


def request_digest(params: Mapping[str, Any]) -> str:
    """What identifies "the same request": every parameter but the token itself and
    ReturnConsumedCapacity (which only shapes the answer: a replay reports read units)."""
    relevant = {
        k: v for k, v in params.items() if k not in ("ClientRequestToken", "ReturnConsumedCapacity")
    }
    text = json.dumps(relevant, sort_keys=True, separators=(",", ":"), default=_bytes)
    return hashlib.sha256(text.encode()).hexdigest()


def _bytes(value: object) -> str:
    if isinstance(value, bytes | bytearray):
        return base64.b64encode(bytes(value)).decode()
    raise TypeError(f"not JSON: {type(value).__name__}")


async def read_slot(meta: MetaStore, key: str, now: float) -> TokenSlot:
    record = await meta.get(TOKENS, key)
    if record is None:
        return TokenSlot(key, None, ABSENT)
    remembered = _decode(record.value)
    live = now - remembered.completed < WINDOW
    return TokenSlot(key, remembered if live else None, record.version)


def claim(slot: TokenSlot, remembered: Remembered) -> Put:
    """The write that binds the token to this transaction, in the transaction's commit."""
    return Put(TOKENS, slot.key, _encode(remembered), slot.expect)


def _encode(remembered: Remembered) -> bytes:
    doc = {
        "digest": remembered.digest,
        "completed": remembered.completed,
        "read_units": remembered.read_units,
        "metrics": remembered.metrics,
    }
    return json.dumps(doc, separators=(",", ":"), default=_bytes).encode()


def _decode(data: bytes) -> Remembered:
    doc = json.loads(data)
    return Remembered(doc["digest"], doc["completed"], doc["read_units"], doc["metrics"])
