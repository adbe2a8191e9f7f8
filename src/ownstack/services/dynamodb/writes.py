"""How an item change becomes meta-port ops: the item's record, its index entries and its
stream record, in one commit (so indexes and the stream never disagree with the table).

An item's record (in items_ns) is a header byte, then values.encode_item of the item:
`\\x00` + item, or `\\x01` + 2-byte length + the outbox key of the item's last stream record +
item. An index entry (in index_ns) is keyed by the index key followed by the item's table key
(unique, and ordered by index key, then table key) and holds the projected item, plainly
values.encode_item'd. batch.py and transact.py (helper "transactions") build their commits
from these; the tables helper backfills new GSIs with `index_entry`.
"""

from __future__ import annotations

from dataclasses import dataclass

from ownstack.ports.meta import ABSENT, Check, Delete, MetaStore, Op, Put

from . import keys, values
from .errors import validation
from .expr.ast import AttributeValue, Item
from .outbox import outbox_put
from .records import DELETING, IndexRecord, TableRecord, index_ns, items_ns

_PLAIN = b"\x00"
_WITH_STREAM_KEY = b"\x01"


@dataclass(frozen=True, slots=True)
class Stored:
    """An item as read from the meta port."""

    item: Item
    version: int
    """The record's version: the write that replaces it expects exactly this."""
    stream_key: str | None = None
    """The outbox key of the item's last stream record (the next one must sort after it)."""


def primary_key(table: TableRecord, item: Item) -> str:
    """The meta key of `item` (or of a Key parameter) in items_ns(table); the key attributes
    must have been checked (keys.check_key)."""
    schema = table.schema
    sort = None if schema.sort is None else item[schema.sort]
    return keys.item_key(item[schema.partition], sort)


def encode_stored(item: Item, stream_key: str | None = None) -> bytes:
    """An item's record value."""
    if stream_key is None:
        return _PLAIN + values.encode_item(item)
    mark = stream_key.encode()
    return _WITH_STREAM_KEY + len(mark).to_bytes(2, "big") + mark + values.encode_item(item)


def decode_stored(data: bytes, version: int) -> Stored:
    if data[:1] == _PLAIN:
        return Stored(values.decode_item(data[1:]), version)
    size = int.from_bytes(data[1:3], "big")
    mark = data[3 : 3 + size].decode()
    return Stored(values.decode_item(data[3 + size :]), version, mark)


async def read_item(meta: MetaStore, table: TableRecord, key: str) -> Stored | None:
    record = await meta.get(items_ns(table), key)
    return None if record is None else decode_stored(record.value, record.version)


def live_indexes(table: TableRecord) -> tuple[IndexRecord, ...]:
    """The indexes writes maintain (including one still being backfilled)."""
    return tuple(i for i in table.indexes if i.status != DELETING)


def index_entry(
    table: TableRecord, index: IndexRecord, key: str, item: Item
) -> tuple[str, bytes] | None:
    """The (meta key, value) of `item`'s entry in `index`, or None when the item lacks one of
    the index's key attributes or has one of another type, empty or over the key size limit
    (sparse indexes; a write refuses the last three, but a GSI added later finds them in
    items written before, and AWS leaves those out of the index)."""
    partition = _index_key_value(table, index.schema.partition, item)
    if partition is None or _index_key_too_long(table, index, index.schema.partition, partition):
        return None
    sort: AttributeValue | None = None
    if index.schema.sort is not None:
        sort = _index_key_value(table, index.schema.sort, item)
        if sort is None or _index_key_too_long(table, index, index.schema.sort, sort):
            return None
    return keys.item_key(partition, sort) + key, values.encode_item(projected(table, index, item))


def _index_key_value(table: TableRecord, name: str, item: Item) -> AttributeValue | None:
    value = item.get(name)
    if value is None:
        return None
    wanted = table.attribute_types.get(name)
    content = value.get(wanted) if wanted is not None else None
    if content is None or content in ("", b""):
        return None
    return value


def _index_key_limit(index: IndexRecord, name: str) -> int:
    """The size limit of an index key attribute: a partition key's or a sort key's."""
    if name == index.schema.partition:
        return keys.MAX_PARTITION_KEY_BYTES
    return keys.MAX_SORT_KEY_BYTES


def _index_key_too_long(
    table: TableRecord, index: IndexRecord, name: str, value: AttributeValue
) -> bool:
    type_ = table.attribute_types[name]
    return type_ != "N" and keys.key_bytes(value, type_) > _index_key_limit(index, name)


