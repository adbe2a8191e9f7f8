"""Request bodies streamed from the socket, with flow control and lazy `100 Continue`.

The connection feeds bytes in as the parser delivers them; the app reads them out. When more
than `PAUSE_ABOVE` unread bytes pile up the connection stops reading the socket (TCP then
pushes back on the client) and resumes once the reader has drained below `RESUME_BELOW`.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import AsyncIterator
from typing import Protocol

PAUSE_ABOVE = 1 << 20
RESUME_BELOW = 256 << 10


class ClientDisconnected(ConnectionError):
    """The client went away (or sent a malformed body) before the request body was complete."""


class BodyTimeout(ClientDisconnected):
    """The client stopped sending the request body, still connected, for longer than the
    server's timeout. Unlike a disconnect, the client can still be answered (S3: 400
    RequestTimeout); the connection closes after that answer."""


class BodyFlow(Protocol):
    """What a body needs from its connection."""

    def send_continue(self) -> None:
        """Write `HTTP/1.1 100 Continue` (the client waits for it before uploading)."""

    def body_drained(self) -> None:
        """The reader drained a throttled body: the socket may be read again."""


class EmptyBody:
    """The body of a request that has none (no Content-Length, no chunked encoding, or 0).

    Stateless, so one instance serves every such request."""

    __slots__ = ()
    complete = True

    @property
    def content_length(self) -> int | None:
        return 0

    async def read(self, n: int = -1) -> bytes:
        return b""

    def __aiter__(self) -> AsyncIterator[bytes]:
        return self._chunks()

    async def _chunks(self) -> AsyncIterator[bytes]:
        return
        yield b""  # pragma: no cover - makes this an async generator


EMPTY_BODY = EmptyBody()


class StreamBody:
    """A request body arriving from the socket (a `core.http.BodyReader`)."""

    __slots__ = (
        "_chunks",
        "_error",
        "_expect_continue",
        "_flow",
        "_length",
        "_offset",
        "_waiter",
        "buffered",
        "complete",
        "throttled",
    )

    def __init__(self, flow: BodyFlow, length: int | None, expect_continue: bool) -> None:
        self._flow = flow
        self._length = length
        self._expect_continue = expect_continue
        self._chunks: deque[bytes] = deque()
        self._offset = 0  # bytes of the first chunk already read
        self._error: BaseException | None = None
        self._waiter: asyncio.Future[None] | None = None
        self.buffered = 0
        self.complete = False  # the parser saw the end of this message
        self.throttled = False  # the connection paused reading because of this body

    @property
    def content_length(self) -> int | None:
        return self._length

    # -- producer side (the connection) --------------------------------------------------------

    def feed(self, data: bytes) -> bool:
        """Buffer bytes from the socket; True when the connection should stop reading."""
        self._chunks.append(data)
        self.buffered += len(data)
        self._expect_continue = False  # the client is already sending: no 100 needed
        self._wake()
        return self.buffered > PAUSE_ABOVE

    def finish(self) -> None:
        self.complete = True
        self._wake()

    def fail(self, error: BaseException) -> None:
        if self.complete:
            return
        self._error = error
        self._wake()

    def _wake(self) -> None:
        waiter = self._waiter
        if waiter is not None:
            self._waiter = None
            if not waiter.done():
                waiter.set_result(None)

    # -- consumer side (the app) ---------------------------------------------------------------

    async def read(self, n: int = -1) -> bytes:
        if n < 0:
            return await self._read_all()
        if n == 0:
            return b""
        if not self._chunks and not await self._wait_for_data():
            return b""
        chunk = self._chunks[0]
        start = self._offset
        if len(chunk) - start <= n:
            self._chunks.popleft()
            self._offset = 0
            piece = chunk[start:] if start else chunk
        else:
            # Small reads of a big chunk move an offset rather than re-copying the remainder.
            self._offset = start + n
            piece = chunk[start : start + n]
        self._consumed(len(piece))
        return piece

    def __aiter__(self) -> AsyncIterator[bytes]:
        return self._iterate()

    async def _iterate(self) -> AsyncIterator[bytes]:
        while self._chunks or await self._wait_for_data():
            yield self._take_chunk()

    def take_buffered(self) -> bytes | None:
        """The rest of the body if the parser has already delivered all of it (a small
        request's body arrives with its headers), else None (core.http.take_buffered)."""
        if not self.complete:
            return None
        chunks = self._chunks
        if len(chunks) == 1 and not self._offset:
            whole = chunks.popleft()
            self._consumed(len(whole))
            return whole
        return b"".join([self._take_chunk() for _ in range(len(chunks))])

    async def _read_all(self) -> bytes:
        parts: list[bytes] = []
        while self._chunks or await self._wait_for_data():
            parts.append(self._take_chunk())
        return b"".join(parts)

    def _take_chunk(self) -> bytes:
        """The rest of the first buffered chunk."""
        chunk = self._chunks.popleft()
        if self._offset:
            chunk = chunk[self._offset :]
            self._offset = 0
        self._consumed(len(chunk))
        return chunk

    async def _wait_for_data(self) -> bool:
        """Wait until a chunk is buffered (True) or the body ended (False)."""
        while not self._chunks:
            if self.complete:
                return False
            if self._error is not None:
                raise self._error
            if self._expect_continue:
                # Only now does the client get told to upload: an app that answers early (an
                # auth failure) never makes the client send a byte of the body.
                self._expect_continue = False
                self._flow.send_continue()
            self._waiter = asyncio.get_running_loop().create_future()
            await self._waiter
        return True

    def _consumed(self, n: int) -> None:
        self.buffered -= n
        if self.throttled and self.buffered < RESUME_BELOW:
            self.throttled = False
            self._flow.body_drained()
