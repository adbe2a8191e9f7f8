"""One HTTP/1.1 connection: httptools parsing in, responses out, strictly in request order."""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from typing import cast

import httptools

from ownstack.core.http import Headers, Request
from ownstack.gateway.server_batch import OutTransport
from ownstack.gateway.server_body import EMPTY_BODY, BodyTimeout, ClientDisconnected, StreamBody
from ownstack.gateway.server_direct import DIRECT_MIN, DirectReceiver
from ownstack.gateway.server_respond import Body, Responder
from ownstack.gateway.server_send import WRITE_HIGH, WRITE_LOW, close_payload_fds, status_line
from ownstack.gateway.server_shared import Shared

Pending = tuple[Request, Body, bool] | int  # a request (+ its body, keep-alive) or an error status

log = logging.getLogger("ownstack.gateway.server")

MAX_PIPELINED = 32  # queued requests beyond this pause reading
LINGER_SECONDS = 30.0  # how long an unread upload is drained after an early final answer
_CONTINUE = b"HTTP/1.1 100 Continue\r\n\r\n"
_METHODS: dict[bytes, str] = {
    m.encode(): m for m in ("GET", "HEAD", "PUT", "POST", "DELETE", "OPTIONS", "PATCH")
}


class Connection(Responder, asyncio.BufferedProtocol):
    def __init__(self, shared: Shared, loop: asyncio.AbstractEventLoop) -> None:
        self._shared = shared
        self._loop = loop
        self._parser = httptools.HttpRequestParser(self)
        self._queue: deque[Pending] = deque()
        # One task per connection, parked on `_wakeup` between requests (cheaper than a task
        # per request); `_busy` while it answers one.
        self._task: asyncio.Task[None] | None = None
        self._wakeup: asyncio.Future[None] | None = None
        self._busy = False
        self._body: StreamBody | None = None  # the body the parser is currently filling
        self._body_left: int | None = None  # its bytes not yet received (None: chunked)
        self._direct: DirectReceiver | None = None  # set while it bypasses the parser
        self._url = b""
        self._headers = Headers()
        self._in_headers = False
        self._header_bytes = 0  # exact, from the parsed URL and headers
        self._header_wire = 0  # bytes read while the headers were incomplete
        self._read_paused = False
        self._write_paused = False
        self._drain_waiter: asyncio.Future[None] | None = None
        self._closed = False
        self._closing = False  # the server is stopping: no more keep-alive
        self._broken = False  # unparseable input: ignore the rest
        self._remote = ""
        self._secure = shared.secure
        self._head_sent = False
        self.deadline = 0.0  # loop time at which an idle / slow-header connection is closed

    # -- asyncio.Protocol ----------------------------------------------------------------------

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        # uvloop's transports implement asyncio.Transport without subclassing it.
        raw = cast(asyncio.Transport, transport)
        self._transport = OutTransport(raw, self._shared.batch, self._loop)
        raw.set_write_buffer_limits(high=WRITE_HIGH, low=WRITE_LOW)
        peer = raw.get_extra_info("peername")
        self._remote = str(peer[0]) if peer else ""
        self.deadline = self._shared.now + self._shared.header_timeout
        self._shared.connections.add(self)

    def connection_lost(self, exc: Exception | None) -> None:
        self._closed = True
        self._shared.connections.discard(self)
        disconnected = ClientDisconnected("client disconnected")
        self._drop_body(disconnected)
        for item in self._queue:
            if not isinstance(item, int) and isinstance(item[1], StreamBody):
                item[1].fail(disconnected)
        self._wake_writer(disconnected)
        self._wake_server()

    def get_buffer(self, sizehint: int) -> memoryview:
        direct = self._direct
        if direct is not None:
            return direct.space()
        # One buffer for every connection of the server: the loop calls buffer_updated right
        # after the read into it, and the parser copies out whatever it keeps.
        return self._shared.read_view

    def buffer_updated(self, nbytes: int) -> None:
        direct = self._direct
        if direct is not None:
            self._direct_received(direct, nbytes)
        else:
            self.data_received(self._shared.read_view[:nbytes])

    def data_received(self, data: bytes | memoryview) -> None:
        if self._broken:
            return
        was_in_headers = self._in_headers
        if was_in_headers:
            self._header_wire += len(data)
        try:
            self._parser.feed_data(data)
        except httptools.HttpParserUpgrade as upgrade:
            self._after_upgrade(data, upgrade.args[0])
        except httptools.HttpParserError:
            too_large = max(self._header_bytes, self._header_wire) > self._shared.max_header
            self._reject(431 if too_large else 400)
            return
        if self._in_headers and not self._broken:
            # httptools buffers a header until it is complete, so an endless one is caught by
            # counting reads; a read that began mid-message counts whole (an upper bound).
            if not was_in_headers:
                self._header_wire += len(data)
            if self._header_wire > self._shared.max_header:
                self._reject(431)
        elif self._body is not None and not self._broken:
            left = self._body_left
            if left is not None and left >= DIRECT_MIN:
                self._direct = DirectReceiver(left)

    def _direct_received(self, direct: DirectReceiver, nbytes: int) -> None:
        body = self._body
        if body is None:  # defensive: _drop_body clears _direct together with the body
            self._direct = None
            return
        self.deadline = self._shared.now + self._shared.header_timeout
        chunk = direct.received(nbytes)
        if chunk is not None and body.feed(chunk) and not body.throttled:
            body.throttled = True
            self._pause_reading()
        if direct.left == 0:
            self._direct = None
            self.on_message_complete()
            # This parser still counts the body bytes it never saw: the next request starts
            # on a fresh one.
            self._parser = httptools.HttpRequestParser(self)

    def eof_received(self) -> bool | None:
        self._drop_body(ClientDisconnected("client closed before the body ended"))
        if self._broken or (not self._busy and not self._queue):
            return None  # nothing owed: let the transport close
        self._closing = True  # a half-closed client still gets the answers it asked for
        return True

    # -- httptools callbacks -------------------------------------------------------------------

    def on_message_begin(self) -> None:
        self._url = b""
        self._headers = Headers()
        self._in_headers = True
        self._header_bytes = 0
        self._header_wire = 0
        self.deadline = self._shared.now + self._shared.header_timeout

    def on_url(self, url: bytes) -> None:
        self._url += url
        self._header_bytes += len(url)

    def on_header(self, name: bytes, value: bytes) -> None:
        self._header_bytes += len(name) + len(value) + 4
        self._headers.add(name.decode("latin-1"), value.decode("latin-1"))

    def on_headers_complete(self) -> None:
        self._in_headers = False
        self.deadline = 0.0
        if self._header_bytes > self._shared.max_header:
            raise httptools.HttpParserError("headers too large")
        parser = self._parser
        headers = self._headers
        version = parser.get_http_version()
        body = self._new_body(headers, version)
        if parser.should_upgrade() and body is not EMPTY_BODY:
            raise httptools.HttpParserError("upgrade with a body")  # llhttp would skip the body
        raw_method = parser.get_method()
        method = _METHODS.get(raw_method) or raw_method.decode("latin-1")
        url = self._url.decode("utf-8", "surrogateescape")
        path, _, query = url.partition("?")
        request = Request(method, path, query, headers, body, self._remote, version, self._secure)
        self._queue.append((request, body, parser.should_keep_alive()))
        if len(self._queue) > MAX_PIPELINED:
            self._pause_reading()
        self._wake_server()

    def _new_body(self, headers: Headers, version: str) -> Body:
        chunked = "transfer-encoding" in headers  # llhttp rejects any TE that is not chunked-last
        length_text = None if chunked else headers.get("content-length")
        if not chunked and (length_text is None or length_text == "0"):
            return EMPTY_BODY
        length = None if length_text is None else int(length_text)
        self._body_left = length
        expect = version == "1.1" and (headers.get("expect") or "").lower() == "100-continue"
        self._body = StreamBody(self, length, expect)
        if not expect:  # with Expect the client waits for our 100 before the clock may run
            self._body_clock()
        return self._body

    def _body_clock(self) -> None:
        """A request body may not stall longer than header_timeout between pieces."""
        self.deadline = self._shared.now + self._shared.header_timeout

    def on_body(self, data: bytes) -> None:
        body = self._body
        if body is None:
            return
        self.deadline = self._shared.now + self._shared.header_timeout
        if self._body_left is not None:
            self._body_left -= len(data)
        if body.feed(data) and not body.throttled:
            body.throttled = True
            self._pause_reading()

    def on_message_complete(self) -> None:
        if self._body is not None:
            self._body.finish()
            self._body = None
            self.deadline = 0.0

    # -- flow control (server_body.BodyFlow) ---------------------------------------------------

    def send_continue(self) -> None:
        if not self._closed:
            self._transport.write(_CONTINUE)
            self._body_clock()

    def body_drained(self) -> None:
        self._maybe_resume_reading()

    def _pause_reading(self) -> None:
        if not self._read_paused and not self._closed:
            self._read_paused = True
            self._transport.pause_reading()
            self.deadline = 0.0  # the wait is ours now, not the client's

    def _maybe_resume_reading(self) -> None:
        if not self._read_paused or self._closed or self._broken:
            return
        if len(self._queue) > MAX_PIPELINED or (self._body is not None and self._body.throttled):
            return
        self._read_paused = False
        self._transport.resume_reading()
        if self._body is not None or self._in_headers:
            self._body_clock()

    # -- bad input -----------------------------------------------------------------------------

    def _after_upgrade(self, data: bytes | memoryview, offset: int) -> None:
        """llhttp stops at `Connection: Upgrade`; we never upgrade, so parse on as HTTP/1.1."""
        self._parser = httptools.HttpRequestParser(self)
        if offset < len(data):
            self.data_received(data[offset:])

    def _reject(self, status: int) -> None:
        self._broken = True
        self._pause_reading()
        if self._body is not None:
            # The malformed bytes are inside an in-flight request's body: that request fails
            # and its own response (if any) is the last one on this connection.
            self._drop_body(ClientDisconnected("malformed request body"))
            self._closing = True
            return
        if not self._busy and not self._queue:
            self._write_error(status)
            return
        self._queue.append(status)
        self._wake_server()

    def _write_error(self, status: int) -> None:
        if self._closed:
            return
        reason = status_line(status)[13:-2].encode("latin-1")
        head = (
            f"{status_line(status)}{self._shared.date_line}"
            "Content-Type: text/plain\r\n"
            f"Content-Length: {len(reason)}\r\nConnection: close\r\n\r\n"
        )
        self._transport.write(head.encode("latin-1") + reason)
        self._close_after_response()

    def _close_after_response(self) -> None:
        """Close, but never on a client still sending a body we did not read.

        Closing a socket with unread bytes makes the kernel send a reset, and a client that
        sends its whole body before reading (http.client, urllib3 without Expect) would lose
        our answer (the 403) to it. So: half-close, discard what still arrives, and close when
        the client does, or after LINGER_SECONDS (as nginx's lingering_close)."""
        if self._closed:
            return
        if self._body is None:
            self._transport.close()
            return
        self._drop_body(ClientDisconnected("connection closing"))
        self._broken = True  # data_received now discards
        self._closing = True
        if not self._secure:  # TLS has no half-close: the answer's `Connection: close` says it
            self._transport.write_eof()
        if self._read_paused:
            self._read_paused = False
            self._transport.resume_reading()
        self.deadline = self._shared.now + LINGER_SECONDS

    def _drop_body(self, error: ClientDisconnected) -> None:
        """The body being received will not complete: its reader gets `error`."""
        self._direct = None
        if self._body is not None:
            self._body.fail(error)
            self._body = None

    # -- timeouts and shutdown (driven by the server) ------------------------------------------

    def expire(self) -> None:
        """The idle, header or body deadline passed."""
        if self._body is None:
            self._transport.close()
            return
        # A stalled upload: its reader fails with BodyTimeout, so the app can still answer
        # (S3 says RequestTimeout) before the connection closes. Whatever arrives after is
        # ignored; if no answer comes within another timeout, the next expiry closes anyway.
        self._drop_body(BodyTimeout("request body stalled"))
        self._broken = True
        self._closing = True
        self.deadline = self._shared.now + self._shared.header_timeout

    def shutdown(self) -> None:
        """Finish what is in flight, then close; close now when idle."""
        self._closing = True
        if not self._busy and not self._queue:
            self._transport.close()

    def closing(self) -> bool:
        return self._transport.is_closing()

    def abort(self) -> None:
        if self._task is not None:
            self._task.cancel()
        self._transport.abort()

    # -- serving -------------------------------------------------------------------------------

    def _wake_server(self) -> None:
        if self._task is None:
            if not self._closed:
                self._task = self._loop.create_task(self._serve())
            return
        wakeup = self._wakeup
        if wakeup is not None:
            self._wakeup = None
            if not wakeup.done():
                wakeup.set_result(None)

    async def _serve(self) -> None:
        try:
            while not self._closed:
                if not self._queue:
                    if self._closing:
                        self._close_after_response()
                        return
                    if not self._in_headers:
                        self.deadline = self._shared.now + self._shared.keepalive_timeout
                    self._wakeup = self._loop.create_future()
                    await self._wakeup
                    continue
                item = self._queue.popleft()
                if self._read_paused:
                    self._maybe_resume_reading()
                if isinstance(item, int):
                    self._write_error(item)
                    return
                self._busy = True
                keep = await self._handle(*item)
                self._busy = False
                if not keep:
                    self._close_after_response()
                    return
                if self._write_paused:  # a client that pipelines but never reads
                    await self._drain()
        except ClientDisconnected:
            return
        finally:
            self._task = None
            self._wakeup = None

    async def _handle(self, request: Request, body: Body, keep_alive: bool) -> bool:
        """Run the app and send its response; False when the connection must close."""
        try:
            response = await self._shared.app(request)
        except ClientDisconnected:
            self._transport.abort()  # the upload it was reading broke off: nobody to answer
            return False
        except Exception:
            log.exception("unhandled error answering %s %s", request.method, request.path)
            self._write_error(500)
            return False
        self._head_sent = False
        try:
            return await self._respond(request, body, response, keep_alive)
        except ClientDisconnected:
            self._transport.abort()
            return False
        except Exception:
            log.exception("error sending the response to %s %s", request.method, request.path)
            if self._head_sent:
                self._transport.abort()  # mid-body: only a cut connection tells the client
            else:
                self._write_error(500)
            return False
        finally:
            close_payload_fds(response.body)
