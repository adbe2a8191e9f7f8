"""Invoke, InvokeAsync and InvokeWithResponseStream: the payload limits, the invocation types
(RequestResponse runs and answers; Event is queued durably and answers 202; DryRun checks and
answers 204) and the response as AWS shapes it (FunctionError, LogResult, ExecutedVersion)."""

from __future__ import annotations

import asyncio
import base64
import binascii
import json
import random
import uuid
from collections.abc import AsyncIterator
from typing import Any

from ownstack.core.context import RequestContext
from ownstack.core.errors import ServiceError
from ownstack.core.http import BodyReader
from ownstack.core.service import STATUS, Params, Result, StreamEvent
from ownstack.events.bus import Delivery, DeliveryFailed

from .errors import invalid, lambda_error, state_conflict, too_large
from .invoke_async import AsyncEvent, AsyncInvoker, AsyncSettings
from .invoke_async import Ran as AsyncRan
from .invoke_report import log_tail
from .invoke_run import InvokeRunner
from .names import locate, parse_function
from .resolve import ResolvedFunction

SYNC_LIMIT = 6 * 1024 * 1024
ASYNC_LIMIT = 1024 * 1024
"""Invoke with InvocationType=Event (AWS raised it from 256 KB to 1 MB)."""
INVOKE_ASYNC_LIMIT = 256 * 1024
"""The deprecated InvokeAsync keeps 256 KB."""
CLIENT_CONTEXT_MAX = 3583
INVOCATION_TYPES = ("RequestResponse", "Event", "DryRun")
_REFUSED_HEADERS = {"DurableExecutionName": "durable executions", "TenantId": "tenant isolation"}


class InvokeOps(InvokeRunner):
    async_invoker: AsyncInvoker | None = None

    async def invoke(self, ctx: RequestContext, params: Params) -> Result:
        kind = params.get("InvocationType") or "RequestResponse"
        _check_common(params, kind)
        payload = params.get("Payload") or b""
        _check_payload(payload, "Invoke", SYNC_LIMIT if kind != "Event" else ASYNC_LIMIT)
        resolved = await self._resolve(ctx, params)
        if kind == "DryRun":
            return {STATUS: 204}
        if kind == "Event":
            await self._enqueue(ctx, resolved, payload)
            return {STATUS: 202}
        context = _client_context(params.get("ClientContext"))
        ran = await self.run(resolved, payload, ctx.request_id, client_context=context)
        result: dict[str, Any] = {
            STATUS: 200,
            "Payload": ran.answer.payload,
            "ExecutedVersion": ran.version,
        }
        if ran.answer.function_error:
            result["FunctionError"] = ran.answer.function_error
        if params.get("LogType") == "Tail":
            result["LogResult"] = log_tail(ran.answer.log)
        return result

    async def invoke_async(self, ctx: RequestContext, params: Params) -> Result:
        args = params.get("InvokeArgs")
        payload = await _read_capped(args, INVOKE_ASYNC_LIMIT) if args is not None else b""
        resolved = await self._resolve(ctx, {"FunctionName": params["FunctionName"]})
        await self._enqueue(ctx, resolved, payload)
        return {STATUS: 202, "Status": 202}

    async def invoke_with_response_stream(self, ctx: RequestContext, params: Params) -> Result:
        kind = params.get("InvocationType") or "RequestResponse"
        if kind not in ("RequestResponse", "DryRun"):
            raise invalid(f"Unsupported invocation type {kind} for a response stream.")
        _check_common(params, kind)
        payload = params.get("Payload") or b""
        _check_payload(payload, "InvokeWithResponseStream", SYNC_LIMIT)
        resolved = await self._resolve(ctx, params)
        if kind == "DryRun":
            return {STATUS: 204}
        if resolved.config.state != "Active":
            raise state_conflict(resolved.config.state)
        context = _client_context(params.get("ClientContext"))
        stream = self._stream(resolved, payload, ctx.request_id, context, params)
        return {STATUS: 200, "ExecutedVersion": resolved.version, "EventStream": stream}

    async def _stream(
        self,
        resolved: ResolvedFunction,
        payload: bytes,
        request_id: str,
        context: str | None,
        params: Params,
    ) -> AsyncIterator[StreamEvent]:
        chunks: asyncio.Queue[bytes | None] = asyncio.Queue()

        async def on_chunk(chunk: bytes) -> None:
            await chunks.put(chunk)

        async def running() -> Any:
            try:
                return await self.run(
                    resolved, payload, request_id, client_context=context, on_chunk=on_chunk
                )
            finally:
                await chunks.put(None)

        task = asyncio.ensure_future(running())
        while (chunk := await chunks.get()) is not None:
            yield StreamEvent("PayloadChunk", chunk)
        complete: dict[str, str] = {}
        try:
            ran = task.result()
        except ServiceError as err:
            complete = {"ErrorCode": err.code, "ErrorDetails": err.message}
        else:
            if ran.answer.payload:
                yield StreamEvent("PayloadChunk", ran.answer.payload)
            if ran.answer.function_error:
                complete["ErrorCode"] = ran.answer.function_error
                complete["ErrorDetails"] = ran.answer.payload.decode("utf-8", "replace")
            if params.get("LogType") == "Tail":
                complete["LogResult"] = log_tail(ran.answer.log)
        body = json.dumps(complete).encode()
        yield StreamEvent("InvokeComplete", body, "application/json")

    async def _resolve(self, ctx: RequestContext, params: Params) -> ResolvedFunction:
        """The function a request invokes, checked to be in the caller's region and reachable
        by the caller (another account's only through its resource policy)."""
        ref = locate(ctx, params["FunctionName"], params.get("Qualifier"))
        return await self.resolve(
            ref.account,
            ref.region,
            ref.name,
            ref.qualifier,
            route=random.random(),
        )

    async def _enqueue(
        self, ctx: RequestContext, resolved: ResolvedFunction, payload: bytes
    ) -> None:
        await self._enqueue_event(ctx.request_id, resolved, payload)

    async def _enqueue_event(
        self, request_id: str, resolved: ResolvedFunction, payload: bytes
    ) -> None:
        if self.async_invoker is None:
            raise lambda_error("ServiceException", "This server runs no functions.", 500)
        event = AsyncEvent(
            request_id=request_id,
            account=resolved.account_id,
            function=resolved.invoked_arn,
            payload=base64.b64encode(payload).decode("ascii"),
            first_at=self.clock.now(),
        )
        await self.async_invoker.enqueue(event)

    # -- what the async invoker and the events bus call

    async def deliver(self, delivery: Delivery) -> None:
        """The events layer's handler for arn:aws:lambda:... targets (a destination, a
        notification): the body is the event, queued durably as an async invocation of the
        function (qualified when the ARN is). Raises DeliveryFailed."""
        parsed = parse_function(delivery.target)
        if parsed is None or parsed[1] is None:
            raise DeliveryFailed(delivery.target, "not a function ARN")
        account = parsed[1]
        try:
            resolved = await self.resolve(account, parsed[0] or self.region, delivery.target)
        except ServiceError as err:
            raise DeliveryFailed(delivery.target, err.message) from err
        payload = delivery.body.encode()
        if len(payload) > ASYNC_LIMIT:
            raise DeliveryFailed(delivery.target, "the event is larger than 1 MB")
        await self._enqueue_event(uuid.uuid4().hex, resolved, payload)

    async def run_event(self, event: AsyncEvent) -> AsyncRan:
        resolved = await self.resolve(
            event.account,
            self.region,
            event.function,
            route=random.random(),
        )
        ran = await self.run(resolved, base64.b64decode(event.payload), event.request_id)
        arn = f"{resolved.function_arn}:{resolved.version}"
        return AsyncRan(ran.answer.payload, ran.answer.function_error, ran.version, arn)

    async def event_settings(self, event: AsyncEvent) -> AsyncSettings:
        try:
            resolved = await self.resolve(event.account, self.region, event.function)
        except ServiceError:
            return AsyncSettings()
        config = resolved.invoke_config
        dead_letter = resolved.config.dead_letter or None
        if config is None:
            return AsyncSettings(dead_letter=dead_letter)
        return AsyncSettings(
            retries=2 if config.max_retries is None else config.max_retries,
            max_age=21600 if config.max_age is None else config.max_age,
            on_success=config.on_success or None,
            on_failure=config.on_failure or None,
            dead_letter=dead_letter,
        )


