"""ConsumedCapacity of the multi-item operations, tallied per table and index and rendered as
AWS renders it for ReturnConsumedCapacity TOTAL or INDEXES.

Each item of a batch counts as its own GetItem / PutItem / DeleteItem (sizes rounded per
item); transactional reads and writes cost twice as much. Transactional responses also carry
ReadCapacityUnits / WriteCapacityUnits beside CapacityUnits, single-item and batch ones do
not.
https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/read-write-operations.html
https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/transaction-apis.html#transaction-capacity-handling
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .expr.ast import Item
from .records import IndexRecord, TableRecord
from .sizes import item_size, read_units, write_units
from .writes import index_entry, live_indexes, projected


@dataclass
class _Usage:
    table: float = 0.0
    global_indexes: dict[str, float] = field(default_factory=dict)
    local_indexes: dict[str, float] = field(default_factory=dict)

    @property
    def total(self) -> float:
        return self.table + sum(self.global_indexes.values()) + sum(self.local_indexes.values())


class Capacity:
    """Units consumed, per table name, in the order tables were first touched."""

    def __init__(self, split: str | None = None) -> None:
        self.split = split
        """"ReadCapacityUnits" / "WriteCapacityUnits" for transactional responses."""
        self._tables: dict[str, _Usage] = {}

    def read(self, table: TableRecord, size: int, *, consistent: bool, factor: int = 1) -> None:
        # A missing item still costs one block.
        units = read_units(max(size, 1), consistent=consistent) * factor
        self._usage(table).table += units

    def write(
        self, table: TableRecord, key: str, old: Item | None, new: Item | None, *, factor: int = 1
    ) -> None:
        """One item written (new None: deleted), costed on the larger of its old and new
        sizes, plus the index entries that change."""
        usage = self._usage(table)
        sizes = [item_size(i) for i in (old, new) if i is not None]
        usage.table += write_units(max(sizes, default=1)) * factor
        for index in live_indexes(table):
            units = index_write_units(table, index, key, old, new) * factor
            if units:
                bucket = usage.global_indexes if index.kind == "GSI" else usage.local_indexes
                bucket[index.name] = bucket.get(index.name, 0.0) + units

    def add(self, name: str, units: float) -> None:
        """Units already computed, charged to table `name`."""
        self._tables.setdefault(name, _Usage()).table += units

    def check(self, table: TableRecord, item: Item | None, *, factor: int = 2) -> None:
        """A ConditionCheck: billed as a (transactional) write of the item's size."""
        size = 1 if item is None else item_size(item)
        self._usage(table).table += write_units(size) * factor

    def render(self, mode: str) -> list[dict[str, Any]] | None:
        """ConsumedCapacity for ReturnConsumedCapacity `mode` (None: not asked for)."""
        if mode not in ("TOTAL", "INDEXES"):
            return None
        return [self._entry(name, usage, mode) for name, usage in self._tables.items()]

    def _entry(self, name: str, usage: _Usage, mode: str) -> dict[str, Any]:
        entry: dict[str, Any] = {"TableName": name, **self._units(usage.total)}
        if mode == "INDEXES":
            entry["Table"] = self._units(usage.table)
            for member, indexes in (
                ("GlobalSecondaryIndexes", usage.global_indexes),
                ("LocalSecondaryIndexes", usage.local_indexes),
            ):
                if indexes:
                    entry[member] = {k: self._units(v) for k, v in indexes.items()}
        return entry

    def _units(self, units: float) -> dict[str, float]:
        shown = {"CapacityUnits": float(units)}
        if self.split is not None:
            shown[self.split] = float(units)
        return shown

    def _usage(self, table: TableRecord) -> _Usage:
        return self._tables.setdefault(table.name, _Usage())


def index_write_units(
    table: TableRecord, index: IndexRecord, key: str, old: Item | None, new: Item | None
) -> float:
    """As a single-item write counts them: an entry removed or moved to another index key
    costs a delete, an entry written or changed a put, each of its projected size."""
    before = None if old is None else index_entry(table, index, key, old)
    after = None if new is None else index_entry(table, index, key, new)
    units = 0.0
    if old is not None and before is not None and (after is None or after[0] != before[0]):
        units += write_units(item_size(projected(table, index, old)))
    if new is not None and after is not None and after != before:
        units += write_units(item_size(projected(table, index, new)))
    return units
