"""The notification outbox: one record per (change, destination), written in the same meta
commit as the object change that causes it, so an acknowledged change never loses its events;
notify_delivery.py delivers and deletes them.

Namespaces and keys:
  OUTBOX   "<20-digit microseconds>-<process tag>-<counter>" -> Pending (new, due at once)
  RETRY    "<20-digit due microseconds>-<outbox key>"          -> Pending (failed, backing off)

Outbox keys sort by when the change was made, so deliveries go out roughly in that order. A
record's sequencer is the meta version of the commit that wrote it, which grows with every
commit: one key's events are ordered as its changes committed (each commit of a key follows
the one before it). A retried record keeps that sequencer in `sequencer` (moving it to RETRY
gives it a new version).
"""

from __future__ import annotations

import binascii
import itertools
import random
import secrets
from dataclasses import dataclass
from typing import Any

from ownstack.core.context import RequestContext
from ownstack.core.records import JsonRecord
from ownstack.ports.meta import Put

from .notify_match import compiled
from .notify_record import (
    Change,
    Request,
    event_record,
    eventbridge_delivers,
    eventbridge_event,
    request_of,
)
from .records import BucketRecord

OUTBOX = "s3:notify"
RETRY = "s3:notify-retry"
_WIDTH = 20
_PROCESS = secrets.token_hex(4)
_counter = itertools.count()


@dataclass(slots=True)
class Pending(JsonRecord):
    target: str
    """The destination's ARN (EventBridge: the bucket owner's default event bus)."""
    message: dict[str, Any]
    """The event record or EventBridge event, its sequencer empty until delivery."""
    bucket: str
    owner: str
    """The bucket owner's account: the delivery's aws:SourceAccount."""
    first: float
    """When the change was made: a delivery is given up 24 hours after it."""
    signed: bool = True
    """Delivered as s3.amazonaws.com, checked against the destination's resource policy
    (False for EventBridge: S3 needs no permission to reach its owner's default bus)."""
    attempts: int = 0
    sequencer: str = ""
    """Set once the record has been moved to RETRY (its version then no longer says it)."""
    error: str = ""
    """Why the last attempt failed."""


def sequencer(version: int) -> str:
    """A sequencer as S3 writes them: upper-case hex, fixed width, so that string order is
    the order of the changes."""
    return f"{version:018X}"


def outbox_key(when: float) -> str:
    return f"{int(when * 1_000_000):0{_WIDTH}d}-{_PROCESS}-{next(_counter):08d}"


def retry_key(due: float, outbox: str) -> str:
    return f"{int(due * 1_000_000):0{_WIDTH}d}-{outbox}"


def due_end(now: float) -> str:
    """The RETRY scan end: every key below it is due at `now`."""
    return f"{int(now * 1_000_000) + 1:0{_WIDTH}d}"


def base_key(ns: str, key: str) -> str:
    """The outbox key a record started under (a RETRY key embeds it after its due time)."""
    return key if ns == OUTBOX else key.split("-", 1)[1]


def host_id() -> str:
    """An x-amz-id-2, shaped as S3 makes them (opaque base64)."""
    return binascii.b2a_base64(
        random.getrandbits(384).to_bytes(48, "little"), newline=False
    ).decode()


def eventbridge_bus(bucket: BucketRecord) -> str:
    return f"arn:aws:events:{bucket.region}:{bucket.account_id}:event-bus/default"


def outbox_puts(
    bucket: BucketRecord, ctx: RequestContext, changes: list[Change], now: float
) -> list[Put]:
    """The outbox records of `changes` for every destination the bucket's configuration
    sends them to ([] when it sends them nowhere). One request, one host id."""
    rules = compiled(bucket.notification)
    request: Request | None = None
    puts: list[Put] = []
    for change in changes:
        targets = [(r.id, r.arn) for r in rules.rules_for(change.event, change.key)]
        bridge = rules.eventbridge and eventbridge_delivers(change.event)
        if not targets and not bridge:
            continue
        request = request or request_of(ctx, host_id(), now)
        for config_id, arn in targets:
            message = event_record(bucket, change, request, config_id)
            puts.append(_put(Pending(arn, message, bucket.name, bucket.account_id, now)))
        if bridge:
            message = eventbridge_event(bucket, change, request)
            pending = Pending(eventbridge_bus(bucket), message, bucket.name, bucket.account_id, now)
            pending.signed = False
            puts.append(_put(pending))
    return puts


def _put(pending: Pending) -> Put:
    return Put(OUTBOX, outbox_key(pending.first), pending.encode())
