"""A table's definition as kept on the meta port, and where its data lives.

One record per table in TABLES, keyed `region/account/name`, holding JSON. A table's items,
index entries and stream outbox live in namespaces named after the table's `id` (a uuid given
at creation), so a table deleted and re-created with the same name never sees the old data.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field, replace
from typing import Any

TABLES = "ddb:tables"

ACTIVE, CREATING, UPDATING, DELETING = "ACTIVE", "CREATING", "UPDATING", "DELETING"


@dataclass(frozen=True, slots=True)
class KeySchema:
    partition: str
    sort: str | None = None

    @property
    def names(self) -> tuple[str, ...]:
        return (self.partition,) if self.sort is None else (self.partition, self.sort)

    def wire(self) -> list[dict[str, str]]:
        """As KeySchema on the wire."""
        elements = [{"AttributeName": self.partition, "KeyType": "HASH"}]
        if self.sort is not None:
            elements.append({"AttributeName": self.sort, "KeyType": "RANGE"})
        return elements


@dataclass(frozen=True, slots=True)
class ThroughputChanges:
    """When provisioned throughput last went up and down, and how many decreases the UTC day
    `decrease_day` (YYYY-MM-DD) saw: what DescribeTable reports beside the units."""

    last_increase: float | None = None
    last_decrease: float | None = None
    decrease_day: str = ""
    decreases: int = 0


@dataclass(frozen=True, slots=True)
class IndexRecord:
    name: str
    kind: str
    """"GSI" or "LSI"."""
    schema: KeySchema
    projection: str
    """"KEYS_ONLY", "INCLUDE" or "ALL"."""
    non_key_attributes: tuple[str, ...] = ()
    status: str = ACTIVE
    backfilling: bool = False
    throughput: dict[str, int] | None = None
    """ReadCapacityUnits / WriteCapacityUnits (GSIs of provisioned tables)."""
    created: float = 0.0
    throughput_changes: ThroughputChanges = ThroughputChanges()


@dataclass(frozen=True, slots=True)
class StreamSpec:
    view_type: str
    """KEYS_ONLY, NEW_IMAGE, OLD_IMAGE, NEW_AND_OLD_IMAGES."""
    label: str
    """StreamLabel: the ISO 8601 time the stream was enabled, as AWS makes it."""
    enabled: bool = True


@dataclass(frozen=True, slots=True)
class TableRecord:
    id: str
    account_id: str
    region: str
    name: str
    schema: KeySchema
    attribute_types: dict[str, str]
    """AttributeDefinitions: name -> S/N/B (only key attributes of the table and indexes)."""
    created: float
    status: str = ACTIVE
    billing_mode: str = "PROVISIONED"
    throughput: dict[str, int] = field(default_factory=dict)
    throughput_changes: ThroughputChanges = ThroughputChanges()
    indexes: tuple[IndexRecord, ...] = ()
    stream: StreamSpec | None = None
    """The current stream (enabled), or the last one (disabled: its records stay readable)."""
    sse: dict[str, Any] | None = None
    table_class: str = "STANDARD"
    table_class_named: bool = False
    """TableClass was given (CreateTable or UpdateTable): only then is it described."""
    table_class_updated: float | None = None
    """When UpdateTable last changed the table class."""
    deletion_protection: bool = False
    warm_throughput: dict[str, int] = field(default_factory=dict)
    """The highest warm throughput asked for or had (table_warm.py); empty: never more than
    the billing mode's start."""
    ttl_attribute: str | None = None
    """The TTL attribute while TTL is enabled."""
    tags: dict[str, str] = field(default_factory=dict)
    item_count: int = 0
    size_bytes: int = 0
    """ItemCount / TableSizeBytes as last computed (AWS refreshes them about every six hours)."""

    @property
    def arn(self) -> str:
        return f"arn:aws:dynamodb:{self.region}:{self.account_id}:table/{self.name}"

    @property
    def stream_arn(self) -> str | None:
        if self.stream is None:
            return None
        return f"{self.arn}/stream/{self.stream.label}"

    def index(self, name: str) -> IndexRecord | None:
        return next((i for i in self.indexes if i.name == name), None)

    def key_types(self, schema: KeySchema) -> tuple[tuple[str, str], tuple[str, str] | None]:
        """(name, type) of `schema`'s partition and sort keys, for keys.check_key."""
        sort = None if schema.sort is None else (schema.sort, self.attribute_types[schema.sort])
        return (schema.partition, self.attribute_types[schema.partition]), sort


def table_key(region: str, account_id: str, name: str) -> str:
    return f"{region}/{account_id}/{name}"


def items_ns(table: TableRecord) -> str:
    return f"ddb:i:{table.id}"


def index_ns(table: TableRecord, index: str) -> str:
    return f"ddb:x:{table.id}:{index}"


def outbox_ns(table: TableRecord) -> str:
    """Stream records waiting to be moved to the log port (written with the change)."""
    return f"ddb:o:{table.id}"


def encode_table(table: TableRecord) -> bytes:
    return json.dumps(asdict(table), separators=(",", ":")).encode()


def decode_table(data: bytes) -> TableRecord:
    raw = json.loads(data)
    raw["schema"] = KeySchema(**raw["schema"])
    raw["indexes"] = tuple(_index(i) for i in raw["indexes"])
    raw["stream"] = None if raw["stream"] is None else StreamSpec(**raw["stream"])
    _throughput_changes(raw)
    return TableRecord(**raw)


def _throughput_changes(raw: dict[str, Any]) -> None:
    """Rebuilt in place (records written before it was kept have none: the default)."""
    if "throughput_changes" in raw:
        raw["throughput_changes"] = ThroughputChanges(**raw["throughput_changes"])


def _index(raw: dict[str, Any]) -> IndexRecord:
    raw = dict(raw, schema=KeySchema(**raw["schema"]))
    raw["non_key_attributes"] = tuple(raw["non_key_attributes"])
    _throughput_changes(raw)
    return IndexRecord(**raw)


def with_changes(table: TableRecord, **changes: Any) -> TableRecord:
    return replace(table, **changes)
