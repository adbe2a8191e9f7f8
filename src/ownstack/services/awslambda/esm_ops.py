"""CreateEventSourceMapping, GetEventSourceMapping, UpdateEventSourceMapping,
DeleteEventSourceMapping and ListEventSourceMappings, for SQS queues (standard and FIFO) and
DynamoDB streams. The pollers are esm_sqs.py and esm_stream.py, run by esm_supervisor.py."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from typing import Any

from ownstack.core.context import RequestContext
from ownstack.core.errors import ServiceError
from ownstack.core.service import STATUS, Params, Result
from ownstack.ports.errors import ConditionFailed
from ownstack.ports.meta import ABSENT, Op, Put, Record, pages, prefix_end

from .errors import conflict, invalid, lambda_error, no_such_resource
from .esm_access import EsmAccess
from .esm_records import (
    CREATING,
    DELETING,
    DISABLED,
    DISABLING,
    DYNAMODB,
    ENABLING,
    MAPPINGS,
    POSITIONS,
    SQS,
    UPDATING,
    MappingRecord,
    PositionRecord,
    mapping_key,
    position_key,
    render,
)
from .esm_runner import EsmRunner
from .esm_settings import apply, check_starting_position, check_supported
from .names import locate
from .paging import after, page
from .resolve import ResolvedFunction
from .validate import checked

LIST_DEFAULT = 100
UPDATE_ATTEMPTS = 5
_NOT_SERVED = ("kinesis", "kafka", "mq", "rds", "docdb")


class EsmOps(EsmAccess, EsmRunner):
    @checked
    async def create_event_source_mapping(self, ctx: RequestContext, params: Params) -> Result:
        source_arn = params.get("EventSourceArn")
        if not source_arn:
            raise invalid("Unrecognized event source, must be kafka or specify an EventSourceArn")
        kind = _kind(source_arn)
        check_supported(params, kind)
        ref = locate(ctx, params["FunctionName"], operation="CreateEventSourceMapping")
        resolved = await self.resolve(ref.account, ref.region, ref.name, ref.qualifier)
        mapping = MappingRecord(
            uuid=str(uuid.uuid4()),
            region=ctx.region,
            account_id=ctx.account_id,
            kind=kind,
            source_arn=source_arn,
            function_arn=ref.arn,
            state=CREATING if params.get("Enabled", True) else DISABLED,
            enabled=bool(params.get("Enabled", True)),
            last_modified=self.now(),
            batch_size=10 if kind == SQS else 100,
        )
        if kind == DYNAMODB:
            mapping.starting_position = check_starting_position(params, source_arn)
        await self._check_source(mapping, resolved)
        apply(mapping, params)
        await self.check_role(resolved.role_arn, resolved.name, mapping)
        await self._check_unique(mapping)
        ops: list[Op] = [Put(MAPPINGS, mapping.key, mapping.encode(), expect=ABSENT)]
        ops += await self._latest_positions(mapping)
        await self.meta.commit(ops)
        self.mappings_changed()
        return {STATUS: 202, **render(mapping)}

    @checked
    async def get_event_source_mapping(self, ctx: RequestContext, params: Params) -> Result:
        mapping, _ = await self._mapping(ctx, params["UUID"])
        return render(mapping)

    @checked
    async def update_event_source_mapping(self, ctx: RequestContext, params: Params) -> Result:
        for _ in range(UPDATE_ATTEMPTS):
            mapping, raw = await self._mapping(ctx, params["UUID"])
            if mapping.state == DELETING:
                raise _in_use()
            await self._update(ctx, mapping, params)
            try:
                await self.meta.commit(
                    [Put(MAPPINGS, raw.key, mapping.encode(), expect=raw.version)]
                )
            except ConditionFailed:
                continue
            self.mappings_changed()
            return {STATUS: 202, **render(mapping)}
        raise conflict("Too many concurrent changes of the event source mapping; try again.")

    @checked
    async def delete_event_source_mapping(self, ctx: RequestContext, params: Params) -> Result:
        for _ in range(UPDATE_ATTEMPTS):
            mapping, raw = await self._mapping(ctx, params["UUID"])
            if mapping.state == DELETING:
                return {STATUS: 202, **render(mapping)}
            mapping.state = DELETING
            try:
                await self.meta.commit(
                    [Put(MAPPINGS, raw.key, mapping.encode(), expect=raw.version)]
                )
            except ConditionFailed:
                continue
            self.mappings_changed()
            return {STATUS: 202, **render(mapping)}
        raise conflict("Too many concurrent changes of the event source mapping; try again.")

    @checked
    async def list_event_source_mappings(self, ctx: RequestContext, params: Params) -> Result:
        source = params.get("EventSourceArn")
        function = None
        if params.get("FunctionName"):
            function = locate(ctx, params["FunctionName"], operation="ListEventSourceMappings").arn
        start = after(params.get("Marker"))
        base = mapping_key(ctx.region, ctx.account_id, "")

        async def items() -> AsyncIterator[tuple[str, dict[str, Any]]]:
            begin = start + "\x00" if start else base
            async for found in pages(self.meta, MAPPINGS, start=begin, end=prefix_end(base)):
                for raw in found:
                    mapping = MappingRecord.decode(raw.value)
                    if source and mapping.source_arn != source:
                        continue
                    if function and mapping.function_arn != function:
                        continue
                    yield raw.key, render(mapping)

        listed, marker = await page(items(), params.get("MaxItems"), LIST_DEFAULT)
        return {"EventSourceMappings": listed, **({"NextMarker": marker} if marker else {})}

    # -- helpers

    async def _mapping(self, ctx: RequestContext, given: str) -> tuple[MappingRecord, Record]:
        raw = await self.meta.get(MAPPINGS, mapping_key(ctx.region, ctx.account_id, given))
        if raw is None:
            raise no_such_resource()
        return MappingRecord.decode(raw.value), raw

    async def _update(self, ctx: RequestContext, mapping: MappingRecord, params: Params) -> None:
        check_supported(params, mapping.kind)
        destination = mapping.on_failure
        resolved = None
        if params.get("FunctionName"):
            ref = locate(ctx, params["FunctionName"], operation="UpdateEventSourceMapping")
            resolved = await self.resolve(ref.account, ref.region, ref.name, ref.qualifier)
            mapping.function_arn = ref.arn
            await self._check_source(mapping, resolved)
            await self._check_unique(mapping)
        apply(mapping, params)
        if resolved is not None or mapping.on_failure != destination:
            if resolved is None:
                resolved = await self.resolve(ctx.account_id, ctx.region, mapping.function_arn)
            await self.check_role(resolved.role_arn, resolved.name, mapping)
        enabled = params.get("Enabled")
        if enabled is not None and bool(enabled) != mapping.enabled:
            mapping.enabled = bool(enabled)
            mapping.state = ENABLING if mapping.enabled else DISABLING
        else:
            mapping.state = UPDATING
        mapping.generation += 1
        mapping.last_modified = self.now()

    async def _check_source(self, mapping: MappingRecord, resolved: ResolvedFunction) -> None:
        """The source exists (and, for a queue, its visibility timeout covers the function's
        timeout, as AWS requires)."""
        if mapping.kind == DYNAMODB:
            found = None
            if self.stream_source is not None:
                found = await self.stream_source.stream(mapping.source_arn)
            if found is None:
                raise invalid(
                    f"Cannot access stream {mapping.source_arn}. Please ensure the role can "
                    "perform the GetRecords, GetShardIterator, DescribeStream, and ListStreams "
                    "Actions on your stream in IAM."
                )
            return
        queue = None
        if self.queue_source is not None and _region(mapping.source_arn) == mapping.region:
            queue = await self.queue_source.queue(mapping.source_arn)
        if queue is None:
            raise invalid(
                "Error occurred while ReceiveMessage. SQS Error Code: "
                "AWS.SimpleQueueService.NonExistentQueue. SQS Error Message: The specified "
                "queue does not exist or you do not have access to it."
            )
        mapping.fifo = queue.fifo
        timeout = resolved.config.timeout
        if timeout > queue.visibility_timeout:
            raise invalid(
                f"Queue visibility timeout: {queue.visibility_timeout} seconds is less than "
                f"Function timeout: {timeout} seconds"
            )

    async def _check_unique(self, mapping: MappingRecord) -> None:
        base = mapping_key(mapping.region, mapping.account_id, "")
        async for found in pages(self.meta, MAPPINGS, start=base, end=prefix_end(base)):
            for raw in found:
                other = MappingRecord.decode(raw.value)
                if other.uuid == mapping.uuid or other.state == DELETING:
                    continue
                if (other.source_arn, other.function_arn) == (
                    mapping.source_arn,
                    mapping.function_arn,
                ):
                    raise _duplicate(mapping, other.uuid)

    async def _latest_positions(self, mapping: MappingRecord) -> list[Op]:
        """A LATEST stream mapping starts after what its stream holds when it is made."""
        if mapping.kind != DYNAMODB or mapping.starting_position != "LATEST":
            return []
        assert self.stream_source is not None
        info = await self.stream_source.stream(mapping.source_arn)
        ops: list[Op] = []
        for shard in info.shards if info is not None else ():
            latest = await self.stream_source.latest(mapping.source_arn, shard)
            key = position_key(mapping.uuid, shard)
            ops.append(Put(POSITIONS, key, PositionRecord(latest).encode()))
        return ops


def _kind(arn: str) -> str:
    parts = arn.split(":", 5)
    service = parts[2] if len(parts) == 6 else ""
    if service == SQS:
        return SQS
    if service == DYNAMODB and "/stream/" in parts[5]:
        return DYNAMODB
    if service in _NOT_SERVED:
        raise invalid(f"EventSourceArn: {service} event sources are not supported by ownstack.")
    raise invalid("Unrecognized event source.")


def _region(arn: str) -> str:
    parts = arn.split(":")
    return parts[3] if len(parts) > 3 else ""


def _duplicate(mapping: MappingRecord, existing: str) -> ServiceError:
    name = mapping.function_arn.split(":")[6]
    if mapping.kind == SQS:
        return conflict(
            f'An event source mapping with SQS arn (" {mapping.source_arn} ") and function '
            f'(" {name} ") already exists. Please update or delete the existing mapping with '
            f"UUID {existing}"
        )
    return conflict(
        f'The event source arn (" {mapping.source_arn} ") and function (" {name} ") provided '
        f"mapping already exists. Please update or delete the existing mapping with UUID "
        f"{existing}"
    )


def _in_use() -> ServiceError:
    return lambda_error(
        "ResourceInUseException",
        "Cannot update the event source mapping because it is in use.",
        400,
    )
