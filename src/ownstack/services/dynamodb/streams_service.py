"""The DynamoDB Streams API (its own botocore model, `dynamodbstreams`): ListStreams,
DescribeStream, GetShardIterator and GetRecords over the stream records the mover
(stream_mover.py) puts on the log port.

A stream is its table's enabled stream (the table record says it), or one disabled by
UpdateTable or DeleteTable in the last 24 hours (stream_catalog.py says it); it has one shard,
open while the stream is enabled and closed once it is disabled. Every call that shows
positions first moves the table's outbox, so a GetRecords (or a LATEST iterator) made after an
acknowledged write sees (or starts after) it. API reference:
https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_Operations_Amazon_DynamoDB_Streams.html
"""

from __future__ import annotations

import hashlib
from typing import Any

from ownstack.core.context import RequestContext
from ownstack.core.service import Params, Result
from ownstack.ports.logs import LogRecord, ShardInfo

from .base import DynamoDbBase
from .errors import INVALID, DynamoError, resource_not_found, table_not_found, validation
from .outbox import decode_record
from .records import TABLES, decode_table, table_key
from .stream_catalog import StreamEntry, current_stream, retired_stream, retired_streams
from .stream_mover import StreamMover, label_millis, move_outbox, shard_id, stream_log
from .stream_positions import (
    Iterator,
    check_fresh,
    decode_iterator,
    encode_iterator,
    parse_sequence_number,
    sequence_number,
)
from .table_constraints import Violations

ITERATOR_TYPES = ("TRIM_HORIZON", "LATEST", "AT_SEQUENCE_NUMBER", "AFTER_SEQUENCE_NUMBER")
LIST_LIMIT = 100
"""ListStreams and DescribeStream return at most 100 streams or shards."""
RECORDS_LIMIT = 1000
RECORDS_BYTES = 1024 * 1024
"""GetRecords returns at most 1000 records or 1 MB, whichever comes first."""
_STREAM_MARK = "/stream/"


