"""A streamed response (`Lambda-Runtime-Function-Response-Mode: streaming`, chunked body):
each chunk goes to the invocation's `on_chunk` as it arrives, in order, with backpressure (the
runtime's connection stops being read while more than HIGH_WATER bytes wait for a slow
consumer). A failure mid-stream comes as the trailers Lambda-Runtime-Function-Error-Type and
Lambda-Runtime-Function-Error-Body (base64). With no `on_chunk` (a plain Invoke of a streaming
function) the chunks are gathered into the payload instead."""

from __future__ import annotations

import asyncio
import contextlib
from collections import deque
from collections.abc import Awaitable, Callable

from .completion import MAX_STREAMED, Completion, decode_error_body, too_large_for_caller
from .httpserver import Exchange

HIGH_WATER = 1024 * 1024
LOW_WATER = 256 * 1024
_ERROR_TYPE = "lambda-runtime-function-error-type"
_ERROR_BODY = "lambda-runtime-function-error-body"

Consumer = Callable[[bytes], Awaitable[None]]


class StreamedResponse:
    def __init__(
        self, exchange: Exchange, consumer: Consumer | None, answered: Callable[[Completion], None]
    ) -> None:
        self._exchange = exchange
        self._consumer = consumer
        self._answered = answered
        self._pending: deque[bytes] = deque()
        self._pending_bytes = 0
        self._gathered: list[bytes] = []
        self._size = 0
        self._paused = False
        self._consumer_failed = False
        self._pump: asyncio.Task[None] | None = None
        self._error_type: str | None = None
        self._error_body = b""

    def data(self, chunk: bytes) -> None:
        self._size += len(chunk)
        if self._size > MAX_STREAMED:
            return  # read to the end, pass nothing more on
        if self._consumer is None:
            self._gathered.append(chunk)
            return
        self._pending.append(chunk)
        self._pending_bytes += len(chunk)
        if self._pump is None:
            self._pump = asyncio.ensure_future(self._run())
        if self._pending_bytes > HIGH_WATER and not self._paused:
            self._paused = True
            self._exchange.pause(True)

    def trailer(self, name: str, value: str) -> None:
        if name == _ERROR_TYPE:
            self._error_type = value
        elif name == _ERROR_BODY:
            self._error_body = decode_error_body(value)

    def done(self) -> None:
        if self._pump is None:
            self._finish()
            return
        self._pump.add_done_callback(lambda _: self._finish())

    def lost(self) -> None:
        # The runtime went away mid-stream: its exit (a crash) or the deadline ends the
        # invocation; whatever was already passed on stays passed on.
        if self._pump is not None:
            self._pump.cancel()

    async def _run(self) -> None:
        assert self._consumer is not None
        while self._pending:
            chunk = self._pending.popleft()
            self._pending_bytes -= len(chunk)
            if not self._consumer_failed:
                try:
                    await self._consumer(chunk)
                except Exception:  # the caller went away: the function runs on, unheard
                    self._consumer_failed = True
            if self._paused and self._pending_bytes < LOW_WATER:
                self._paused = False
                self._exchange.pause(False)
        self._pump = None

    def _finish(self) -> None:
        with contextlib.suppress(Exception):
            self._exchange.reply_json(202, {"status": "OK"})
        self._answered(self._completion())

    def _completion(self) -> Completion:
        streamed = self._consumer is not None
        if self._size > MAX_STREAMED:
            document = too_large_for_caller(MAX_STREAMED)
            return Completion("error", document, "Function.ResponseSizeTooLarge", streamed)
        if self._error_type is not None:
            return Completion("error", self._error_body, self._error_type, streamed)
        payload = b"" if streamed else b"".join(self._gathered)
        return Completion("success", payload, None, streamed)
