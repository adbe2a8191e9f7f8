"""State every connection of one server shares (kept apart so every module can import it)."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from typing import Protocol

from ownstack.core.http import Request, Response
from ownstack.gateway.server_batch import WriteBatch
from ownstack.gateway.server_send import date_line

App = Callable[[Request], Awaitable[Response]]

READ_SIZE = 256 << 10
"""Bytes per socket read on the parser path (what uvloop itself reads per call)."""


class Tracked(Protocol):
    """What the server does to its connections."""

    deadline: float

    def expire(self) -> None: ...

    def shutdown(self) -> None: ...

    def closing(self) -> bool:
        """Its transport is closing: every byte of it is handed over."""
        ...

    def abort(self) -> None: ...


class Shared:
    """What every connection of one server shares.

    `now` (loop time) and `date_line` are refreshed by the server's ticker, so the hot path
    reads attributes instead of clocks; deadlines are as coarse as the tick (well under 1 s)."""

    __slots__ = (
        "app",
        "batch",
        "connections",
        "date_line",
        "header_timeout",
        "keepalive_timeout",
        "max_header",
        "now",
        "read_view",
        "secure",
    )

    def __init__(
        self,
        app: App,
        header_timeout: float,
        keepalive: float,
        max_header: int,
        secure: bool = False,
    ) -> None:
        self.app = app
        self.secure = secure
        """Connections arrive over TLS: requests say so, and responses never use sendfile."""
        self.header_timeout = header_timeout
        self.keepalive_timeout = keepalive
        self.max_header = max_header
        self.connections: set[Tracked] = set()
        self.now = 0.0
        self.date_line = date_line(time.time())
        self.batch = WriteBatch()
        """Small responses waiting for the end of the loop iteration (server_batch.py)."""
        self.read_view = memoryview(bytearray(READ_SIZE))
        """Where every connection's socket reads land before the parser sees them."""
