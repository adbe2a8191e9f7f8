"""Asynchronous invocation (InvocationType=Event): the event is enqueued durably on the queue
port before Invoke answers 202, so it survives a crash or restart; workers in every process that
shares the queue take events off it and run them.

As AWS documents ("Retries and error handling for asynchronous invocation"): a function error is
retried at most MaximumRetryAttempts times (default 2), waiting 1 minute before the first retry
and 2 before the second; a throttle (concurrency exhausted) or a sandbox that could not start is
retried with growing back-off until MaximumEventAgeInSeconds (default 6 hours). Then the event
goes to the OnFailure destination, else the function's dead-letter queue; a success goes to the
OnSuccess destination. Destinations get AWS's invocation record, the dead-letter queue the event
itself with the RequestID / ErrorCode / ErrorMessage attributes.
"""

from __future__ import annotations

import base64
import json
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass

import msgspec

from ownstack.core.clock import Clock
from ownstack.core.errors import ServiceError
from ownstack.events.bus import Delivery, DeliveryFailed
from ownstack.events.taker import QueueTaker
from ownstack.ports.queues import NewMessage, QueueSpec, QueueStore, Received

from .invoke_report import iso_millis

log = logging.getLogger("ownstack.lambda")

ASYNC_QUEUE = "lambda-async"
"""The queue port id of the events waiting to run (SQS's ids are uuid hex: no clash)."""
RETRY_DELAYS = (60.0, 120.0)
DEFAULT_RETRIES = 2
DEFAULT_MAX_AGE = 21600
THROTTLE_BACKOFF = (1.0, 300.0)
"""First and longest wait before a throttled event is tried again (it doubles in between)."""
RETENTION_S = DEFAULT_MAX_AGE + 3600.0
VISIBILITY_S = 20.0
"""How long a taken event stays taken; renewed every VISIBILITY_S / 3 while it runs, so an
event whose worker died (a crash, SIGKILL) is taken again within 20 s."""


class AsyncEvent(msgspec.Struct, frozen=True):
    request_id: str
    account: str
    function: str
    """The ARN as invoked (qualified when the caller named a version or alias)."""
    payload: str
    """base64 of the event bytes."""
    first_at: float
    attempts: int = 0
    throttles: int = 0


@dataclass(frozen=True, slots=True)
class Ran:
    """One run of an event, as the sync path reports it."""

    payload: bytes
    function_error: str | None
    executed_version: str
    function_arn: str
    """The qualified ARN that ran (the destination record's requestContext.functionArn)."""


@dataclass(frozen=True, slots=True)
class AsyncSettings:
    retries: int = DEFAULT_RETRIES
    max_age: int = DEFAULT_MAX_AGE
    on_success: str | None = None
    on_failure: str | None = None
    dead_letter: str | None = None


Runner = Callable[[AsyncEvent], Awaitable[Ran]]
"""Runs the event like a RequestResponse invoke; raises ServiceError when it could not run
(TooManyRequestsException when throttled, ResourceNotFoundException when the function is
gone)."""
SettingsOf = Callable[[AsyncEvent], Awaitable[AsyncSettings]]
Deliver = Callable[[Delivery], Awaitable[None]]


