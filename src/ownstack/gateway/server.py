"""The HTTP/1.1 server the gateway runs on: an asyncio Protocol on httptools (uvloop when present).

Everything above this module sees one small interface, `HttpServer(app, config)`, where `app`
turns a `core.http.Request` into a `core.http.Response`; swapping this server for another
(granian, h2) touches nothing else.

Per connection: requests are parsed by httptools, queued, and answered strictly in order
(pipelining); bodies stream both ways with backpressure; `Expect: 100-continue` is answered only
when the app reads the body; file ranges go out with sendfile. Timeouts (slow headers, a
request body stalled for `header_timeout`, idle keep-alive) are checked by one ticker per server
rather than a timer per request. A connection closed while the client is still uploading a body
the app did not read is half-closed and drained first (lingering close), so the client reads
the early answer (a 403) instead of a reset.

`Request.path`/`query` are the request-target split at the first '?', decoded as UTF-8 with
surrogateescape (raw bytes round-trip); header values are latin-1; `Request.remote` is the peer
IP. `body.content_length` is the Content-Length, None when chunked, 0 when there is no body.
"""

from __future__ import annotations

import asyncio
import contextlib
import ssl
import time
from dataclasses import dataclass

from ownstack.gateway.server_body import ClientDisconnected
from ownstack.gateway.server_conn import Connection
from ownstack.gateway.server_send import date_line
from ownstack.gateway.server_shared import App, Shared

TLS_LAST_WRITES_S = 0.05
"""At stop, how long closed TLS connections are left to write their last bytes (close_notify)."""

__all__ = ["App", "ClientDisconnected", "HttpServer", "ServerConfig", "install_event_loop"]


@dataclass
class ServerConfig:
    host: str = "127.0.0.1"
    port: int = 4566
    max_header_bytes: int = 64 * 1024
    keepalive_timeout: float = 75.0
    header_timeout: float = 30.0
    reuse_port: bool = False
    """SO_REUSEPORT: several processes (serve --workers N) listen on one port, and the kernel
    spreads new connections across them."""
    ssl_context: ssl.SSLContext | None = None
    """Serve HTTPS: every connection is TLS (gateway/tls.py makes the context)."""


def install_event_loop() -> None:
    """Use uvloop's event loop policy when uvloop is installed (it is not on Windows)."""
    try:
        import uvloop
    except ImportError:
        return
    asyncio.set_event_loop_policy(uvloop.EventLoopPolicy())


class HttpServer:
    def __init__(self, app: App, config: ServerConfig) -> None:
        self._config = config
        self._shared = Shared(
            app,
            config.header_timeout,
            config.keepalive_timeout,
            config.max_header_bytes,
            secure=config.ssl_context is not None,
        )
        self._server: asyncio.Server | None = None
        self._sweeper: asyncio.TimerHandle | None = None
        self._port = 0
        # Deadlines are checked this often: a quarter of the shortest timeout, at most 1 s.
        self._sweep_every = min(1.0, config.header_timeout / 4, config.keepalive_timeout / 4)

    @property
    def port(self) -> int:
        return self._port

    async def start(self) -> None:
        loop = asyncio.get_running_loop()
        shared = self._shared
        tls = self._config.ssl_context
        self._server = await loop.create_server(
            lambda: Connection(shared, loop),
            self._config.host,
            self._config.port,
            reuse_address=True,
            reuse_port=self._config.reuse_port or None,
            backlog=1024,
            ssl=tls,
            ssl_handshake_timeout=self._config.header_timeout if tls else None,
        )
        self._port = int(self._server.sockets[0].getsockname()[1])
        self._tick()

    def _tick(self) -> None:
        """Refresh the shared clock and Date line, and close connections past their deadline."""
        loop = asyncio.get_running_loop()
        shared = self._shared
        now = shared.now = loop.time()
        wall = time.time()
        shared.date_line = date_line(wall)
        for conn in list(shared.connections):
            if conn.deadline and now >= conn.deadline:
                conn.expire()
        # Wake just after the next whole second so the Date header is never a second stale.
        until_next_second = 1.0 - (wall % 1.0) + 0.001
        self._sweeper = loop.call_later(min(self._sweep_every, until_next_second), self._tick)

    async def stop(self, grace: float = 5.0) -> None:
        if self._server is None:
            return
        server, self._server = self._server, None
        server.close()
        if self._sweeper is not None:
            self._sweeper.cancel()
        connections = self._shared.connections
        for conn in list(connections):
            conn.shutdown()
        loop = asyncio.get_running_loop()
        deadline = loop.time() + grace
        # Connections leave the set in connection_lost; poll rather than wire an event into
        # every connection's hot path.
        tls = self._config.ssl_context is not None
        while connections and loop.time() < deadline:
            if tls and all(conn.closing() for conn in connections):
                # A TLS close then waits for the peer's close_notify, which an idle pooled
                # client never sends: all is written, so only let the last bytes go out.
                await asyncio.sleep(TLS_LAST_WRITES_S)
                break
            await asyncio.sleep(0.01)
        for conn in list(connections):
            conn.abort()
        with contextlib.suppress(asyncio.TimeoutError):
            await asyncio.wait_for(server.wait_closed(), 1.0)
