"""Asynchronous invocation settings per qualifier: PutFunctionEventInvokeConfig (replaces),
UpdateFunctionEventInvokeConfig (merges), Get, Delete, List. Destinations may be SQS queues,
SNS topics, Lambda functions or EventBridge buses, as on AWS."""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from datetime import UTC, datetime
from typing import Any

from ownstack.core.context import RequestContext
from ownstack.core.service import STATUS, Params, Result
from ownstack.ports.meta import Delete, Op, Put

from .errors import invalid, not_found
from .lookup import LookupOps
from .names import LATEST, FunctionRef, function_arn, is_version, locate, parse_function
from .paging import after, page
from .records import INVOKE_CONFIGS, FunctionRecord, InvokeConfigRecord, child_key
from .validate import checked

_DESTINATIONS = ("sqs", "sns", "lambda", "events")


class InvokeConfigOps(LookupOps):
    async def _qualified(self, ctx: RequestContext, params: Params) -> tuple[FunctionRef, str]:
        ref = locate(ctx, params["FunctionName"], params.get("Qualifier"))
        qualifier = ref.qualifier or LATEST
        fn = await self.find_function(ref)
        exists = fn is not None and (
            qualifier == LATEST
            or (is_version(qualifier) and await self.version(ref, qualifier) is not None)
            or (not is_version(qualifier) and await self.alias(ref, qualifier) is not None)
        )
        if not exists:
            raise not_found("The function doesn't exist.")
        return FunctionRef(ref.region, ref.account, ref.name), qualifier

    async def _store(self, ctx: RequestContext, params: Params, merge: bool) -> Result:
        given = ("MaximumRetryAttempts", "MaximumEventAgeInSeconds", "DestinationConfig")
        if all(params.get(member) is None for member in given):
            raise invalid("You must specify at least one of error handling or destination setting.")
        ref, qualifier = await self._qualified(ctx, params)
        destinations = params.get("DestinationConfig")
        if destinations is not None:
            await self._check_destinations(ctx, ref, destinations)
        key = child_key(ref.key, qualifier)
        made: list[InvokeConfigRecord] = []

        async def store(fn: FunctionRecord) -> list[Op]:
            made.clear()
            raw = await self.meta.get(INVOKE_CONFIGS, key)
            if merge and raw is None:
                raise not_found(self._missing(ref, qualifier))
            record = InvokeConfigRecord(fn.id, qualifier, self.now())
            if merge and raw is not None:
                record = InvokeConfigRecord.decode(raw.value)
                record.last_modified = self.now()
            _apply(record, params)
            made.append(record)
            return [Put(INVOKE_CONFIGS, key, record.encode())]

        await self.change(ref, store)
        return self._output(ref, made[0])

    @checked
    async def put_function_event_invoke_config(self, ctx: RequestContext, params: Params) -> Result:
        return await self._store(ctx, params, merge=False)

    @checked
    async def update_function_event_invoke_config(
        self, ctx: RequestContext, params: Params
    ) -> Result:
        return await self._store(ctx, params, merge=True)

    @checked
    async def get_function_event_invoke_config(self, ctx: RequestContext, params: Params) -> Result:
        ref = locate(ctx, params["FunctionName"], params.get("Qualifier"))
        qualifier = ref.qualifier or LATEST
        raw = await self.meta.get(INVOKE_CONFIGS, child_key(ref.key, qualifier))
        if raw is None:
            raise not_found(self._missing(ref, qualifier))
        return self._output(ref, InvokeConfigRecord.decode(raw.value))

    @checked
    async def delete_function_event_invoke_config(
        self, ctx: RequestContext, params: Params
    ) -> Result:
        ref = locate(ctx, params["FunctionName"], params.get("Qualifier"))
        qualifier = ref.qualifier or LATEST
        key = child_key(ref.key, qualifier)
        base = FunctionRef(ref.region, ref.account, ref.name)

        async def delete(fn: FunctionRecord) -> list[Op]:
            if await self.meta.get(INVOKE_CONFIGS, key) is None:
                raise not_found(self._missing(ref, qualifier))
            return [Delete(INVOKE_CONFIGS, key)]

        await self.change(base, delete)
        return {STATUS: 204}

    @checked
    async def list_function_event_invoke_configs(
        self, ctx: RequestContext, params: Params
    ) -> Result:
        ref = locate(ctx, params["FunctionName"])
        if await self.find_function(ref) is None:
            raise not_found("The function doesn't exist.")
        start = after(params.get("Marker"))

        async def items() -> AsyncIterator[tuple[str, dict[str, Any]]]:
            async for raw in self.children(INVOKE_CONFIGS, ref.key):
                if raw.key > start:
                    yield raw.key, self._output(ref, InvokeConfigRecord.decode(raw.value))

        found, marker = await page(items(), params.get("MaxItems"))
        return {"FunctionEventInvokeConfigs": found, **({"NextMarker": marker} if marker else {})}

    @staticmethod
    def _missing(ref: FunctionRef, qualifier: str) -> str:
        arn = function_arn(ref.region, ref.account, ref.name, qualifier)
        return f"The function {arn} doesn't have an EventInvokeConfig"

    @staticmethod
    def _output(ref: FunctionRef, record: InvokeConfigRecord) -> dict[str, Any]:
        out: dict[str, Any] = {
            "LastModified": datetime.fromtimestamp(record.last_modified, UTC),
            "FunctionArn": function_arn(ref.region, ref.account, ref.name, record.qualifier),
            "DestinationConfig": {
                "OnSuccess": {"Destination": record.on_success} if record.on_success else {},
                "OnFailure": {"Destination": record.on_failure} if record.on_failure else {},
            },
        }
        if record.max_retries is not None:
            out["MaximumRetryAttempts"] = record.max_retries
        if record.max_age is not None:
            out["MaximumEventAgeInSeconds"] = record.max_age
        return out

    async def _check_destinations(
        self, ctx: RequestContext, ref: FunctionRef, config: Mapping[str, Any]
    ) -> None:
        success = (config.get("OnSuccess") or {}).get("Destination") or ""
        failure = (config.get("OnFailure") or {}).get("Destination") or ""
        for arn in (success, failure):
            if arn and not await self._destination_ok(ctx, ref, arn):
                on_success = f"OnSuccess(destination={success})" if success else "null"
                on_failure = f"OnFailure(destination={failure})" if failure else "null"
                raise invalid(
                    f"The provided destination config DestinationConfig(onSuccess={on_success}, "
                    f"onFailure={on_failure}) is invalid."
                )

    async def _destination_ok(self, ctx: RequestContext, ref: FunctionRef, arn: str) -> bool:
        parts = arn.split(":")
        if len(parts) < 6 or parts[2] not in _DESTINATIONS:
            return False
        if parts[2] != "lambda":
            return True
        parsed = parse_function(arn)
        if parsed is None:
            return False
        if parsed[2] == ref.name and (parsed[1] or ctx.account_id) == ref.account:
            raise invalid("You can't specify the function as a destination for itself.")
        target = FunctionRef(parsed[0] or ctx.region, parsed[1] or ctx.account_id, parsed[2])
        if await self.find_function(target) is None:
            raise invalid(f"The destination ARN {arn} is invalid.")
        return True


def _apply(record: InvokeConfigRecord, params: Params) -> None:
    if params.get("MaximumRetryAttempts") is not None:
        record.max_retries = int(params["MaximumRetryAttempts"])
    if params.get("MaximumEventAgeInSeconds") is not None:
        record.max_age = int(params["MaximumEventAgeInSeconds"])
    config = params.get("DestinationConfig")
    if config is not None:
        record.on_success = (config.get("OnSuccess") or {}).get("Destination") or ""
        record.on_failure = (config.get("OnFailure") or {}).get("Destination") or ""
