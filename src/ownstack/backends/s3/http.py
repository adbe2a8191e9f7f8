"""A small asyncio HTTP/1.1 client for one upstream host: a keep-alive pool, bodies read as a
stream, a timeout on every wait.

Only what the s3 engine needs: request bodies are in memory (a part is buffered before it is
sent, see writer.py), responses are framed by Content-Length, chunked encoding or the end of
the connection. A response owns its connection until its body is read to the end (then the
connection goes back to the pool) or it is released early (then the connection is closed: what
is left of the body would otherwise have to be read and thrown away).
"""

from __future__ import annotations

import asyncio
import ssl
from collections.abc import AsyncIterator
from dataclasses import dataclass
from urllib.parse import urlsplit

MAX_HEAD = 64 * 1024
"""Longest status line + headers accepted (asyncio's default stream limit)."""


class ConnectionLost(ConnectionError):
    """The upstream could not be reached, closed the connection, or stalled past a timeout."""


class StaleConnection(ConnectionLost):
    """A pooled connection failed before any byte of the response: the server had most likely
    closed it while idle (its keep-alive timeout), so the request never reached it."""


@dataclass(frozen=True, slots=True)
class Timeouts:
    connect: float = 5.0
    """Seconds to open a connection (TCP and TLS handshakes)."""
    read: float = 30.0
    """Seconds any single wait may stall: a write draining, the response head, a body read."""


@dataclass(frozen=True, slots=True)
class Origin:
    scheme: str
    host: str
    port: int

    @property
    def netloc(self) -> str:
        """The Host header: the port is left out when it is the scheme's default."""
        default = 443 if self.scheme == "https" else 80
        return self.host if self.port == default else f"{self.host}:{self.port}"

    @classmethod
    def parse(cls, endpoint: str) -> Origin:
        parts = urlsplit(endpoint)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"endpoint must be http(s)://host[:port], not {endpoint!r}")
        port = parts.port or (443 if parts.scheme == "https" else 80)
        return cls(parts.scheme, parts.hostname, port)


class Connection:
    __slots__ = ("loop", "reader", "reused", "writer")

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader = reader
        self.writer = writer
        self.reused = False
        self.loop = asyncio.get_running_loop()

    def usable(self) -> bool:
        """Open, and on the running event loop (a connection belongs to the loop that opened
        it: a store used from several `asyncio.run`s must not reuse one across them)."""
        return (
            self.loop is asyncio.get_running_loop()
            and not self.writer.is_closing()
            and not self.reader.at_eof()
        )

    def close(self) -> None:
        if self.loop.is_closed():
            return  # its transport went with the loop (closing it now would raise)
        self.writer.close()


class Response:
    """Status, headers (names lower-cased) and a body to read once."""

    def __init__(
        self, pool: HttpPool, conn: Connection, status: int, headers: dict[str, str], method: str
    ) -> None:
        self.status = status
        self.headers = headers
        self._pool = pool
        self._conn: Connection | None = conn
        self._keep_alive = headers.get("connection", "").lower() != "close"
        self._remaining: int | None = None
        """Body bytes still to read when framed by Content-Length; None when chunked or read
        to the end of the connection."""
        self._chunked = "chunked" in headers.get("transfer-encoding", "").lower()
        self._chunk_left = 0
        self._done = False
        if method == "HEAD" or status in (204, 304) or 100 <= status < 200:
            self._remaining = 0
        elif not self._chunked:
            length = headers.get("content-length")
            if length is None:
                self._keep_alive = False  # the body ends when the server closes
            else:
                self._remaining = int(length)
        if self._remaining == 0:
            self._finish()

    @property
    def content_length(self) -> int | None:
        value = self.headers.get("content-length")
        return None if value is None else int(value)

    async def read(self) -> bytes:
        """The whole body (for small responses: errors, listings, range reads kept in memory)."""
        return b"".join([chunk async for chunk in self.chunks(1 << 20)])

    async def chunks(self, most: int) -> AsyncIterator[bytes]:
        """The body as chunks of at most `most` bytes (whole `most`-byte chunks where the
        framing allows, so consumers see few large chunks)."""
        while not self._done:
            chunk = await self._next(most)
            if chunk:
                yield chunk

    def release(self) -> None:
        """Give the connection back: to the pool if the body was read to its end, else closed."""
        conn, self._conn = self._conn, None
        if conn is None:
            return
        if self._done and self._keep_alive:
            self._pool.give_back(conn)
        else:
            conn.close()

    async def _next(self, most: int) -> bytes:
        conn = self._conn
        if conn is None:
            raise ConnectionLost("response body read after release")
        async with self._pool.stall_timeout():
            if self._chunked:
                return await self._next_chunked(conn.reader, most)
            if self._remaining is None:
                chunk = await conn.reader.read(most)
                if not chunk:
                    self._finish()
                return chunk
            chunk = await conn.reader.readexactly(min(most, self._remaining))
            self._remaining -= len(chunk)
            if self._remaining == 0:
                self._finish()
            return chunk

    async def _next_chunked(self, reader: asyncio.StreamReader, most: int) -> bytes:
        if self._chunk_left == 0:
            size_line = await reader.readuntil(b"\r\n")
            self._chunk_left = int(size_line.split(b";", 1)[0].strip(), 16)
            if self._chunk_left == 0:
                while (await reader.readuntil(b"\r\n")) != b"\r\n":
                    pass  # trailers: none that we use
                self._finish()
                return b""
        chunk = await reader.readexactly(min(most, self._chunk_left))
        self._chunk_left -= len(chunk)
        if self._chunk_left == 0:
            await reader.readexactly(2)  # the CRLF after the chunk's data
        return chunk

    def _finish(self) -> None:
        self._done = True
        self.release()


