"""Response finishing touches shared by every path through the gateway."""

from __future__ import annotations

import contextlib
import os
from xml.sax.saxutils import escape

from ownstack.core.errors import ServiceError
from ownstack.core.http import FileRange, Payload, Response
from ownstack.gateway.server_send import payload_length

SERVER_NAME = "ownstack"
_DEFAULT_LENGTHS = frozenset({len("x-amz-request-id"), len("x-amz-id-2"), len("server")})


def set_default_headers(resp: Response, request_id: str, host_id: str | None) -> None:
    """Add x-amz-request-id, x-amz-id-2 (S3) and Server unless the codec already set them."""
    # Only names as long as one of the three can be one of them: lower-case just those.
    present = {name.lower() for name, _ in resp.headers if len(name) in _DEFAULT_LENGTHS}
    if "x-amz-request-id" not in present:
        resp.headers.append(("x-amz-request-id", request_id))
    if host_id is not None and "x-amz-id-2" not in present:
        resp.headers.append(("x-amz-id-2", host_id))
    if "server" not in present:
        resp.headers.append(("Server", SERVER_NAME))


def drop_body(resp: Response) -> None:
    """HEAD answers carry headers only; file descriptors we will not send are closed here,
    since the server only closes what it sends."""
    body = resp.body
    if isinstance(body, bytes):
        if body:
            _ensure_length(resp, len(body))
        resp.body = b""
        return
    _release(body)
    resp.body = b""


def _ensure_length(resp: Response, size: int) -> None:
    if not any(name.lower() == "content-length" for name, _ in resp.headers):
        resp.headers.append(("Content-Length", str(size)))


def _release(body: Payload) -> None:
    if isinstance(body, FileRange):
        with contextlib.suppress(OSError):
            os.close(body.fd)
        return
    if isinstance(body, list):
        for part in body:
            if isinstance(part, FileRange):
                _release(part)
        return
    close = getattr(body, "aclose", None)
    if close is not None:
        # An unstarted async generator holds nothing; closing it just marks it finished.
        with contextlib.suppress(Exception):
            close().close()


def body_size(resp: Response) -> int | None:
    """The body's length, or for a stream the Content-Length the app declared."""
    size = payload_length(resp.body)
    if size is not None:
        return size
    for name, value in resp.headers:
        if name.lower() == "content-length" and value.isdigit():
            return int(value)
    return None


def fallback_error(err: ServiceError, request_id: str) -> Response:
    """A minimal XML error for when even the codec failed."""
    body = (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f"<Error><Code>{escape(err.code)}</Code><Message>{escape(err.message)}</Message>"
        f"<RequestId>{request_id}</RequestId></Error>"
    ).encode()
    return Response(err.status, [("Content-Type", "application/xml")], body)
