"""Moves stream records from tables' outboxes (outbox.py) to the log port, where DynamoDB
Streams reads them, and trims what is older than the 24 hours AWS keeps.

A move takes a page of the outbox in key order, appends it to the stream's log with each
record's outbox key as its entry id, then deletes the page from the outbox. Each step may be
repeated after a crash or by a concurrent mover (GetRecords moving on demand while the
background loop does, or another process): the log answers an id it already has with its
offset, and deleting a deleted key is no error, so every record lands exactly once. One
item's records reach the log in the order of its changes: a later change's record is only
written once the earlier one committed, so no page holds the later record without the earlier
one, unless that one was already moved.

Records are trimmed 24 hours after they reached the log, which is within a move interval of
their change while the mover runs (GetRecords also moves on demand). A stream disabled (by
UpdateTable or DeleteTable: stream_catalog.py) is deleted 24 hours after it was disabled: its
table's outbox is moved once more (nothing of it may be left behind in the outbox), then its
log goes, then its catalog entry, so a crash part-way leaves the entry to find it again.

Every stream has one shard for now; its log is named after the table's id and the stream's
label, so a table re-created under the same name, or a stream enabled again, starts a new log.
"""

from __future__ import annotations

import calendar
import hashlib
import json
import time
from itertools import groupby

from ownstack.core.clock import Clock
from ownstack.ports.logs import Entry, LogStore
from ownstack.ports.meta import Delete, MetaStore, Record

from .records import TableRecord, outbox_ns
from .stream_catalog import STREAMS, StreamEntry, retired_streams
from .table_store import every_table

RETENTION_S = 24 * 3600.0
"""Stream records are kept 24 hours:
https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/Streams.html"""
MOVE_PAGE = 500
MOVE_INTERVAL_S = 0.5
TRIM_INTERVAL_S = 60.0


def log_id(table_id: str, label: str) -> str:
    """The log holding the records of one stream of one table."""
    return f"ddb-stream:{table_id}:{label}"


def shard_id(table_id: str, label: str) -> str:
    """The stream's one shard, named as AWS names them ("shardId-" + creation time in epoch
    milliseconds, 20 digits, + "-" + 8 hex digits, e.g. "shardId-00000001414576573621-f55eea83")."""
    digest = hashlib.sha256(f"{table_id}/{label}".encode()).hexdigest()[:8]
    return f"shardId-{label_millis(label):020d}-{digest}"


def label_millis(label: str) -> int:
    """A StreamLabel ("2026-12-03T14:40:12.345", UTC) as epoch milliseconds."""
    whole, _, fraction = label.partition(".")
    seconds = calendar.timegm(time.strptime(whole, "%Y-%m-%dT%H:%M:%S"))
    return seconds * 1000 + int((fraction or "0")[:3].ljust(3, "0"))


class StreamMover:
    def __init__(self, meta: MetaStore, logs: LogStore, clock: Clock) -> None:
        self.meta = meta
        self.logs = logs
        self.clock = clock
        self._last_trim: float | None = None
        """Monotonic time of the last trim (None: none yet)."""

    async def move_table(self, table: TableRecord) -> int:
        """Move all of `table`'s outbox to its streams' logs; how many records moved."""
        return await move_outbox(self.meta, self.logs, table.id, outbox_ns(table))

    async def trim_table(self, table: TableRecord) -> int:
        """Trim the current stream of `table` to the last 24 hours; how many records went."""
        if table.stream is None:
            return 0
        older_than = self.clock.now() - RETENTION_S
        return await self.logs.trim(log_id(table.id, table.stream.label), older_than=older_than)

    async def move_all(self, *, trim: bool = False) -> int:
        """One pass over every table with a stream: move (and trim, and delete the streams
        disabled 24 hours ago); how many moved."""
        moved = 0
        for table in await streamed_tables(self.meta):
            moved += await self.move_table(table)
            if trim:
                await self.trim_table(table)
        if trim:
            await self.expire_streams()
        return moved

    async def expire_streams(self) -> int:
        """Trim the logs of disabled streams to the last 24 hours, and delete those disabled
        24 hours ago (log, then catalog entry); how many were deleted."""
        now = self.clock.now()
        deleted = 0
        for stream in await retired_streams(self.meta):
            if stream.disabled_at is not None and now - stream.disabled_at >= RETENTION_S:
                await self.delete_stream(stream)
                deleted += 1
            else:
                await self.logs.trim(stream_log(stream), older_than=now - RETENTION_S)
        return deleted

    async def delete_stream(self, stream: StreamEntry) -> None:
        """Delete a disabled stream for good. Its table's outbox is moved first, so no record
        of it is left to be appended to its log once the log is gone."""
        await move_outbox(self.meta, self.logs, stream.table_id, stream.outbox)
        await self.logs.delete_log(stream_log(stream))
        await self.meta.commit([Delete(STREAMS, stream.arn)])

    async def run_once(self) -> None:
        """One tick of the background work: move every table's outbox, and trim when the
        last trim is TRIM_INTERVAL_S old. The body for ports.leases.LeasedLoop (raises what
        the stores raise; the loop logs it and tries again)."""
        now = self.clock.monotonic()
        trim = self._last_trim is None or now - self._last_trim >= TRIM_INTERVAL_S
        await self.move_all(trim=trim)
        if trim:
            self._last_trim = now


async def move_outbox(meta: MetaStore, logs: LogStore, table_id: str, ns: str) -> int:
    """Move all of the outbox `ns` of table `table_id` to its streams' logs (each record goes
    to the stream its label names); how many records moved."""
    moved = 0
    while True:
        page = await meta.scan(ns, limit=MOVE_PAGE)
        if not page:
            return moved
        for label, records in groupby(page, key=_label):
            entries = [Entry(r.key, r.value) for r in records]
            await logs.append(log_id(table_id, label), shard_id(table_id, label), entries)
        await meta.commit([Delete(ns, r.key) for r in page])
        moved += len(page)
        if len(page) < MOVE_PAGE:
            return moved


def stream_log(stream: StreamEntry) -> str:
    return log_id(stream.table_id, stream.label)


async def streamed_tables(meta: MetaStore) -> list[TableRecord]:
    """Every table (of every account and region) that has or had a stream."""
    return [t async for t in every_table(meta) if t.stream is not None]


def _label(record: Record) -> str:
    label: str = json.loads(record.value)["StreamLabel"]
    return label