class HttpPool:
    """Keep-alive connections to one origin, reused most recently returned first."""

    def __init__(self, origin: Origin, timeouts: Timeouts, max_idle: int = 32) -> None:
        self.origin = origin
        self.timeouts = timeouts
        self._max_idle = max_idle
        self._idle: list[Connection] = []
        self._ssl = ssl.create_default_context() if origin.scheme == "https" else None

    def stall_timeout(self) -> asyncio.Timeout:
        return asyncio.timeout(self.timeouts.read)

    async def request(
        self, method: str, target: str, headers: list[tuple[str, str]], body: bytes = b""
    ) -> Response:
        """Send one request and read the response head. A pooled connection the server had
        already closed (idle keep-alive timeout) fails before any response byte: the request
        is sent once more on a fresh connection. ConnectionLost on any other failure."""
        head = _request_head(method, target, self.origin.netloc, headers, len(body))
        conn = await self._take()
        try:
            return await self._exchange(conn, method, head, body)
        except StaleConnection:
            pass
        return await self._exchange(await self._connect(), method, head, body)

    def give_back(self, conn: Connection) -> None:
        if len(self._idle) >= self._max_idle or conn.writer.is_closing():
            conn.close()
            return
        conn.reused = True
        self._idle.append(conn)

    async def close(self) -> None:
        idle, self._idle = self._idle, []
        for conn in idle:
            conn.close()

    async def _take(self) -> Connection:
        while self._idle:
            conn = self._idle.pop()
            if conn.usable():
                return conn
            conn.close()
        return await self._connect()

    async def _connect(self) -> Connection:
        origin = self.origin
        try:
            async with asyncio.timeout(self.timeouts.connect):
                reader, writer = await asyncio.open_connection(
                    origin.host, origin.port, ssl=self._ssl, limit=MAX_HEAD
                )
        except (OSError, TimeoutError) as exc:
            raise ConnectionLost(
                f"cannot connect to {origin.scheme}://{origin.netloc}: {exc or 'timed out'}"
            ) from exc
        return Connection(reader, writer)

    async def _exchange(self, conn: Connection, method: str, head: bytes, body: bytes) -> Response:
        try:
            async with self.stall_timeout():
                conn.writer.write(head)
                if body:
                    conn.writer.write(body)
                await conn.writer.drain()
            async with self.stall_timeout():
                raw = await conn.reader.readuntil(b"\r\n\r\n")
        except (OSError, TimeoutError, asyncio.IncompleteReadError, asyncio.LimitOverrunError) as e:
            conn.close()
            timed_out = isinstance(e, TimeoutError)
            what = "timed out" if timed_out else f"connection lost ({e!r})"
            lost = StaleConnection if conn.reused and not timed_out else ConnectionLost
            raise lost(f"{method} to {self.origin.netloc}: {what}") from e
        except BaseException:
            conn.close()  # cancelled mid-request: the connection is in an unknown state
            raise
        status, headers = _parse_head(raw)
        return Response(self, conn, status, headers, method)


def _request_head(
    method: str, target: str, netloc: str, headers: list[tuple[str, str]], length: int
) -> bytes:
    lines = [f"{method} {target} HTTP/1.1", f"Host: {netloc}"]
    lines += [f"{name}: {value}" for name, value in headers]
    if length or method in ("PUT", "POST"):
        lines.append(f"Content-Length: {length}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


def _parse_head(raw: bytes) -> tuple[int, dict[str, str]]:
    lines = raw.decode("latin-1").split("\r\n")
    try:
        status = int(lines[0].split(" ", 2)[1])
    except (IndexError, ValueError) as exc:
        raise ConnectionLost(f"malformed status line {lines[0]!r}") from exc
    headers: dict[str, str] = {}
    for line in lines[1:]:
        name, sep, value = line.partition(":")
        if sep:
            key = name.strip().lower()
            old = headers.get(key)
            headers[key] = value.strip() if old is None else f"{old},{value.strip()}"
    return status, headers
