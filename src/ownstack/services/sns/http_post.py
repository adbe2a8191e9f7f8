"""A small HTTP/1.1 client for SNS's HTTP/S deliveries: one POST per connection, on asyncio
streams, never blocking the event loop. Only the status line of the answer matters.

The egress policy (events/egress.py) resolves the host and says which of its addresses may be
reached; the connection goes to one of those addresses (TLS still verifies the host name), so
DNS is asked once and what was checked is what is used."""

from __future__ import annotations

import asyncio
import base64
import contextlib
import ssl
from collections.abc import Sequence
from urllib.parse import unquote, urlsplit

from ownstack.events.egress import EgressDenied, EgressPolicy

TIMEOUT = 15.0
"""Seconds SNS waits for an endpoint (connect + send + status line)."""
MAX_STATUS_LINE = 8192


class PostFailed(Exception):
    """The endpoint could not be reached or did not answer with an HTTP status line."""


class EgressRefused(PostFailed):
    """The egress policy refused every address of the endpoint: nothing was sent."""


async def post(
    url: str, body: bytes, headers: Sequence[tuple[str, str]], egress: EgressPolicy
) -> int:
    """The status code the endpoint answered with; raises PostFailed (EgressRefused)."""
    try:
        return await asyncio.wait_for(_post(url, body, headers, egress), TIMEOUT)
    except EgressDenied as exc:
        raise EgressRefused(str(exc)) from exc
    except (TimeoutError, OSError, ssl.SSLError, ValueError) as exc:
        raise PostFailed(f"{type(exc).__name__}: {exc}") from exc


async def _connect(
    host: str, port: int, secure: bool, egress: EgressPolicy
) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    """A connection to the first allowed address of `host` that accepts one."""
    addresses = await egress.check(host, port)
    context = ssl.create_default_context() if secure else None
    failure: OSError | None = None
    for address in addresses:
        try:
            return await asyncio.open_connection(
                address, port, ssl=context, server_hostname=host if secure else None
            )
        except OSError as exc:
            failure = exc
    assert failure is not None  # check() returns at least one address
    raise failure


async def _post(
    url: str, body: bytes, headers: Sequence[tuple[str, str]], egress: EgressPolicy
) -> int:
    parts = urlsplit(url)
    secure = parts.scheme == "https"
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"not an http(s) URL: {url!r}")
    port = parts.port or (443 if secure else 80)
    reader, writer = await _connect(parts.hostname, port, secure, egress)
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
