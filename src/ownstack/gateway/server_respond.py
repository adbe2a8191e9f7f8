"""Turning an app's Response into bytes on the wire: framing, the head, then the body."""

from __future__ import annotations

from typing import Any

from ownstack.core.http import FileRange, Request, Response
from ownstack.gateway.server_body import EmptyBody, StreamBody
from ownstack.gateway.server_send import (
    COALESCE_MAX,
    STATUS_LINES,
    ResponseWriter,
    close_stream,
    payload_length,
    read_small_file,
    status_line,
)
from ownstack.gateway.server_shared import Shared

Body = StreamBody | EmptyBody

_WATCHED_LENGTHS = frozenset({4, 10, 14, 17})  # date, connection, content-length, transfer-encoding
_NO_BODY_STATUSES = frozenset({204, 304})
_CONTINUE = b"HTTP/1.1 100 Continue\r\n\r\n"


def _owes_continue(request: Request, body: Body) -> bool:
    """An empty body is never read, so no 100 went out for it; yet a client that sent
    `Expect: 100-continue` may still be waiting for one. botocore, given a final answer instead,
    keeps that answer's status line for the connection's next Expect request and then misreads
    it (a hang). AWS sends the 100 here, and RFC 9110 15.2.1 allows it: so do we, in order."""
    return (
        isinstance(body, EmptyBody)
        and request.http_version == "1.1"
        and (request.headers.get("expect") or "").lower() == "100-continue"
    )


class Responder(ResponseWriter):
    """Response half of a connection; the connection sets these attributes."""

    _shared: Shared
    _closing: bool
    _head_sent: bool

    async def _respond(self, request: Request, body: Body, response: Response, keep: bool) -> bool:
        payload = response.body
        if self._closed:
            await close_stream(payload)
            return False
        # An unread body still on the wire would be parsed as the next request: close instead.
        keep = keep and body.complete and not self._closing
        status = response.status
        head_only = request.method == "HEAD" or status in _NO_BODY_STATUSES or status < 200
        length = len(payload) if isinstance(payload, bytes) else payload_length(payload)
        parts = [STATUS_LINES.get(status) or status_line(status)]
        declared: int | None = None
        has_date = False
        for name, value in response.headers:
            if len(name) in _WATCHED_LENGTHS:
                low = name.lower()
                if low == "content-length":
                    declared = int(value)
                elif low == "connection":
                    keep = keep and "close" not in value.lower()
                    continue  # ours below reflects the final decision
                elif low == "transfer-encoding":
                    continue  # framing is the server's job
                elif low == "date":
                    has_date = True
            parts.append(f"{name}: {value}\r\n")
        if not has_date:
            parts.append(self._shared.date_line)
        chunked = False
        if declared is None and status >= 200 and status not in _NO_BODY_STATUSES:
            if length is not None and (length or request.method != "HEAD"):
                parts.append(f"Content-Length: {length}\r\n")
            elif length is None and not head_only:
                chunked = request.http_version == "1.1"
                if chunked:
                    parts.append("Transfer-Encoding: chunked\r\n")
                else:
                    keep = False  # HTTP/1.0: the end of the body is the end of the connection
        if not keep:
            parts.append("Connection: close\r\n")
        elif request.http_version == "1.0":
            parts.append("Connection: keep-alive\r\n")
        parts.append("\r\n")
        head = "".join(parts).encode("latin-1")
        if head.count(b"\n") != len(parts) or head.count(b"\r") != len(parts):
            raise ValueError("CR or LF inside a response header")  # header injection
        if _owes_continue(request, body):
            head = _CONTINUE + head
        if head_only or not isinstance(payload, bytes):
            await self._send_body(head, payload, head_only, chunked, declared)
            return keep
        # The common case (an XML or JSON reply) without another coroutine.
        self._head_sent = True
        if len(payload) <= COALESCE_MAX:
            self._transport.write_soon(head + payload)  # with this iteration's others
        else:
            self._transport.write(head)
            self._transport.write(payload)
            if self._write_paused:
                await self._drain()
        return keep

    async def _send_body(
        self,
        head: bytes,
        payload: Any,
        head_only: bool,
        chunked: bool,
        declared: int | None,
    ) -> None:
        write = self._transport.write
        if isinstance(payload, FileRange) and payload.length <= COALESCE_MAX and not head_only:
            data = read_small_file(payload)  # may fail: then a 500 can still replace the head
            self._head_sent = True
            write(head + data)
            return
        self._head_sent = True
        if head_only:
            write(head)
            await close_stream(payload)
        elif isinstance(payload, FileRange | list):
            write(head)
            await self._send_payload(payload)
        else:
            write(head)
            await self._send_stream(payload, chunked, declared)
        if self._write_paused:
            await self._drain()

    async def _send_stream(self, payload: Any, chunked: bool, declared: int | None) -> None:
        try:
            if chunked:
                await self._send_chunked(payload)
                return
            total = await self._send_raw_stream(payload)
        finally:
            await close_stream(payload)
        if declared is not None and total != declared:
            raise ValueError(f"stream produced {total} bytes, Content-Length said {declared}")
