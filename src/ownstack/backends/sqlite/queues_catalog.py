"""What SqliteQueues keeps in memory of its database: the queues (name -> number, spec, next
FIFO sequence), the next message number, and the receipt key.

Jobs change it while they run inside the write transaction (the writer applies jobs one at a
time), and `flush` writes the counters that changed just before each COMMIT. If a batch is
rolled back, `load` rereads everything from the database, so memory never runs ahead of what
was committed. The database file is locked to this process (lock.py), which keeps it coherent.
"""

from __future__ import annotations

import base64
import hmac
import secrets
import sqlite3
from dataclasses import dataclass

from ownstack.backends.sqlite import queues_schema as schema
from ownstack.ports.queues import QueueNotFound, QueueSpec


@dataclass(slots=True)
class QueueInfo:
    qn: int
    name: str
    spec: QueueSpec
    next_seq: int


class Catalog:
    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn = conn
        conn.execute("BEGIN IMMEDIATE")
        try:
            self._secret = schema.load_setting(conn, "receipt_key", secrets.token_bytes(32))
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        self.queues: dict[str, QueueInfo] = {}
        self._next_mn = 1
        self._saved_mn = 0
        self._dirty: dict[int, QueueInfo] = {}
        self.load()

    def load(self) -> None:
        """(Re)read the queues and counters from the database."""
        rows = self._conn.execute(
            "SELECT qn, name, fifo, retention, dedup_window, dedup_per_group, next_seq FROM queues"
        ).fetchall()
        self.queues = {row[1]: _info(row) for row in rows}
        self._saved_mn = schema.last_message_number(self._conn)
        self._next_mn = self._saved_mn + 1
        self._dirty = {}

    def get(self, name: str) -> QueueInfo:
        info = self.queues.get(name)
        if info is None:
            raise QueueNotFound(name)
        return info

    def new_message_number(self) -> int:
        mn = self._next_mn
        self._next_mn += 1
        return mn

    def next_sequence(self, info: QueueInfo) -> int:
        seq = info.next_seq
        info.next_seq += 1
        self._dirty[info.qn] = info
        return seq

    def flush(self) -> None:
        """Save what changed (inside the open transaction, before its COMMIT)."""
        if self._dirty:
            self._conn.executemany(
                "UPDATE queues SET next_seq = ? WHERE qn = ?",
                [(info.next_seq, qn) for qn, info in self._dirty.items()],
            )
            self._dirty = {}
        if self._next_mn - 1 != self._saved_mn:
            self._conn.execute(schema.SAVE_MESSAGE_NUMBER, (self._next_mn - 1,))
            self._saved_mn = self._next_mn - 1

    # -- receipts: "<mn>.<receive count>.<mac>", the mac binding both to the queue -------------

    def receipt(self, info: QueueInfo, mn: int, count: int) -> str:
        return f"{mn}.{count}.{self._mac(info, mn, count)}"

    def open_receipt(self, info: QueueInfo, receipt: str) -> tuple[int, int] | None:
        """(message number, receive count) of a receipt issued for this queue, else None."""
        parts = receipt.split(".")
        if len(parts) != 3 or not all(_is_number(part) for part in parts[:2]):
            return None
        mn, count = int(parts[0]), int(parts[1])
        if not hmac.compare_digest(parts[2], self._mac(info, mn, count)):
            return None
        return mn, count

    def _mac(self, info: QueueInfo, mn: int, count: int) -> str:
        text = f"{info.qn}/{info.name}/{mn}/{count}".encode()
        digest = hmac.digest(self._secret, text, "sha256")[:15]
        return base64.urlsafe_b64encode(digest).decode()


def _is_number(text: str) -> bool:
    return 0 < len(text) <= 19 and text.isascii() and text.isdigit()


def _info(row: tuple[int, str, int, float, float, int, int]) -> QueueInfo:
    qn, name, fifo, retention, window, per_group, next_seq = row
    spec = QueueSpec(
        fifo=bool(fifo), retention=retention, dedup_window=window, dedup_per_group=bool(per_group)
    )
    return QueueInfo(qn, name, spec, next_seq)
