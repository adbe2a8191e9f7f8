"""Writing responses: the head in one bytes join, then the body with backpressure.

File ranges go out with `os.sendfile` straight from the page cache to the socket. Transports
(asyncio's and uvloop's) own the socket fd and refuse `add_writer` on it, so we wait for
writability on a `dup` of it; before that we let the transport flush its own buffer so the
bytes stay in order.
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import http
import os
import time
from collections.abc import AsyncIterable
from email.utils import formatdate

from ownstack.core.http import FileRange, Payload
from ownstack.gateway.server_batch import OutTransport
from ownstack.gateway.server_body import ClientDisconnected

COPY_CHUNK = 1 << 20
SENDFILE_MIN = 64 << 10  # below this one pread + one write (joined with the head) is cheaper
SENDFILE_STEP = 4 << 20
"""Bytes per sendfile call at first: a file not in the page cache is read inside the call, so
this bounds how long a cold read holds the event loop (~10 ms at this VM's ~400 MB/s)."""
SENDFILE_STEP_MAX = 64 << 20
"""What the step grows to, doubling, while calls show the file is cached: fewer returns to the
loop per big GET. 256 MiB GET against nginx, 12 alternating pairs each: ownstack/nginx median
~78% with fixed 4 MiB steps, ~87% with fixed 64 MiB, ~106% growing."""
SENDFILE_CACHED = 1e9
"""Bytes per second above which a whole call is taken to have come from the page cache."""
COALESCE_MAX = 64 << 10
WRITE_HIGH = 64 << 10
WRITE_LOW = 16 << 10
_FALLBACK_ERRNOS = frozenset({errno.EINVAL, errno.ENOSYS, errno.EOPNOTSUPP, errno.ENOTSOCK})

STATUS_LINES: dict[int, str] = {
    s.value: f"HTTP/1.1 {s.value} {s.phrase}\r\n" for s in http.HTTPStatus
}


def status_line(status: int) -> str:
    line = STATUS_LINES.get(status)
    if line is None:
        line = STATUS_LINES[status] = f"HTTP/1.1 {status} Unknown\r\n"
    return line


class ShortFileError(Exception):
    """A FileRange ended before its length (the file shrank): the response cannot be completed."""


def date_line(now: float) -> str:
    """The `Date` header line for a wall-clock time."""
    return f"Date: {formatdate(now, usegmt=True)}\r\n"


def payload_length(body: Payload) -> int | None:
    """Bytes the body will produce, or None for a stream."""
    if isinstance(body, bytes):
        return len(body)
    if isinstance(body, FileRange):
        return body.length
    if isinstance(body, list):
        return sum(len(p) if isinstance(p, bytes) else p.length for p in body)
    return None


def close_payload_fds(body: Payload) -> None:
    """The server owns FileRange fds: close each exactly once, sent or not."""
    if isinstance(body, FileRange):
        with contextlib.suppress(OSError):
            os.close(body.fd)
    elif isinstance(body, list):
        for part in body:
            if isinstance(part, FileRange):
                with contextlib.suppress(OSError):
                    os.close(part.fd)


async def close_stream(body: Payload) -> None:
    """Let an abandoned async generator body run its cleanup."""
    aclose = getattr(body, "aclose", None)
    if aclose is None:
        return
    with contextlib.suppress(Exception):
        await aclose()


class ResponseWriter:
    """Body-sending half of a connection; the connection sets these attributes."""

    _transport: OutTransport
    _loop: asyncio.AbstractEventLoop
    _write_paused: bool
    _drain_waiter: asyncio.Future[None] | None
    _closed: bool
    _secure: bool  # over TLS the socket carries ciphertext: no sendfile

    # -- asyncio.Protocol flow-control callbacks -----------------------------------------------

    def pause_writing(self) -> None:
        self._write_paused = True

    def resume_writing(self) -> None:
        self._write_paused = False
        self._wake_writer()

    def _wake_writer(self, error: BaseException | None = None) -> None:
        waiter = self._drain_waiter
        if waiter is None or waiter.done():
            return
        self._drain_waiter = None
        if error is None:
            waiter.set_result(None)
        else:
            waiter.set_exception(error)

    async def _drain(self) -> None:
        while self._write_paused:
            if self._closed:
                raise ClientDisconnected("client disconnected")
            self._drain_waiter = self._loop.create_future()
            await self._drain_waiter
        if self._closed:
            raise ClientDisconnected("client disconnected")

    async def _flush(self) -> None:
        """Wait until the transport has handed everything it buffered to the kernel."""
        transport = self._transport
        if transport.get_write_buffer_size() == 0:
            return
        # With both marks at 0 the transport pauses us now and resumes us only when empty.
        transport.set_write_buffer_limits(high=0, low=0)
        try:
            await self._drain()
        finally:
            if not self._closed:
                transport.set_write_buffer_limits(high=WRITE_HIGH, low=WRITE_LOW)

    # -- bodies --------------------------------------------------------------------------------

    async def _send_payload(self, body: Payload) -> None:
        if isinstance(body, bytes):
            self._transport.write(body)
        elif isinstance(body, FileRange):
            await self._send_file(body)
        elif isinstance(body, list):
            for part in body:
                if isinstance(part, bytes):
                    self._transport.write(part)
                    if self._write_paused:
                        await self._drain()
                else:
                    await self._send_file(part)
        else:
            await self._send_raw_stream(body)

    async def _send_raw_stream(self, body: AsyncIterable[bytes]) -> int:
        total = 0
        write = self._transport.write
        async for chunk in body:
            total += len(chunk)
            write(chunk)
            if self._write_paused:
                await self._drain()
        return total

    async def _send_chunked(self, body: AsyncIterable[bytes]) -> None:
        writelines = self._transport.writelines
        async for chunk in body:
            if not chunk:
                continue  # an empty chunk would end the stream
            writelines((b"%x\r\n" % len(chunk), chunk, b"\r\n"))
            if self._write_paused:
                await self._drain()
        self._transport.write(b"0\r\n\r\n")

    async def _send_file(self, part: FileRange) -> None:
        if part.length <= 0:
            return
        sock = None if self._secure else self._transport.get_extra_info("socket")
        if part.length < SENDFILE_MIN or sock is None:
            await self._copy_file(part.fd, part.offset, part.length)
            return
        await self._flush()
        out = os.dup(sock.fileno())
        try:
            sent = await self._sendfile(out, part)
        finally:
            os.close(out)
        if sent < part.length:  # sendfile unsupported for this fd pair
            await self._copy_file(part.fd, part.offset + sent, part.length - sent)

    async def _sendfile(self, out: int, part: FileRange) -> int:
        """Zero-copy send; returns the bytes sent (short only when sendfile is unsupported)."""
        sent = 0
        step = SENDFILE_STEP
        while sent < part.length:
            if self._closed:
                raise ClientDisconnected("client disconnected")
            count = min(part.length - sent, step)
            started = time.perf_counter()
            try:
                n = os.sendfile(out, part.fd, part.offset + sent, count)
            except BlockingIOError:
                await self._wait_writable(out)
                continue
            except OSError as exc:
                if sent == 0 and exc.errno in _FALLBACK_ERRNOS:
                    return 0
                raise ClientDisconnected(str(exc)) from exc
            if n == 0:
                raise ShortFileError(f"file ended {part.length - sent} bytes early")
            sent += n
            step = _next_step(step, n, count, time.perf_counter() - started)
        return sent

    async def _wait_writable(self, fd: int) -> None:
        waiter = self._drain_waiter = self._loop.create_future()
        self._loop.add_writer(fd, _resolve, waiter)
        try:
            await waiter
        finally:
            self._loop.remove_writer(fd)

    async def _copy_file(self, fd: int, offset: int, length: int) -> None:
        end = offset + length
        write = self._transport.write
        while offset < end:
            data = os.pread(fd, min(COPY_CHUNK, end - offset), offset)
            if not data:
                raise ShortFileError(f"file ended {end - offset} bytes early")
            offset += len(data)
            write(data)
            if self._write_paused:
                await self._drain()


def _next_step(step: int, sent: int, asked: int, seconds: float) -> int:
    """Double the sendfile step after a whole, fast (cached) call; back to the first step
    after anything else (a full socket, a slow read)."""
    if sent == asked and sent > SENDFILE_CACHED * seconds:
        return min(step * 2, SENDFILE_STEP_MAX)
    return SENDFILE_STEP


def _resolve(waiter: asyncio.Future[None]) -> None:
    if not waiter.done():
        waiter.set_result(None)


def read_small_file(part: FileRange) -> bytes:
    """A small range read whole so it can share one write with the response head."""
    data = os.pread(part.fd, part.length, part.offset)
    if len(data) != part.length:
        raise ShortFileError(f"file ended {part.length - len(data)} bytes early")
    return data
