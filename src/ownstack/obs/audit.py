"""The audit log: one CloudTrail-shaped JSON record per denied call and per mutating call.

The gateway calls `AuditLog.record(event)` on the request path; that only queues the event
(a lock, an append). A writer thread builds the records (userIdentity, redacted
requestParameters: see audit_redact), encodes them with msgspec and appends them to
<directory>/audit.log, fsyncing after each batch, at least every `interval` seconds (1 s) and
sooner when `batch` events are waiting. So the event loop never waits on the disk.

Durability: an audit log is evidence, so every batch is fsynced, and `close()` writes and
fsyncs what is queued. A crash (kill -9, power loss) loses at most the events recorded in the
last `interval` before it (plus, on power loss, the one record being written, which is left on
a line of its own and skipped as invalid JSON). If a write fails (disk full), the encoded
lines are kept and retried at the next flush; a retry after a partial write may repeat some
records (their eventIDs tell the copies apart).

Rotation by size: see audit_file (audit.log, audit.log.1 newest ... audit.log.<keep>).
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import msgspec

from ownstack.core.clock import Clock, SystemClock
from ownstack.core.context import Principal

from .audit_file import RotatingAuditFile
from .audit_record import cloudtrail_record
from .audit_redact import without_dropped

_log = logging.getLogger("ownstack.audit")
_encode = msgspec.json.Encoder().encode


@dataclass(slots=True)
class AuditEvent:
    """What the gateway knows of one call. `request_parameters` is read later, by the writer
    thread: the caller must not change the mapping after `record()`."""

    event_time: float
    event_source: str
    """"s3.amazonaws.com", "sqs.amazonaws.com", "iam.amazonaws.com"..."""
    event_name: str
    """The operation name, e.g. "PutObject"."""
    region: str
    source_ip: str
    user_agent: str
    request_id: str
    principal: Principal
    request_parameters: Mapping[str, Any] | None
    error_code: str = ""
    error_message: str = ""
    read_only: bool = False
    resources: Sequence[str] = ()
    """ARNs of the resources the call names."""
    recipient_account: str = ""
    """The account whose resource was called (defaults to the caller's)."""


class AuditLog:
    def __init__(
        self,
        directory: Path,
        *,
        max_bytes: int = 64 << 20,
        keep: int = 10,
        clock: Clock | None = None,
        interval: float = 1.0,
        batch: int = 1024,
    ) -> None:
        """Opens (creates, mode 0600) <directory>/audit.log now, so a bad data dir fails at
        start-up, and starts the writer thread."""
        self._file = RotatingAuditFile(directory, max_bytes, keep)
        self._clock = clock or SystemClock()
        self._interval = interval
        self._batch = batch
        self._pending: list[AuditEvent] = []
        self._pending_lock = threading.Lock()
        self._write_lock = threading.Lock()  # one writer at a time: the thread, flush(), close()
        self._unwritten: list[bytes] = []  # encoded lines a failed write left behind
        self._wake = threading.Event()
        self._closed = False
        self._writer = threading.Thread(target=self._run, name="ownstack-audit", daemon=True)
        self._writer.start()

    @property
    def path(self) -> Path:
        return self._file.path

    def record(self, event: AuditEvent) -> None:
        """Queue one event (request path: no I/O, no record building)."""
        params = event.request_parameters
        if params:
            # A body stream must not stay alive in the queue until the next flush.
            event.request_parameters = without_dropped(params)
        with self._pending_lock:
            if self._closed:  # checked under the lock: close() then writes every queued event
                raise RuntimeError("audit log is closed")
            self._pending.append(event)
            waiting = len(self._pending)
        if waiting >= self._batch:
            self._wake.set()

    def flush(self) -> None:
        """Write and fsync what is queued. Blocks on the disk: call it from the writer thread,
        at shutdown or in tests, not from the event loop."""
        with self._write_lock:
            with self._pending_lock:
                events, self._pending = self._pending, []
            ids = _event_ids(len(events))
            encoded = (self._encoded(e, event_id) for e, event_id in zip(events, ids, strict=True))
            lines = self._unwritten + [line for line in encoded if line]
            self._unwritten = []
            if not lines:
                return
            try:
                self._file.write_lines(lines)
            except OSError:
                self._unwritten = lines
                raise

    def close(self) -> None:
        """Stop the writer thread, write and fsync everything queued, close the file."""
        with self._pending_lock:
            if self._closed:
                return
            self._closed = True
        self._wake.set()
        self._writer.join()
        try:
            self.flush()
        finally:
            with self._write_lock:
                self._file.close()

    def _run(self) -> None:
        while not self._closed:
            self._wake.wait(self._interval)
            self._wake.clear()
            if self._closed:
                return  # close() flushes, after this thread has stopped
            try:
                self.flush()
            except OSError:
                _log.exception("audit log: write to %s failed; retrying", self._file.path)

    def _encoded(self, event: AuditEvent, event_id: str) -> bytes:
        event_time = event.event_time if event.event_time > 0 else self._clock.now()
        try:
            record = cloudtrail_record(event, event_id, event_time)
            return _encode(record) + b"\n"
        except Exception:  # one bad event must not cost the batch its evidence
            _log.exception("audit log: cannot encode %s %s", event.event_name, event.request_id)
            return b""


def _event_ids(count: int) -> list[str]:
    """`count` random (version 4) UUIDs from one read of the system's randomness: uuid.uuid4()
    costs a syscall and a UUID object each (~4 us; this ~1.4 us)."""
    digits = os.urandom(16 * count).hex()
    ids = []
    for start in range(0, len(digits), 32):
        h = digits[start : start + 32]
        variant = "89ab"[int(h[16], 16) & 3]  # RFC 4122 variant: the top bits are 10
        ids.append(f"{h[:8]}-{h[8:12]}-4{h[13:16]}-{variant}{h[17:20]}-{h[20:]}")
    return ids
