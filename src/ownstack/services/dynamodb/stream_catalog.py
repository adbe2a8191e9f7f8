"""The catalog of retired streams: streams disabled by UpdateTable or by DeleteTable, which
stay readable (StreamStatus DISABLED, their shard closed) for 24 hours and are then deleted.

"If you have DynamoDB Streams enabled on the table, then the corresponding stream on that
table goes into the DISABLED state, and the stream is automatically deleted after 24 hours"
(https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_DeleteTable.html); the
same holds for a stream disabled by UpdateTable: "any shards that are open will be closed.
The data in the stream will continue to be readable for 24 hours"
(https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/Streams.html#Streams.Enabling).

A table's enabled stream is described by its table record (records.py). When it is disabled
(or its table deleted), an entry in STREAMS, keyed by the stream's ARN, is written in the same
commit as the table record's change, so readers never miss it: it keeps what DescribeStream
and GetRecords need once the table record no longer says it (the table's name, id, key schema,
the stream's view type) and when it was disabled. The stream mover deletes the stream's log,
then its entry, 24 hours later (stream_mover.expire_streams).
"""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass
from typing import Any

from ownstack.ports.meta import MetaStore, Put, pages, prefix_end

from .records import KeySchema, TableRecord, outbox_ns

STREAMS = "ddb:streams"
ENABLED, DISABLED = "ENABLED", "DISABLED"


@dataclass(frozen=True, slots=True)
class StreamEntry:
    """One stream of one table, as the Streams API shows it."""

    arn: str
    table_name: str
    table_id: str
    region: str
    label: str
    view_type: str
    key_schema: KeySchema
    outbox: str
    """The table's outbox namespace, where records not yet moved to the log wait."""
    disabled_at: float | None = None
    """Clock time the stream was disabled; None while it is enabled."""

    @property
    def open(self) -> bool:
        return self.disabled_at is None

    @property
    def status(self) -> str:
        return ENABLED if self.open else DISABLED


def current_stream(table: TableRecord) -> StreamEntry | None:
    """The stream the table record describes while it is enabled (a disabled one is retired:
    its entry in STREAMS says it)."""
    if table.stream is None or not table.stream.enabled or table.stream_arn is None:
        return None
    return StreamEntry(
        arn=table.stream_arn,
        table_name=table.name,
        table_id=table.id,
        region=table.region,
        label=table.stream.label,
        view_type=table.stream.view_type,
        key_schema=table.schema,
        outbox=outbox_ns(table),
    )


def retire_ops(before: TableRecord, after: TableRecord | None, now: float) -> list[Put]:
    """What to commit with a change of a table record from `before` to `after` (None: the
    table is deleted): the entry of `before`'s enabled stream, disabled at `now`, when the
    change ends it."""
    stream = current_stream(before)
    if stream is None:
        return []
    still = None if after is None else current_stream(after)
    if still is not None and still.arn == stream.arn:
        return []
    return [Put(STREAMS, stream.arn, encode_entry(dataclasses.replace(stream, disabled_at=now)))]


async def retired_stream(meta: MetaStore, arn: str) -> StreamEntry | None:
    record = await meta.get(STREAMS, arn)
    return None if record is None else decode_entry(record.value)


async def retired_streams(meta: MetaStore, prefix: str = "") -> list[StreamEntry]:
    """The retired streams whose ARN starts with `prefix` (a table's ARN + "/stream/": that
    table's; "arn:aws:dynamodb:<region>:<account>:table/": an account's), in ARN order."""
    end = prefix_end(prefix) if prefix else None
    found = pages(meta, STREAMS, start=prefix, end=end)
    return [decode_entry(r.value) async for page in found for r in page]


def encode_entry(entry: StreamEntry) -> bytes:
    raw: dict[str, Any] = {
        "arn": entry.arn,
        "table_name": entry.table_name,
        "table_id": entry.table_id,
        "region": entry.region,
        "label": entry.label,
        "view_type": entry.view_type,
        "key_schema": {"partition": entry.key_schema.partition, "sort": entry.key_schema.sort},
        "outbox": entry.outbox,
        "disabled_at": entry.disabled_at,
    }
    return json.dumps(raw, separators=(",", ":")).encode()


def decode_entry(data: bytes) -> StreamEntry:
    raw = json.loads(data)
    raw["key_schema"] = KeySchema(**raw["key_schema"])
    return StreamEntry(**raw)
