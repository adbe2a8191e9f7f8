"""A small HTTP/1.1 client for SNS's HTTP/S deliveries: one POST per connection, on asyncio
streams, never blocking the event loop. Only the status line of the answer matters."""

from __future__ import annotations

import asyncio
import base64
import contextlib
import ssl
from collections.abc import Sequence
from urllib.parse import unquote, urlsplit

TIMEOUT = 15.0
"""Seconds SNS waits for an endpoint (connect + send + status line)."""
MAX_STATUS_LINE = 8192


class PostFailed(Exception):
    """The endpoint could not be reached or did not answer with an HTTP status line."""


async def post(url: str, body: bytes, headers: Sequence[tuple[str, str]]) -> int:
    """The status code the endpoint answered with; raises PostFailed."""
    try:
        return await asyncio.wait_for(_post(url, body, headers), TIMEOUT)
    except (TimeoutError, OSError, ssl.SSLError, ValueError) as exc:
        raise PostFailed(f"{type(exc).__name__}: {exc}") from exc


async def _post(url: str, body: bytes, headers: Sequence[tuple[str, str]]) -> int:
    parts = urlsplit(url)
    secure = parts.scheme == "https"
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"not an http(s) URL: {url!r}")
    port = parts.port or (443 if secure else 80)
    context = ssl.create_default_context() if secure else None
    reader, writer = await asyncio.open_connection(parts.hostname, port, ssl=context)
    try:
        target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        host = parts.netloc.rpartition("@")[2]
        lines = [f"POST {target} HTTP/1.1", f"Host: {host}", f"Content-Length: {len(body)}"]
        lines += [f"{name}: {value}" for name, value in headers]
        if parts.username is not None:  # https://user:password@host/ : basic access auth
            secret = f"{unquote(parts.username)}:{unquote(parts.password or '')}"
            lines.append(f"Authorization: Basic {base64.b64encode(secret.encode()).decode()}")
        lines.append("Connection: close")
        writer.write(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body)
        await writer.drain()
        status_line = await reader.readuntil(b"\r\n")
        return _status(status_line[:MAX_STATUS_LINE])
    except asyncio.IncompleteReadError as exc:
        raise ConnectionError("the endpoint closed the connection without answering") from exc
    finally:
        writer.close()
        # The answer is already read: a failing close changes nothing.
        with contextlib.suppress(OSError, ssl.SSLError):
            await writer.wait_closed()


def _status(line: bytes) -> int:
    parts = line.decode("latin-1").split(" ", 2)
    if len(parts) < 2 or not parts[0].startswith("HTTP/") or not parts[1].isdigit():
        raise ValueError(f"not an HTTP status line: {line[:80]!r}")
    return int(parts[1])
