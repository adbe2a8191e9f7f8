"""Receipts: "<seq>.<nonce>.<mac>". The nonce is the message row's `receipt` column, new at each
receive, so a receipt from an earlier receive matches no row (stale: not an error). The MAC,
keyed by the schema's secret and bound to the queue, tells a stale receipt from one this engine
never issued for this queue (ReceiptInvalid), without keeping deleted messages around."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Sequence
from dataclasses import dataclass
from uuid import UUID

from ownstack.ports.errors import PortError
from ownstack.ports.queues import ReceiptInvalid

_MAC_CHARS = 32


@dataclass(frozen=True, slots=True)
class Ticket:
    """What a valid receipt names: the message row and the receive it came from."""

    seq: int
    nonce: UUID


class Receipts:
    def __init__(self, key: bytes) -> None:
        self._key = key

    def issue(self, queue: str, seq: int, nonce: UUID) -> str:
        token = f"{seq:x}.{nonce.hex}"
        return f"{token}.{self._mac(queue, token)}"

    def read(self, queue: str, receipt: str) -> Ticket | None:
        """The ticket, or None when this engine did not issue the receipt for this queue."""
        token, _, mac = receipt.rpartition(".")
        if len(mac) != _MAC_CHARS or not hmac.compare_digest(mac, self._mac(queue, token)):
            return None
        seq, _, nonce = token.partition(".")
        try:
            return Ticket(int(seq, 16), UUID(hex=nonce))
        except ValueError:
            return None

    def read_all(
        self, queue: str, receipts: Sequence[str]
    ) -> tuple[list[Ticket | None], list[PortError | None]]:
        """Per receipt its ticket, and the per-receipt answers so far: ReceiptInvalid where
        there is no ticket, else None (the caller fills in what the database says)."""
        tickets = [self.read(queue, receipt) for receipt in receipts]
        errors: list[PortError | None] = [
            None if ticket is not None else ReceiptInvalid(f"receipt {receipt!r} is not valid")
            for ticket, receipt in zip(tickets, receipts, strict=True)
        ]
        return tickets, errors

    def _mac(self, queue: str, token: str) -> str:
        message = f"{queue}\n{token}".encode("utf-8", "surrogatepass")
        return hmac.new(self._key, message, hashlib.sha256).hexdigest()[:_MAC_CHARS]
