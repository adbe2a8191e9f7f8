"""Rows to the port's types and back. Bodies are stored as their UTF-8 bytes (surrogates
passed through), so the engine stores any `str` and never looks inside."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from ownstack.backends.postgres.driver import Row
from ownstack.backends.postgres.receipts import Receipts
from ownstack.ports.queues import Received


def encode_body(body: str) -> bytes:
    return body.encode("utf-8", "surrogatepass")


def decode_body(raw: bytes) -> str:
    return raw.decode("utf-8", "surrogatepass")


def received(row: Row, queue: str, fifo: bool, receipts: Receipts) -> Received:
    seq: int = row["seq"]
    return Received(
        message_id=row["id"],
        body=decode_body(row["body"]),
        attributes=bytes(row["attributes"]),
        receipt=receipts.issue(queue, seq, row["receipt"]),
        sent_at=row["sent_at"],
        receive_count=row["receive_count"],
        first_received_at=row["first_received_at"],
        group=row["grp"],
        dedup_id=row["dedup_id"],
        sequence=seq if fifo else None,
        dead_letter_source=row["dead_letter_source"],
    )


@dataclass(frozen=True, slots=True)
class Stored:
    """A message as it goes into `messages` with its sequence number given."""

    seq: int
    message_id: str
    body: bytes
    attributes: bytes
    sent_at: float
    visible_at: float
    group: str | None
    dedup_id: str | None
    dead_letter_source: str | None = None


def insert_args(queue: str, rows: Sequence[Stored]) -> list[Any]:
    """The parameters of sql.INSERT: the queue, then one array per column."""
    return [
        queue,
        [r.seq for r in rows],
        [r.message_id for r in rows],
        [r.body for r in rows],
        [r.attributes for r in rows],
        [r.sent_at for r in rows],
        [r.visible_at for r in rows],
        [r.group for r in rows],
        [r.dedup_id for r in rows],
        [r.dead_letter_source for r in rows],
    ]
