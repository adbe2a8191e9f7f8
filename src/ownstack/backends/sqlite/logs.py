"""SqliteLogs: the log port on its own SQLite file (`logs.db`: WAL, synchronous=FULL, group
commit; schema in logs_schema.py).

Changes (append, trim, delete_log) are jobs of a LogWriter: each runs on the event loop inside
the batch's write transaction, under a savepoint of its own, so a job that fails (an id that
cannot be encoded) is undone alone and the rest of its batch commits; callers are answered once
the batch's COMMIT returned (groupcommit.py), so an append is durable when it returns. An
append reads the shard's last offset in the same transaction it writes the next ones: the one
write connection serialises appends, so offsets are gap-free and in commit order.

Reads (a batch of up to 1000 records of up to ~400 KB) run in a worker thread on a read
connection of their own: WAL readers never wait for the writer. The file is locked to this
process (lock.py).
"""

from __future__ import annotations

import asyncio
import sqlite3
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from ownstack.backends.sqlite import logs_schema as schema
from ownstack.backends.sqlite.groupcommit import GroupCommit, Pending, unavailable
from ownstack.backends.sqlite.lock import open_locked
from ownstack.backends.sqlite.schema import open_reader
from ownstack.core.clock import Clock
from ownstack.ports.errors import BackendUnavailable, PortError
from ownstack.ports.logs import Entry, LogRecord, Position, ShardInfo, ShardStats

T = TypeVar("T")


@dataclass(slots=True)
class _Job(Pending):
    job: Callable[[], Any]


class LogWriter(GroupCommit[_Job]):
    def __init__(self, conn: sqlite3.Connection) -> None:
        super().__init__(conn, "log")

    def submit(self, job: Callable[[], T]) -> asyncio.Future[T]:
        loop = asyncio.get_running_loop()
        pending = _Job(loop, loop.create_future(), job)
        self._enqueue(pending)
        return pending.future

    def _begin(self, members: list[_Job]) -> list[_Job]:
        conn = self._conn
        try:
            conn.execute("BEGIN IMMEDIATE")
            for member in members:
                conn.execute("SAVEPOINT job")
                try:
                    member.outcome = member.job()
                except Exception as exc:  # undo this job alone; it fails, the batch goes on
                    conn.execute("ROLLBACK TO job")
                    member.outcome = _job_error(exc)
                conn.execute("RELEASE job")
        except Exception as exc:  # the transaction itself failed: every member with it
            self._fail(members, "write failed", exc)
            return []
        return members


def _job_error(exc: Exception) -> PortError:
    if isinstance(exc, PortError):
        return exc
    if isinstance(exc, (UnicodeEncodeError, ValueError, TypeError, OverflowError)):
        error = PortError(f"invalid log entry: {exc}")
        error.__cause__ = exc
        return error
    return unavailable("log write failed", exc)


