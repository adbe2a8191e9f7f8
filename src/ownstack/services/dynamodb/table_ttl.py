"""Time to live: deleting expired items in the background.

A table with TTL enabled has items expire when their TTL attribute is a number of epoch
seconds in the past; AWS deletes them "within a few days", not at once, and skips values more
than five years in the past (so a timestamp in milliseconds or a mistaken small number does
not delete everything). The deletion goes through writes.change_ops like any delete (index
entries removed, a stream record naming the DynamoDB service as its principal) with a
compare-and-set on the version read, so an item rewritten meanwhile is left for the next
sweep to judge again.
https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/howitworks-ttl.html

`sweep_once` is one pass; the service runs it under a lease (service.py), one process at a
time.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from ownstack.core.clock import Clock
from ownstack.ports.errors import ConditionFailed
from ownstack.ports.meta import MetaStore, pages

from .expr.ast import Item
from .records import TableRecord, items_ns
from .table_store import every_table
from .writes import change_ops, decode_stored, read_item

FIVE_YEARS_S = 5 * 365 * 24 * 3600
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
    def __init__(self, meta: MetaStore, clock: Clock) -> None:
        self.meta = meta
        self.clock = clock

    async def sweep_once(self) -> int:
        """One pass over every table with TTL enabled; the number of items deleted."""
        deleted = 0
        for table in await self._ttl_tables():
            deleted += await self.sweep_table(table)
        return deleted

    async def _ttl_tables(self) -> list[TableRecord]:
        return [t async for t in every_table(self.meta) if t.ttl_attribute]

    async def sweep_table(self, table: TableRecord) -> int:
        attribute = table.ttl_attribute
        if attribute is None:
            return 0
        deleted = 0
        async for page in pages(self.meta, items_ns(table), size=_PAGE):
            now = self.clock.now()
            for record in page:
                item = decode_stored(record.value, record.version).item
                if expired(item, attribute, now) and await self._expire(
                    table, record.key, attribute
                ):
                    deleted += 1
        return deleted

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
