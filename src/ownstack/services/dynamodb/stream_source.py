"""DynamoDB Streams as a stream source of Lambda's event source mappings (events/sources.py).

A stream is its table's enabled stream or one disabled less than 24 hours ago (as the Streams
API sees it, streams_service.py); it has one shard. Every read first moves the table's outbox
to the log (as GetRecords does), so a read made after an acknowledged write sees it. Records
come out in Lambda's event shape: images in DynamoDB JSON (B as base64), userIdentity with
Lambda's lower-case member names.
"""

from __future__ import annotations

import json
import time
from typing import Any

from ownstack.events.sources import SourceGone, StreamInfo, StreamRecord
from ownstack.ports.logs import LogRecord, LogStore
from ownstack.ports.meta import MetaStore

from .errors import DynamoError
from .records import TABLES, decode_table, table_key
from .stream_catalog import StreamEntry, current_stream, retired_stream
from .stream_mover import move_outbox, shard_id, stream_log
from .streams_service import parse_stream_arn, stream_event

ENTRY_TTL_S = 1.0
"""How long a read reuses what it found out about a stream: pollers read an idle stream every
few milliseconds, and a stream's table record changes seldom."""


class DynamoStreamSource:
    def __init__(self, meta: MetaStore, logs: LogStore) -> None:
        self.meta = meta
        self.logs = logs
        self._entries: dict[str, tuple[float, StreamEntry]] = {}

    async def stream(self, arn: str) -> StreamInfo | None:
        entry = await self._entry(arn)
        if entry is None:
            return None
        return StreamInfo(entry.arn, (shard_id(entry.table_id, entry.label),), entry.open)

    async def latest(self, arn: str, shard: str) -> int:
        entry = await self._moved(arn, shard)
        for info in await self.logs.shards(stream_log(entry)):
            if info.shard == shard:
                return info.last_offset
        return 0

    async def read(self, arn: str, shard: str, *, after: int, limit: int) -> list[StreamRecord]:
        entry = await self._moved(arn, shard)
        found = await self.logs.read(stream_log(entry), shard, after=after, limit=limit)
        return [_record(entry.region, r) for r in found]

    async def _moved(self, arn: str, shard: str) -> StreamEntry:
        """The stream, its table's outbox moved to the log; SourceGone when it is no more."""
        entry = await self._recent(arn)
        if entry is None or shard != shard_id(entry.table_id, entry.label):
            raise SourceGone(arn)
        await move_outbox(self.meta, self.logs, entry.table_id, entry.outbox)
        return entry

    async def _recent(self, arn: str) -> StreamEntry | None:
        now = time.monotonic()
        cached = self._entries.get(arn)
        if cached is not None and now - cached[0] < ENTRY_TTL_S:
            return cached[1]
        entry = await self._entry(arn)
        if entry is None:
            self._entries.pop(arn, None)
        else:
            self._entries[arn] = (now, entry)
        return entry

    async def _entry(self, arn: str) -> StreamEntry | None:
        try:
            region, account_id, table_name, _ = parse_stream_arn(arn)
        except DynamoError:
            return None
        record = await self.meta.get(TABLES, table_key(region, account_id, table_name))
        current = None if record is None else current_stream(decode_table(record.value))
        if current is not None and current.arn == arn:
            return current
        return await retired_stream(self.meta, arn)


def _record(region: str, record: LogRecord) -> StreamRecord:
    stored: dict[str, Any] = json.loads(record.data)
    out = stream_event(region, record, stored)  # the JSON as stored: as Lambda shows it
    identity = stored.get("userIdentity")
    if identity:
        out["userIdentity"] = {
            "type": identity.get("Type", ""),
            "principalId": identity.get("PrincipalId", ""),
        }
    keys = json.dumps(stored["Keys"], sort_keys=True, separators=(",", ":"))
    return StreamRecord(
        sequence=record.offset,
        record=out,
        created=float(stored["ApproximateCreationDateTime"]),
        size=len(record.data),
        partition=keys,
    )