class StreamsService(DynamoDbBase):
    _mover: StreamMover | None = None

    @property
    def mover(self) -> StreamMover:
        if self._mover is None:
            self._mover = StreamMover(self.meta, self.logs, self.clock)
        return self._mover

    # -- ListStreams ---------------------------------------------------------------------------

    async def list_streams(self, ctx: RequestContext, params: Params) -> Result:
        v = Violations()
        v.name(params.get("TableName"), "tableName")
        v.at_least(params.get("Limit"), "limit", 1)
        v.at_most(params.get("Limit"), "limit", LIST_LIMIT)
        v.length(params.get("ExclusiveStartStreamArn"), "exclusiveStartStreamArn", 37, 1024)
        v.raise_any()
        limit = params.get("Limit") or LIST_LIMIT
        streams = await self._streams_of(ctx, params.get("TableName"))
        start = params.get("ExclusiveStartStreamArn")
        if start is not None:
            after = _order(parse_stream_arn(start))
            streams = [s for s in streams if _order(parse_stream_arn(s.arn)) > after]
        page = streams[:limit]
        result: Result = {
            "Streams": [
                {"StreamArn": s.arn, "TableName": s.table_name, "StreamLabel": s.label}
                for s in page
            ]
        }
        if len(streams) > limit:
            result["LastEvaluatedStreamArn"] = page[-1].arn
        return result

    async def _streams_of(self, ctx: RequestContext, table_name: str | None) -> list[StreamEntry]:
        """The streams of one table, or of every table of the caller's account and region, in
        table name then label order: enabled ones and those disabled in the last 24 hours
        (also of deleted tables)."""
        prefix = f"arn:aws:dynamodb:{ctx.region}:{ctx.account_id}:table/"
        if table_name is not None:
            record = await self.meta.get(TABLES, table_key(ctx.region, ctx.account_id, table_name))
            tables = [] if record is None else [decode_table(record.value)]
            prefix += table_name + _STREAM_MARK
        else:
            tables = [
                decode_table(r.value) for r in await self.all_tables(ctx.region, ctx.account_id)
            ]
        # Table records first: a stream disabled after they were read is in the catalog then.
        found = {s.arn: s for s in map(current_stream, tables) if s is not None}
        retired = await retired_streams(self.meta, prefix)
        if table_name is not None and not tables and not retired:
            raise table_not_found(table_name)
        found.update((s.arn, s) for s in retired)
        return sorted(found.values(), key=lambda s: (s.table_name, s.label))

    # -- DescribeStream ------------------------------------------------------------------------

    async def describe_stream(self, ctx: RequestContext, params: Params) -> Result:
        v = Violations()
        v.length(params.get("StreamArn"), "streamArn", 37, 1024)
        v.at_least(params.get("Limit"), "limit", 1)
        v.length(params.get("ExclusiveStartShardId"), "exclusiveStartShardId", 28, 65)
        v.raise_any()
        stream = await self._stream(ctx, params["StreamArn"])
        await self._move(stream)
        shards = [await self._shard_description(stream)]
        start = params.get("ExclusiveStartShardId")
        if start is not None:
            shards = [s for s in shards if s["ShardId"] > start]
        if params.get("ShardFilter") is not None:
            shards = []  # CHILD_SHARDS: a stream's one shard never splits, so it has no child
        limit = min(params.get("Limit") or LIST_LIMIT, LIST_LIMIT)
        description = _description(stream)
        description["Shards"] = shards[:limit]
        if len(shards) > limit:
            description["LastEvaluatedShardId"] = shards[limit - 1]["ShardId"]
        return {"StreamDescription": description}

    async def _move(self, stream: StreamEntry) -> None:
        """Move the stream's table's outbox to the logs, so what was acknowledged is read."""
        await move_outbox(self.meta, self.logs, stream.table_id, stream.outbox)

    async def _shard_description(self, stream: StreamEntry) -> dict[str, Any]:
        info = await self._shard_info(stream)
        numbers = {"StartingSequenceNumber": sequence_number(info.first_offset)}
        if not stream.open:
            # A closed shard ends at its last record (an empty one where it would have begun).
            ending = max(info.last_offset, info.first_offset)
            numbers["EndingSequenceNumber"] = sequence_number(ending)
        return {"ShardId": _shard(stream), "SequenceNumberRange": numbers}

    async def _shard_info(self, stream: StreamEntry) -> ShardInfo:
        shard = _shard(stream)
        for info in await self.logs.shards(stream_log(stream)):
            if info.shard == shard:
                return info
        return ShardInfo(shard, 1, 0)  # nothing was ever appended

    # -- GetShardIterator ----------------------------------------------------------------------

    async def get_shard_iterator(self, ctx: RequestContext, params: Params) -> Result:
        kind = params["ShardIteratorType"]
        number = params.get("SequenceNumber")
        v = Violations()
        v.length(params.get("StreamArn"), "streamArn", 37, 1024)
        v.length(params.get("ShardId"), "shardId", 28, 65)
        v.enum(kind, "shardIteratorType", ITERATOR_TYPES)
        v.length(number, "sequenceNumber", 21, 40)
        v.raise_any()
        _check_sequence_number_use(kind, number)
        stream = await self._stream(ctx, params["StreamArn"])
        if params["ShardId"] != _shard(stream):
            raise resource_not_found("Requested resource not found: Shard does not exist")
        await self._move(stream)
        info = await self._shard_info(stream)
        after = _start(kind, number, info)
        return {
            "ShardIterator": encode_iterator(
                Iterator(stream.arn, _shard(stream), after, self.clock.now())
            )
        }

    # -- GetRecords ----------------------------------------------------------------------------

    async def get_records(self, ctx: RequestContext, params: Params) -> Result:
        v = Violations()
        v.length(params.get("ShardIterator"), "shardIterator", 1, 2048)
        v.at_least(params.get("Limit"), "limit", 1)
        v.raise_any()
        limit = params.get("Limit") or RECORDS_LIMIT
        if limit > RECORDS_LIMIT:
            # DynamoDB Local's words (AWS's own emulator); the model sets no maximum.
            raise validation(
                "One or more parameter values were invalid: Limit should be less than or equal"
                " to 1000"
            )
        it = decode_iterator(params["ShardIterator"])
        check_fresh(it, self.clock.now())
        stream = await self._stream(ctx, it.stream_arn)
        if it.shard != _shard(stream):
            raise resource_not_found("Invalid ShardId in ShardIterator")
        await self._move(stream)
        info = await self._shard_info(stream)
        if it.after < info.first_offset - 1:
            raise DynamoError(
                "TrimmedDataAccessException", "The data you are trying to access has been trimmed."
            )
        records = _within_size(
            await self.logs.read(stream_log(stream), it.shard, after=it.after, limit=limit)
        )
        after = records[-1].offset if records else it.after
        result: Result = {"Records": [_record(stream.region, r) for r in records]}
        if stream.open or after < info.last_offset:
            # A closed shard read to its end has no next iterator: "the shard has been closed
            # and the requested iterator will not return any more data".
            result["NextShardIterator"] = encode_iterator(
                Iterator(stream.arn, it.shard, after, self.clock.now())
            )
        return result

    # -- streams -------------------------------------------------------------------------------

    async def _stream(self, ctx: RequestContext, arn: str) -> StreamEntry:
        """The stream `arn` names, of the caller's account and region: its table's enabled
        stream, or one disabled less than 24 hours ago; ResourceNotFoundException otherwise."""
        region, account_id, table_name, _ = parse_stream_arn(arn)
        if (region, account_id) == (ctx.region, ctx.account_id):
            # The table record first: a stream disabled after it was read is in the catalog.
            record = await self.meta.get(TABLES, table_key(region, account_id, table_name))
            current = None if record is None else current_stream(decode_table(record.value))
            if current is not None and current.arn == arn:
                return current
            retired = await retired_stream(self.meta, arn)
            if retired is not None:
                return retired
        raise resource_not_found(f"Requested resource not found: Stream: {arn} not found")


