"""Small responses written together at the end of the event loop's iteration.

Why: on loopback (and on any busy host) the send that completes a response also delivers it
and wakes the client's thread, and when the client is waiting in epoll that wake-up is an
inter-processor interrupt: measured ~10% of the CPU of a 1 KiB GET under load, spent in
try_to_wake_up. Responses produced in one loop iteration now go out back to back after it, so a
client reading many connections is woken once per burst, not once per response: 1 KiB GET
+5-8% req/s and a lower p99 (7.5-8 against ~10 ms) in A/B runs. The delay is the rest of the
current iteration, never a timer.

`OutTransport` wraps a connection's transport so that this cannot reorder or lose bytes: only a
complete small response is deferred (`write_soon`), and every other operation on the transport
first writes what that connection still has deferred.
"""

from __future__ import annotations

import asyncio
from typing import Any


class WriteBatch:
    """The connections of one server with deferred bytes, flushed once per loop iteration."""

    __slots__ = ("_pending", "_scheduled")

    def __init__(self) -> None:
        self._pending: list[OutTransport] = []
        self._scheduled = False

    def add(self, out: OutTransport, loop: asyncio.AbstractEventLoop) -> None:
        if not self._scheduled:
            self._scheduled = True
            loop.call_soon(self._flush)
        self._pending.append(out)

    def _flush(self) -> None:
        self._scheduled = False
        pending, self._pending = self._pending, []
        for out in pending:
            out.flush()


class OutTransport:
    """A connection's transport with `write_soon`; see the module doc."""

    __slots__ = ("_batch", "_deferred", "_loop", "_transport")

    def __init__(
        self, transport: asyncio.Transport, batch: WriteBatch, loop: asyncio.AbstractEventLoop
    ) -> None:
        self._transport = transport
        self._batch = batch
        self._loop = loop
        self._deferred: bytes | None = None

    def write_soon(self, data: bytes) -> None:
        """Write `data` (a whole response) after the current loop iteration."""
        if self._deferred is None:
            self._deferred = data
            self._batch.add(self, self._loop)
        else:
            self._deferred += data

    def flush(self) -> None:
        data = self._deferred
        if data is None:
            return
        self._deferred = None
        if not self._transport.is_closing():
            self._transport.write(data)

    # -- the transport, deferred bytes first ---------------------------------------------------

    def write(self, data: bytes | bytearray | memoryview) -> None:
        self.flush()
        self._transport.write(data)

    def writelines(self, lines: Any) -> None:
        self.flush()
        self._transport.writelines(lines)

    def write_eof(self) -> None:
        self.flush()
        self._transport.write_eof()

    def close(self) -> None:
        self.flush()
        self._transport.close()

    def abort(self) -> None:
        self._deferred = None  # an abort discards what is buffered anyway
        self._transport.abort()

    def get_write_buffer_size(self) -> int:
        self.flush()
        return self._transport.get_write_buffer_size()

    def set_write_buffer_limits(self, high: int | None = None, low: int | None = None) -> None:
        self.flush()
        self._transport.set_write_buffer_limits(high=high, low=low)

    def get_extra_info(self, name: str, default: Any = None) -> Any:
        self.flush()  # a caller after the socket itself (sendfile) must find nothing deferred
        return self._transport.get_extra_info(name, default)

    def is_closing(self) -> bool:
        return self._transport.is_closing()

    def pause_reading(self) -> None:
        self._transport.pause_reading()

    def resume_reading(self) -> None:
        self._transport.resume_reading()
