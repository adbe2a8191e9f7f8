"""AWS's Lambda Runtime API (2018-06-01), served to one sandbox: what its runtime calls, and
the hand-off of invocations between the engine and those calls.

- GET  /2018-06-01/runtime/invocation/next            blocks until an invocation is handed
- POST /2018-06-01/runtime/invocation/{id}/response   202; 413 past 6 MiB + 100 bytes;
       `Lambda-Runtime-Function-Response-Mode: streaming` + a chunked body: streamed
- POST /2018-06-01/runtime/invocation/{id}/error      202 (Lambda-Runtime-Function-Error-Type)
- POST /2018-06-01/runtime/init/error                 202 before the first /next; then 403
A request id other than the invocation in flight is 400 InvalidRequestID, as Lambda answers.
The extensions, logs and telemetry APIs are not served: 404, as Lambda's own emulator answers
when extensions are off.
"""

from __future__ import annotations

from collections.abc import Callable

from .completion import MAX_PAYLOAD, Completion, Delivery, error_type_of, too_large_for_caller
from .httpserver import Exchange, Handler
from .streams import StreamedResponse

API = "/2018-06-01/runtime"
ACCEPTED = {"status": "OK"}
RESPONSE_MODE = "lambda-runtime-function-response-mode"
ERROR_TYPE = "lambda-runtime-function-error-type"


class RuntimeApi:
    """The Router of one sandbox's Runtime API server."""

    def __init__(self, on_ready: Callable[[], None], on_init_error: Callable[[Completion], None]):
        self._on_ready = on_ready
        self._on_init_error = on_init_error
        self.ready = False
        """The runtime has asked for its first invocation: init is over."""
        self._waiting: Exchange | None = None
        self._queued: Delivery | None = None
        self._current: Delivery | None = None

    # -- the engine's side ------------------------------------------------------------------
    def hand(self, delivery: Delivery) -> None:
        waiting, self._waiting = self._waiting, None
        if waiting is not None and not waiting.answered:
            self._deliver(waiting, delivery)
        else:
            self._queued = delivery

    def withdraw(self) -> None:
        """The invocation ended without the runtime (timeout, crash): forget it."""
        self._queued = self._current = None

    # -- the runtime's side -----------------------------------------------------------------
    def open(self, exchange: Exchange) -> Handler:
        method, path = exchange.method, exchange.path
        if not path.startswith(API + "/"):
            return Reply(exchange, 404, b"404 page not found\n")
        route = path[len(API) :]
        if route == "/invocation/next":
            return NextRequest(self, exchange) if method == "GET" else Reply(exchange, 405)
        if route == "/init/error":
            return self._init_error(exchange) if method == "POST" else Reply(exchange, 405)
        parts = route.split("/")  # "", "invocation", id, "response" | "error"
        if len(parts) == 4 and parts[1] == "invocation" and parts[3] in ("response", "error"):
            if method != "POST":
                return Reply(exchange, 405)
            return self._post(exchange, parts[2], parts[3] == "error")
        return Reply(exchange, 404, b"404 page not found\n")

    def next(self, exchange: Exchange) -> None:
        if not self.ready:
            self.ready = True
            self._on_ready()
        queued, self._queued = self._queued, None
        if queued is not None:
            self._deliver(exchange, queued)
        else:
            self._waiting = exchange

    def next_lost(self, exchange: Exchange) -> None:
        if self._waiting is exchange:
            self._waiting = None

    def _deliver(self, exchange: Exchange, delivery: Delivery) -> None:
        self._current = delivery
        invocation = delivery.invocation
        headers = [
            ("Lambda-Runtime-Aws-Request-Id", invocation.request_id),
            ("Lambda-Runtime-Deadline-Ms", str(delivery.deadline_ms)),
            ("Lambda-Runtime-Invoked-Function-Arn", invocation.invoked_function_arn),
            ("Content-Type", "application/json"),
        ]
        optional = (
            ("Lambda-Runtime-Trace-Id", invocation.trace_id),
            ("Lambda-Runtime-Client-Context", invocation.client_context),
            ("Lambda-Runtime-Cognito-Identity", invocation.cognito_identity),
        )
        headers += [(name, value) for name, value in optional if value]
        exchange.reply(200, invocation.payload, headers)

    def _post(self, exchange: Exchange, request_id: str, error: bool) -> Handler:
        current = self._current
        if current is None or current.invocation.request_id != request_id or current.done.done():
            return Reply(exchange, 400, doc=invalid_request_id())
        mode = exchange.headers.get(RESPONSE_MODE, "buffered").lower()
        if mode not in ("buffered", "streaming"):
            doc = {
                "errorMessage": "Invalid function response mode",
                "errorType": "InvalidFunctionResponseMode",
            }
            return Reply(exchange, 400, doc=doc)
        if mode == "streaming" and not error:
            return StreamedResponse(exchange, current.invocation.on_chunk, self._answered(current))
        return Buffered(exchange, lambda body: self._posted(exchange, current, body, error))

    def _answered(self, delivery: Delivery) -> Callable[[Completion], None]:
        def answered(completion: Completion) -> None:
            if self._current is delivery:
                self._current = None
            delivery.finish(completion)

        return answered

    def _posted(
        self, exchange: Exchange, delivery: Delivery, body: bytes | None, error: bool
    ) -> None:
        answered = self._answered(delivery)
        if body is None:
            exchange.reply_json(413, too_large_for_runtime())
            answered(Completion("error", too_large_for_caller(), "Function.ResponseSizeTooLarge"))
            return
        exchange.reply_json(202, ACCEPTED)
        if error:
            error_type = exchange.headers.get(ERROR_TYPE) or error_type_of(body)
            answered(Completion("error", body, error_type))
        else:
            answered(Completion("success", body))

    def _init_error(self, exchange: Exchange) -> Handler:
        if self.ready:
            message = (
                "State transition from Running to InitError failed for runtime. "
                "Error: State transition is not allowed"
            )
            return Reply(
                exchange, 403, doc={"errorMessage": message, "errorType": "InvalidStateTransition"}
            )

        def posted(body: bytes | None) -> None:
            exchange.reply_json(202, ACCEPTED)
            document = body if body is not None else b""
            error_type = exchange.headers.get(ERROR_TYPE) or error_type_of(document)
            self._on_init_error(Completion("init_error", document, error_type))

        return Buffered(exchange, posted)