def projected_names(table: TableRecord, index: IndexRecord) -> frozenset[str] | None:
    """The attributes `index` keeps (None: all of them)."""
    if index.projection == "ALL":
        return None
    names = set(table.schema.names) | set(index.schema.names)
    if index.projection == "INCLUDE":
        names.update(index.non_key_attributes)
    return frozenset(names)


def projected(table: TableRecord, index: IndexRecord, item: Item) -> Item:
    names = projected_names(table, index)
    if names is None:
        return item
    return {name: value for name, value in item.items() if name in names}


def check_index_keys(table: TableRecord, item: Item) -> None:
    """What AWS refuses in an item written to a table with indexes: an index key attribute of
    the wrong type or empty (a missing one only keeps the item out of that index)."""
    for index in live_indexes(table):
        for name in index.schema.names:
            value = item.get(name)
            if value is None:
                continue
            wanted = table.attribute_types[name]
            actual = next(iter(value))
            if actual != wanted:
                raise validation(
                    "One or more parameter values were invalid: Type mismatch for Index Key "
                    f"{name} Expected: {wanted} Actual: {actual} IndexName: {index.name}"
                )
            if value[actual] in ("", b""):
                raise validation(
                    "One or more parameter values are not valid. A value specified for a "
                    "secondary index key is not supported. The AttributeValue for a key "
                    "attribute cannot contain an empty "
                    f"{'string' if actual == 'S' else 'binary'} value. IndexName: "
                    f"{index.name}, IndexKey: {name}"
                )
            limit = _index_key_limit(index, name)
            if actual != "N" and (size := keys.key_bytes(value, actual)) > limit:
                raise validation(
                    "One or more parameter values were invalid: Size limit exceeded for Index"
                    f" Key {name} Actual Size: {size} bytes Max Size: {limit} bytes IndexName:"
                    f" {index.name}"
                )


def items_equal(a: Item, b: Item) -> bool:
    """Same attributes with DynamoDB-equal values (sets compare unordered)."""
    if a.keys() != b.keys():
        return False
    return all(a[name] == b[name] or values.equal(a[name], b[name]) for name in a)


def change_ops(
    table: TableRecord,
    key: str,
    old: Stored | None,
    new: Item | None,
    *,
    now: float,
    by_ttl: bool = False,
) -> list[Op]:
    """The ops that turn `old` into `new` (None: delete): the item's Put/Delete expecting
    old's version (ABSENT when old is None), the index entries added, changed or removed, and
    the stream record (outbox.py) when the table's stream is enabled. When nothing changes
    (a Put of an identical item, a Delete of a missing one) the only op is a Check that the
    item is still as it was read: DynamoDB writes no stream record for a non-change."""
    ns = items_ns(table)
    expect = ABSENT if old is None else old.version
    old_item = None if old is None else old.item
    if _unchanged(old_item, new):
        return [Check(ns, key, expect)]
    ops: list[Op] = []
    stream_key = None if old is None else old.stream_key
    stream = table.stream
    if stream is not None and stream.enabled:
        key_item = {name: (new or old_item or {})[name] for name in table.schema.names}
        outbox, stream_key = outbox_put(
            table, key_item, old_item, new, after=stream_key, now=now, by_ttl=by_ttl
        )
        ops.append(outbox)
    if new is None:
        ops.insert(0, Delete(ns, key, expect))
    else:
        ops.insert(0, Put(ns, key, encode_stored(new, stream_key), expect))
    for index in live_indexes(table):
        ops.extend(index_ops(table, index, key, old_item, new))
    return ops


def _unchanged(old: Item | None, new: Item | None) -> bool:
    if old is None or new is None:
        return old is None and new is None
    return items_equal(old, new)


def index_ops(
    table: TableRecord, index: IndexRecord, key: str, old: Item | None, new: Item | None
) -> list[Op]:
    """The entry changes of one index: the old entry removed when its key changes or it goes,
    the new one written when it differs from the old."""
    before = None if old is None else index_entry(table, index, key, old)
    after = None if new is None else index_entry(table, index, key, new)
    ns = index_ns(table, index.name)
    ops: list[Op] = []
    if before is not None and (after is None or after[0] != before[0]):
        ops.append(Delete(ns, before[0]))
    if after is not None and after != before:
        ops.append(Put(ns, after[0], after[1]))
    return ops