def _check_common(params: Params, kind: str) -> None:
    if kind not in INVOCATION_TYPES:
        raise lambda_error(
            "InvalidParameterValueException",
            f"Unsupported invocation type {kind}",
            400,
        )
    for member, what in _REFUSED_HEADERS.items():
        if params.get(member):
            raise invalid(f"{member}: {what} is not supported by ownstack.")
    log_type = params.get("LogType")
    if log_type not in (None, "None", "Tail"):
        raise invalid(f"Unsupported log type {log_type}")


def _check_payload(payload: bytes, operation: str, limit: int) -> None:
    if len(payload) > limit:
        raise too_large(operation, limit)
    if not payload:
        return
    try:
        json.loads(payload)
    except ValueError as exc:
        raise lambda_error(
            "InvalidRequestContentException",
            "Could not parse request body into json: Could not parse payload into json",
            400,
        ) from exc


def _client_context(raw: str | None) -> str | None:
    """X-Amz-Client-Context is base64 JSON (at most 3,583 bytes); the runtime gets the JSON."""
    if raw is None:
        return None
    if len(raw) > CLIENT_CONTEXT_MAX:
        raise invalid("Client context must be 3583 bytes or less.")
    try:
        decoded = base64.b64decode(raw, validate=True).decode("utf-8")
        json.loads(decoded)
    except (binascii.Error, UnicodeDecodeError, ValueError) as exc:
        raise invalid("Client context must be a valid Base64-encoded JSON object.") from exc
    return decoded


async def _read_capped(body: BodyReader | bytes, limit: int) -> bytes:
    if isinstance(body, bytes):
        data = body
    else:
        data = b""
        async for chunk in body:
            data += chunk
            if len(data) > limit:
                break
    if len(data) > limit:
        raise too_large("InvokeAsync", limit)
    return data