def parse_stream_arn(arn: str) -> tuple[str, str, str, str]:
    """(region, account, table name, label) of a stream ARN
    ("arn:aws:dynamodb:<region>:<account>:table/<name>/stream/<label>"); ValidationException
    "Invalid StreamArn" for anything else."""
    parts = arn.split(":", 5)
    if (
        len(parts) == 6
        and parts[:3] == ["arn", "aws", "dynamodb"]
        and parts[5].startswith("table/")
    ):
        name, mark, label = parts[5][len("table/") :].partition(_STREAM_MARK)
        if mark and name and label and "/" not in name:
            return parts[3], parts[4], name, label
    raise validation("Invalid StreamArn")


def _order(parsed: tuple[str, str, str, str]) -> tuple[str, str]:
    """Where a stream sorts in ListStreams: by table name, then label (creation time)."""
    return parsed[2], parsed[3]


def _shard(stream: StreamEntry) -> str:
    return shard_id(stream.table_id, stream.label)


def _description(stream: StreamEntry) -> dict[str, Any]:
    return {
        "StreamArn": stream.arn,
        "StreamLabel": stream.label,
        "StreamStatus": stream.status,
        "StreamViewType": stream.view_type,
        "CreationRequestDateTime": label_millis(stream.label) / 1000,
        "TableName": stream.table_name,
        "KeySchema": stream.key_schema.wire(),
    }


def _check_sequence_number_use(kind: str, number: str | None) -> None:
    """SequenceNumber goes with AT_ and AFTER_SEQUENCE_NUMBER only (DynamoDB Local's words)."""
    if kind in ("AT_SEQUENCE_NUMBER", "AFTER_SEQUENCE_NUMBER") and number is None:
        raise validation(INVALID + "Invalid SequenceNumber")
    if kind in ("TRIM_HORIZON", "LATEST") and number is not None:
        raise validation(INVALID + "SequenceNumber should not be passed for this iterator type")


def _start(kind: str, number: str | None, info: ShardInfo) -> int:
    """The offset an iterator of `kind` starts after."""
    if kind == "TRIM_HORIZON":
        return info.first_offset - 1
    if kind == "LATEST":
        return info.last_offset
    assert number is not None
    offset = parse_sequence_number(number)
    # A shard's StartingSequenceNumber is valid even before its first record is there (an
    # empty shard starts at first_offset, one past last_offset).
    if offset < 1 or offset > max(info.last_offset, info.first_offset):
        raise validation("Invalid SequenceNumber for the shard")
    if offset < info.first_offset:
        # "You request a shard iterator with a sequence number older than the trim point"
        raise DynamoError(
            "TrimmedDataAccessException", "The data you are trying to access has been trimmed."
        )
    return offset - 1 if kind == "AT_SEQUENCE_NUMBER" else offset


def _within_size(records: list[LogRecord]) -> list[LogRecord]:
    """The records up to 1 MB of data (always the first)."""
    total = 0
    for i, record in enumerate(records):
        total += len(record.data)
        if total > RECORDS_BYTES and i > 0:
            return records[:i]
    return records


def _record(region: str, record: LogRecord) -> dict[str, Any]:
    """A Record on the wire (API_streams_Record), from a log record."""
    stored = decode_record(record.data)
    out = stream_event(region, record, stored)
    if "userIdentity" in stored:
        out["userIdentity"] = stored["userIdentity"]
    return out


def stream_event(region: str, record: LogRecord, stored: dict[str, Any]) -> dict[str, Any]:
    """A stream record's event fields as GetRecords and Lambda's stream events both show them
    (`stored`: the outbox record, its images decoded or not as the caller needs)."""
    change: dict[str, Any] = {
        "ApproximateCreationDateTime": stored["ApproximateCreationDateTime"],
        "Keys": stored["Keys"],
    }
    for image in ("NewImage", "OldImage"):
        if image in stored:
            change[image] = stored[image]
    change["SequenceNumber"] = sequence_number(record.offset)
    change["SizeBytes"] = stored["SizeBytes"]
    change["StreamViewType"] = stored["StreamViewType"]
    return {
        # 32 hex digits as AWS's are, the same each time the record is read.
        "eventID": hashlib.md5(record.id.encode(), usedforsecurity=False).hexdigest(),
        "eventName": stored["eventName"],
        "eventVersion": "1.1",
        "eventSource": "aws:dynamodb",
        "awsRegion": region,
        "dynamodb": change,
    }