class NextRequest:
    def __init__(self, api: RuntimeApi, exchange: Exchange) -> None:
        self._api = api
        self._exchange = exchange

    def data(self, chunk: bytes) -> None:
        pass

    def trailer(self, name: str, value: str) -> None:
        pass

    def done(self) -> None:
        self._api.next(self._exchange)

    def lost(self) -> None:
        self._api.next_lost(self._exchange)


class Buffered:
    """A body read whole (up to MAX_PAYLOAD); `posted` gets it, or None past the bound."""

    def __init__(self, exchange: Exchange, posted: Callable[[bytes | None], None]) -> None:
        self._exchange = exchange
        self._posted = posted
        self._parts: list[bytes] = []
        self._size = 0

    def data(self, chunk: bytes) -> None:
        self._size += len(chunk)
        if self._size <= MAX_PAYLOAD:
            self._parts.append(chunk)
        else:
            self._parts = []  # keep reading to the end, keep nothing

    def trailer(self, name: str, value: str) -> None:
        pass

    def done(self) -> None:
        self._posted(b"".join(self._parts) if self._size <= MAX_PAYLOAD else None)

    def lost(self) -> None:
        pass


class Reply:
    """A fixed answer, given once the request (and any body, discarded) is in."""

    def __init__(self, exchange: Exchange, status: int, body: bytes = b"", doc: object = None):
        self._exchange = exchange
        self._status = status
        self._body = body
        self._doc = doc

    def data(self, chunk: bytes) -> None:
        pass

    def trailer(self, name: str, value: str) -> None:
        pass

    def done(self) -> None:
        if self._doc is not None:
            self._exchange.reply_json(self._status, self._doc)
        else:
            self._exchange.reply(
                self._status, self._body, (("Content-Type", "text/plain; charset=utf-8"),)
            )

    def lost(self) -> None:
        pass


def invalid_request_id() -> dict[str, str]:
    return {"errorMessage": "Invalid request ID", "errorType": "InvalidRequestID"}


def too_large_for_runtime() -> dict[str, str]:
    return {
        "errorMessage": f"Exceeded maximum allowed payload size ({MAX_PAYLOAD} bytes).",
        "errorType": "RequestEntityTooLarge",
    }
