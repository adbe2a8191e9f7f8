"""A small HTTP/1.1 server for one sandbox's Runtime API: asyncio protocol + httptools.

One request at a time per connection (runtimes do not pipeline; one that does is cut off),
keep-alive, chunked request bodies (streamed responses) with trailers. The router sees each
request as an `Exchange` it answers once, now or later (GET /next answers when an invocation
comes), and a `Handler` that receives the body as it arrives.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterable
from typing import Any, Protocol, cast

import httptools

_REASONS = {
    200: "OK", 202: "Accepted", 400: "Bad Request", 403: "Forbidden", 404: "Not Found",
    405: "Method Not Allowed", 413: "Request Entity Too Large", 500: "Internal Server Error",
}  # fmt: skip


class Handler(Protocol):
    def data(self, chunk: bytes) -> None: ...

    def trailer(self, name: str, value: str) -> None: ...

    def done(self) -> None:
        """The whole request is in; answer `exchange` now or later."""
        ...

    def lost(self) -> None:
        """The connection closed before the exchange was answered."""
        ...


class Router(Protocol):
    def open(self, exchange: Exchange) -> Handler: ...


class Gate(Protocol):
    """Who may talk to the server at all: asked once per connection, told when it closes."""

    def admit(self, transport: asyncio.BaseTransport) -> bool: ...

    def closed(self, transport: asyncio.BaseTransport) -> None: ...


class Exchange:
    __slots__ = ("_conn", "answered", "headers", "method", "path")

    def __init__(self, conn: ApiConnection, method: str, path: str, headers: dict[str, str]):
        self._conn = conn
        self.method = method
        self.path = path
        self.headers = headers
        """Names in lower case."""
        self.answered = False

    def reply(
        self, status: int, body: bytes = b"", headers: Iterable[tuple[str, str]] = ()
    ) -> None:
        if self.answered:
            return
        self.answered = True
        self._conn.send(status, body, headers)

    def reply_json(self, status: int, doc: Any) -> None:
        body = json.dumps(doc, separators=(",", ":")).encode()
        self.reply(status, body, (("Content-Type", "application/json"),))

    def pause(self, paused: bool) -> None:
        """Stop (or resume) reading the request body: backpressure for a slow consumer."""
        self._conn.throttle(paused)


class ApiConnection(asyncio.Protocol):
    def __init__(self, router: Router, gate: Gate):
        self._router = router
        self._gate = gate
        self._parser = httptools.HttpRequestParser(self)
        self._transport: asyncio.Transport | None = None
        self._url = b""
        self._headers: dict[str, str] = {}
        self._exchange: Exchange | None = None
        self._handler: Handler | None = None
        self._in_body = False
        self._throttled = False

    # -- asyncio --------------------------------------------------------------------------
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        if not self._gate.admit(transport):
            cast(asyncio.Transport, transport).abort()  # a reset: no answer, nothing read
            return
        self._transport = cast(asyncio.Transport, transport)

    def data_received(self, data: bytes) -> None:
        if self._transport is None or self._transport.is_closing():
            return
        try:
            self._parser.feed_data(data)
        except httptools.HttpParserUpgrade:
            self._refuse(400)
        except httptools.HttpParserError:
            self._refuse(400)

    def connection_lost(self, exc: Exception | None) -> None:
        if self._transport is not None:
            self._gate.closed(self._transport)
        self._transport = None
        if self._handler is not None and self._exchange is not None and not self._exchange.answered:
            self._exchange.answered = True
            self._handler.lost()
        self._handler = None

    # -- httptools callbacks ----------------------------------------------------------------
    def on_message_begin(self) -> None:
        if self._exchange is not None and not self._exchange.answered:
            self._refuse(400)  # a pipelined request: not something a runtime does
            return
        self._url, self._headers, self._in_body = b"", {}, False

    def on_url(self, url: bytes) -> None:
        self._url += url

    def on_header(self, name: bytes, value: bytes) -> None:
        key, text = name.decode("latin-1").lower(), value.decode("latin-1")
        if self._in_body and self._handler is not None:
            self._handler.trailer(key, text)
        else:
            self._headers[key] = text

    def on_headers_complete(self) -> None:
        method = self._parser.get_method().decode("ascii", "replace")
        path = self._url.decode("latin-1").split("?", 1)[0]
        self._exchange = Exchange(self, method, path, self._headers)
        self._handler = self._router.open(self._exchange)
        self._in_body = True
        if self._headers.get("expect", "").lower() == "100-continue" and self._transport:
            # curl asks so before a body over 1 MiB, then waits a second for the go-ahead
            self._transport.write(b"HTTP/1.1 100 Continue\r\n\r\n")

    def on_body(self, body: bytes) -> None:
        if self._handler is not None:
            self._handler.data(body)

    def on_message_complete(self) -> None:
        # Reading goes on while the exchange waits for its answer (GET /next can wait minutes):
        # a runtime that closes is seen at once, and one that pipelines is cut off
        # (on_message_begin). Pausing here would cost two epoll changes per request.
        if self._handler is not None and self._exchange is not None:
            self._handler.done()

    # -- writing ----------------------------------------------------------------------------
    def send(self, status: int, body: bytes, headers: Iterable[tuple[str, str]]) -> None:
        transport = self._transport
        if transport is None or transport.is_closing():
            return
        lines = [f"HTTP/1.1 {status} {_REASONS.get(status, 'Unknown')}"]
        lines += [f"{name}: {_header_safe(value)}" for name, value in headers]
        lines.append(f"Content-Length: {len(body)}\r\n\r\n")
        transport.write("\r\n".join(lines).encode() + body)
        if not self._parser.should_keep_alive():
            transport.close()

    def throttle(self, paused: bool) -> None:
        transport = self._transport
        if transport is None or transport.is_closing() or paused == self._throttled:
            return
        self._throttled = paused
        if paused:
            transport.pause_reading()
        else:
            transport.resume_reading()

    def _refuse(self, status: int) -> None:
        transport = self._transport
        if transport is None or transport.is_closing():
            return
        reason = _REASONS[status]
        transport.write(f"HTTP/1.1 {status} {reason}\r\nContent-Length: 0\r\n\r\n".encode())
        transport.close()


def _header_safe(value: str) -> str:
    # Values come from invocations (trace id, client context): never let one end the header.
    return value.replace("\r", " ").replace("\n", " ")