class AsyncInvoker:
    def __init__(
        self,
        queue: QueueStore,
        clock: Clock,
        run: Runner,
        settings_of: SettingsOf,
        deliver: Deliver,
        *,
        retry_delays: Sequence[float] = RETRY_DELAYS,
        throttle_backoff: tuple[float, float] = THROTTLE_BACKOFF,
        workers: int = 8,
        visibility: float = VISIBILITY_S,
    ) -> None:
        self.queue = queue
        self.clock = clock
        self._run = run
        self._settings_of = settings_of
        self._deliver = deliver
        self.retry_delays = tuple(retry_delays)
        self.throttle_backoff = throttle_backoff
        self._taker = QueueTaker(
            queue,
            ASYNC_QUEUE,
            self._handle,
            workers=workers,
            visibility=visibility,
            label="lambda-async",
        )

    async def open(self) -> None:
        await self.queue.create(ASYNC_QUEUE, QueueSpec(retention=RETENTION_S))

    async def enqueue(self, event: AsyncEvent, delay: float = 0.0) -> None:
        """Durable when this returns."""
        body = msgspec.json.encode(event).decode()
        await self.queue.send(ASYNC_QUEUE, [NewMessage(body=body, delay=delay)])

    def start(self) -> None:
        self._taker.start()

    async def stop(self) -> None:
        await self._taker.stop()

    async def _handle(self, message: Received) -> None:
        await self._process(msgspec.json.decode(message.body, type=AsyncEvent))

    async def _process(self, event: AsyncEvent) -> None:
        settings = await self._settings_of(event)
        age = self.clock.now() - event.first_at
        if age > settings.max_age:
            await self._fail(event, settings, None, "EventAgeExceeded")
            return
        try:
            ran = await self._run(event)
        except ServiceError as err:
            await self._could_not_run(event, settings, err)
            return
        if ran.function_error is None:
            await self._succeed(event, settings, ran)
            return
        attempts = event.attempts + 1
        if attempts <= min(settings.retries, len(self.retry_delays)):
            delay = self.retry_delays[attempts - 1]
            if age + delay <= settings.max_age:
                await self.enqueue(msgspec.structs.replace(event, attempts=attempts), delay)
                return
        await self._fail(event, settings, ran, "RetriesExhausted")

    async def _could_not_run(
        self, event: AsyncEvent, settings: AsyncSettings, err: ServiceError
    ) -> None:
        if err.code == "ResourceNotFoundException":
            log.warning("async invocation %s: %s", event.request_id, err.message)
            return  # the function is gone: nothing left to run or to tell
        first, longest = self.throttle_backoff
        delay = min(longest, first * 2**event.throttles)
        if self.clock.now() + delay - event.first_at > settings.max_age:
            await self._fail(event, settings, None, "EventAgeExceeded")
            return
        await self.enqueue(msgspec.structs.replace(event, throttles=event.throttles + 1), delay)

    async def _succeed(self, event: AsyncEvent, settings: AsyncSettings, ran: Ran) -> None:
        if settings.on_success:
            body = record(event, ran, "Success", self.clock)
            await self._send(settings.on_success, _shaped(settings.on_success, body, event, True))

    async def _fail(
        self, event: AsyncEvent, settings: AsyncSettings, ran: Ran | None, condition: str
    ) -> None:
        if settings.on_failure:
            body = record(event, ran, condition, self.clock)
            await self._send(settings.on_failure, _shaped(settings.on_failure, body, event, False))
        elif settings.dead_letter:
            await self._send_dead_letter(settings.dead_letter, event, ran)

    async def _send(self, target: str, body: str) -> None:
        try:
            await self._deliver(Delivery(target=target, body=body))
        except DeliveryFailed as exc:
            log.warning("lambda destination: %s", exc)

    async def _send_dead_letter(self, target: str, event: AsyncEvent, ran: Ran | None) -> None:
        message = "" if ran is None else _error_message(ran.payload)
        attributes = {
            "RequestID": {"DataType": "String", "StringValue": event.request_id},
            "ErrorCode": {"DataType": "Number", "StringValue": "200"},
            "ErrorMessage": {"DataType": "String", "StringValue": message or "Unhandled"},
        }
        body = base64.b64decode(event.payload).decode("utf-8", "replace")
        try:
            await self._deliver(Delivery(target=target, body=body, attributes=attributes))
        except DeliveryFailed as exc:
            log.warning("lambda dead-letter queue: %s", exc)


def _shaped(target: str, body: str, event: AsyncEvent, success: bool) -> str:
    """The record as `target` gets it: an event bus gets an EventBridge event whose detail is
    the record (source "lambda", detail-type "Lambda Function Invocation Result - Success" or
    "- Failure", as Lambda sends it); queues, topics and functions get the record itself."""
    if target.split(":")[2:3] != ["events"]:
        return body
    outcome = "Success" if success else "Failure"
    return json.dumps(
        {
            "source": "lambda",
            "detail-type": f"Lambda Function Invocation Result - {outcome}",
            "resources": [event.function],
            "detail": json.loads(body),
        }
    )


def _error_message(payload: bytes) -> str:
    try:
        doc = json.loads(payload)
    except ValueError:
        return ""
    return str(doc.get("errorMessage", "")) if isinstance(doc, dict) else ""


def _json_or_text(data: bytes) -> object:
    try:
        return json.loads(data)
    except ValueError:
        return data.decode("utf-8", "replace")


def record(event: AsyncEvent, ran: Ran | None, condition: str, clock: Clock) -> str:
    """AWS's invocation record, as destinations receive it."""
    context: dict[str, object] = {
        "requestId": event.request_id,
        "functionArn": ran.function_arn if ran is not None else event.function,
        "condition": condition,
        "approximateInvokeCount": event.attempts + (1 if ran is not None else 0),
    }
    doc: dict[str, object] = {
        "version": "1.0",
        "timestamp": iso_millis(clock.now()),
        "requestContext": context,
        "requestPayload": _json_or_text(base64.b64decode(event.payload)),
    }
    if ran is not None:
        response: dict[str, object] = {"statusCode": 200, "executedVersion": ran.executed_version}
        if ran.function_error:
            response["functionError"] = ran.function_error
        doc["responseContext"] = response
        doc["responsePayload"] = _json_or_text(ran.payload)
    return json.dumps(doc)
