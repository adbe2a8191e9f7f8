"""Time to live: deleting expired items in the background.

A table with TTL enabled has items expire when their TTL attribute is a number of epoch
seconds in the past; AWS deletes them "within a few days", not at once, and skips values more
than five years in the past (so a timestamp in milliseconds or a mistaken small number does
not delete everything). The deletion goes through writes.change_ops like any delete (index
entries removed, a stream record naming the DynamoDB service as its principal) with a
compare-and-set on the version read, so an item rewritten meanwhile is left for the next
sweep to judge again.
https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/howitworks-ttl.html

The coordinator runs one TtlSweeper under a lease (start/stop); `sweep_once` is one pass.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from decimal import Decimal, InvalidOperation

from ownstack.core.clock import Clock
from ownstack.ports.errors import ConditionFailed
from ownstack.ports.meta import MetaStore

from .expr.ast import Item
from .records import TABLES, TableRecord, decode_table, items_ns
from .writes import change_ops, decode_stored, read_item

log = logging.getLogger("ownstack.dynamodb.ttl")
FIVE_YEARS_S = 5 * 365 * 24 * 3600
DEFAULT_INTERVAL_S = 10.0
_PAGE = 500


def expired(item: Item, attribute: str, now: float) -> bool:
    """True when `item`'s TTL attribute is an N of epoch seconds before `now`, at most five
    years back."""
    value = item.get(attribute)
    if value is None or "N" not in value:
        return False
    try:
        when = Decimal(value["N"])
    except InvalidOperation:
        return False
    return now - FIVE_YEARS_S <= when < Decimal(repr(now))


class TtlSweeper:
    def __init__(self, meta: MetaStore, clock: Clock, interval: float = DEFAULT_INTERVAL_S) -> None:
        self.meta = meta
        self.clock = clock
        self.interval = interval
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        if self._task is None or self._task.done():
            self._task = asyncio.get_running_loop().create_task(self._loop())

    async def stop(self) -> None:
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def _loop(self) -> None:
        while True:
            try:
                await self.sweep_once()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("TTL sweep failed")
            await asyncio.sleep(self.interval)

    async def sweep_once(self) -> int:
        """One pass over every table with TTL enabled; the number of items deleted."""
        deleted = 0
        for table in await self._ttl_tables():
            deleted += await self.sweep_table(table)
        return deleted

    async def _ttl_tables(self) -> list[TableRecord]:
        tables: list[TableRecord] = []
        start = ""
        while True:
            page = await self.meta.scan(TABLES, start=start, limit=_PAGE)
            tables.extend(t for t in map(lambda r: decode_table(r.value), page) if t.ttl_attribute)
            if len(page) < _PAGE:
                return tables
            start = page[-1].key + "\0"

    async def sweep_table(self, table: TableRecord) -> int:
        attribute = table.ttl_attribute
        if attribute is None:
            return 0
        deleted = 0
        start = ""
        while True:
            page = await self.meta.scan(items_ns(table), start=start, limit=_PAGE)
            now = self.clock.now()
            for record in page:
                item = decode_stored(record.value, record.version).item
                if expired(item, attribute, now) and await self._expire(
                    table, record.key, attribute
                ):
                    deleted += 1
            if len(page) < _PAGE:
                return deleted
            start = page[-1].key + "\0"

    async def _expire(self, table: TableRecord, key: str, attribute: str) -> bool:
        stored = await read_item(self.meta, table, key)
        now = self.clock.now()
        if stored is None or not expired(stored.item, attribute, now):
            return False
        try:
            await self.meta.commit(change_ops(table, key, stored, None, now=now, by_ttl=True))
        except ConditionFailed:
            return False  # changed since read: the next sweep judges it again
        return True