class SqliteLogs:
    def __init__(self, path: Path, clock: Clock) -> None:
        self.path = path
        self._clock = clock
        self._lock, (conn, self._reader) = open_locked(path, "log", _open)
        self._conn = conn
        self._read_lock = threading.Lock()
        self._writer = LogWriter(conn)
        self._closed = False

    async def append(self, log: str, shard: str, entries: Sequence[Entry]) -> list[int]:
        if not entries:
            return []
        now = self._clock.now()
        return await self._run(lambda: _append(self._conn, log, shard, entries, now))

    async def read(self, log: str, shard: str, *, after: int, limit: int) -> list[LogRecord]:
        if limit <= 0:  # LIMIT -1 would mean "no limit" to SQLite
            return []
        rows = await self._read(schema.READ, (log, shard, after, limit))
        return [
            LogRecord(int(r[0]), r[1], bytes(r[2]), float(r[3]), int(r[4]), shard) for r in rows
        ]

    async def shards(self, log: str) -> list[ShardInfo]:
        rows = await self._read(schema.SHARDS, (log,))
        return [ShardInfo(r[0], int(r[1]), int(r[2])) for r in rows]

    async def trim(self, log: str, *, older_than: float) -> int:
        conn = self._conn
        return await self._run(
            lambda: _remove(conn, log, schema.GONE_BY_AGE, schema.TRIM, older_than)
        )

    async def delete_log(self, log: str) -> None:
        def delete() -> None:
            self._conn.execute(schema.DELETE_RECORDS, (log,))
            self._conn.execute(schema.DELETE_SHARDS, (log,))

        await self._run(delete)

    async def scan(
        self,
        log: str,
        *,
        shards: Sequence[str] | None = None,
        shard_prefix: str = "",
        key_from: int | None = None,
        key_to: int | None = None,
        after: Position | None = None,
        descending: bool = False,
        limit: int,
    ) -> list[LogRecord]:
        if limit <= 0 or (shards is not None and not shards):
            return []
        sql, params = schema.scan_statement(
            log, shards, shard_prefix, key_from, key_to, after, descending, limit
        )
        rows = await self._read(sql, params)
        return [LogRecord(int(r[1]), r[2], bytes(r[3]), float(r[4]), int(r[5]), r[0]) for r in rows]

    async def trim_keys(self, log: str, *, below: int) -> int:
        conn = self._conn
        return await self._run(
            lambda: _remove(conn, log, schema.GONE_BY_KEY, schema.TRIM_KEYS, below)
        )

    async def delete_shard(self, log: str, shard: str) -> None:
        def delete() -> None:
            self._conn.execute(schema.DELETE_SHARD_RECORDS, (log, shard))
            self._conn.execute(schema.DELETE_SHARD, (log, shard))

        await self._run(delete)

    async def shard_stats(self, log: str, shards: Sequence[str] | None = None) -> list[ShardStats]:
        rows = await self._read(schema.STATS + " ORDER BY s.shard", (log,))
        wanted = None if shards is None else set(shards)
        return [
            ShardStats(r[0], int(r[1]), int(r[2]), r[3], r[4], float(r[5]), int(r[6]))
            for r in rows
            if wanted is None or r[0] in wanted
        ]

    async def health(self) -> None:
        if self._closed or not self._writer.alive:
            raise BackendUnavailable("log writer is not running")
        await self._read("SELECT 1", ())

    async def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        await self._writer.close()
        with self._read_lock:
            self._reader.close()
        self._lock.release()

    async def _run(self, job: Callable[[], T]) -> T:
        self._check_open()
        return await self._writer.submit(job)

    async def _read(self, sql: str, params: Sequence[object]) -> list[Any]:
        self._check_open()
        return await asyncio.to_thread(self._fetch, sql, params)

    def _fetch(self, sql: str, params: Sequence[object]) -> list[Any]:
        with self._read_lock:
            try:
                # fetchall() ends the statement and its read transaction: the next read sees
                # every commit made before it.
                return self._reader.execute(sql, params).fetchall()
            except sqlite3.Error as exc:
                raise BackendUnavailable(f"log read failed: {exc}") from exc
            except UnicodeEncodeError as exc:
                raise PortError(f"log or shard name is not valid UTF-8: {exc}") from exc

    def _check_open(self) -> None:
        if self._closed:
            raise BackendUnavailable("log store is closed")


def _append(
    conn: sqlite3.Connection, log: str, shard: str, entries: Sequence[Entry], now: float
) -> list[int]:
    """In the write transaction: each entry's offset, appending those whose id is new (an id
    seen before, stored or earlier in `entries`, keeps its offset). Statements per batch, not
    per entry: a batch of a function's log lines is hundreds of entries."""
    row = conn.execute(schema.LAST_OFFSET, (log, shard)).fetchone()
    first = last = 0 if row is None else int(row[0])
    known = _stored_offsets(conn, log, shard, [entry.id for entry in entries])
    offsets = []
    rows = []
    added = 0
    for entry in entries:
        offset = known.get(entry.id)
        if offset is None:
            last += 1
            offset = known[entry.id] = last
            data = bytes(entry.data)
            rows.append((log, shard, last, entry.id, now, data, entry.key))
            added += len(data)
        offsets.append(offset)
    if rows:
        conn.executemany(schema.INSERT, rows)
        conn.execute(schema.SAVE_LAST, (log, shard, last, last - first, added, now))
    return offsets


def _stored_offsets(
    conn: sqlite3.Connection, log: str, shard: str, ids: list[str]
) -> dict[str, int]:
    """The offsets of those of `ids` the shard already holds."""
    found: dict[str, int] = {}
    for start in range(0, len(ids), schema.IDS_PER_LOOKUP):
        chunk = ids[start : start + schema.IDS_PER_LOOKUP]
        query = schema.offsets_of(len(chunk))
        found.update((str(i), int(seq)) for i, seq in conn.execute(query, (log, shard, *chunk)))
    return found


def _remove(conn: sqlite3.Connection, log: str, counting: str, deleting: str, bound: float) -> int:
    """In the write transaction: delete what `deleting` selects, first taking what goes off each
    shard's counters (`counting`: shard, count, bytes of the same records)."""
    gone = conn.execute(counting, (log, bound)).fetchall()
    for shard, count, size in gone:
        conn.execute(schema.UNCOUNT, (int(count), int(size or 0), log, shard))
    removed: int = conn.execute(deleting, (log, bound)).rowcount
    return removed


def _open(path: Path) -> tuple[sqlite3.Connection, sqlite3.Connection]:
    """The write connection (schema migrated) and the read connection."""
    conn = schema.open_writer(path)
    try:
        return conn, open_reader(path)
    except BaseException:
        conn.close()
        raise
