"""A TableRecord as the wire's TableDescription (DescribeTable, CreateTable, UpdateTable) and
the shorter one DeleteTable returns.

https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_TableDescription.html
"""

from __future__ import annotations

from typing import Any

from . import table_throughput, table_warm
from .records import CREATING, IndexRecord, TableRecord
from .table_constraints import PAY_PER_REQUEST
from .table_stats import TableStats


def describe(
    table: TableRecord,
    stats: TableStats,
    *,
    status: str | None = None,
    index_status: dict[str, str] | None = None,
    now: float = 0.0,
) -> dict[str, Any]:
    """The full TableDescription as of `now`. `status` overrides the stored TableStatus
    (CREATING in CreateTable's answer, UPDATING in UpdateTable's), `index_status` some
    IndexStatus."""
    description: dict[str, Any] = {
        "AttributeDefinitions": [
            {"AttributeName": name, "AttributeType": kind}
            for name, kind in table.attribute_types.items()
        ],
        "TableName": table.name,
        "KeySchema": table.schema.wire(),
        "TableStatus": status or table.status,
        "CreationDateTime": table.created,
        **_sizes(table, stats, now),
        "TableArn": table.arn,
        "TableId": table.id,
        "BillingModeSummary": _billing(table),
        "DeletionProtectionEnabled": table.deletion_protection,
        "WarmThroughput": table_warm.describe(table_warm.level(table)),
    }
    if table.table_class_named:
        # A table whose class was never named has no TableClassSummary on AWS (STANDARD).
        summary: dict[str, Any] = {"TableClass": table.table_class}
        if table.table_class_updated is not None:
            summary["LastUpdateDateTime"] = table.table_class_updated
        description["TableClassSummary"] = summary
    lsis = [i for i in table.indexes if i.kind == "LSI"]
    gsis = [i for i in table.indexes if i.kind == "GSI"]
    if lsis:
        description["LocalSecondaryIndexes"] = [_lsi(table, i, stats) for i in lsis]
    if gsis:
        overrides = index_status or {}
        description["GlobalSecondaryIndexes"] = [
            _gsi(table, i, stats, overrides.get(i.name), now) for i in gsis
        ]
    description.update(_stream(table))
    if table.sse is not None:
        description["SSEDescription"] = dict(table.sse)
    return description


def describe_deleting(table: TableRecord, stats: TableStats, now: float) -> dict[str, Any]:
    """DeleteTable's TableDescription: no KeySchema, AttributeDefinitions, CreationDateTime
    or indexes (as AWS answers)."""
    description: dict[str, Any] = {
        "TableName": table.name,
        "TableStatus": "DELETING",
        **_sizes(table, stats, now),
        "TableArn": table.arn,
        "TableId": table.id,
        "BillingModeSummary": _billing(table),
        "DeletionProtectionEnabled": table.deletion_protection,
    }
    description.update(_stream(table))
    if table.sse is not None:
        description["SSEDescription"] = dict(table.sse)
    return description


def _sizes(table: TableRecord, stats: TableStats, now: float) -> dict[str, Any]:
    return {
        "ProvisionedThroughput": table_throughput.wire(
            table.throughput, table.throughput_changes, now
        ),
        "TableSizeBytes": stats.table.size,
        "ItemCount": stats.table.items,
    }


def _billing(table: TableRecord) -> dict[str, Any]:
    summary: dict[str, Any] = {"BillingMode": table.billing_mode}
    if table.billing_mode == PAY_PER_REQUEST:
        # The record keeps no time of a later switch to PAY_PER_REQUEST: creation time.
        summary["LastUpdateToPayPerRequestDateTime"] = table.created
    return summary


def _stream(table: TableRecord) -> dict[str, Any]:
    """StreamSpecification while a stream is enabled; the latest stream's label and ARN as long
    as there was one (a disabled stream's records stay readable for 24 hours)."""
    if table.stream is None:
        return {}
    out: dict[str, Any] = {
        "LatestStreamLabel": table.stream.label,
        "LatestStreamArn": table.stream_arn,
    }
    if table.stream.enabled:
        out["StreamSpecification"] = {
            "StreamEnabled": True,
            "StreamViewType": table.stream.view_type,
        }
    return out


def projection(index: IndexRecord) -> dict[str, Any]:
    wire: dict[str, Any] = {"ProjectionType": index.projection}
    if index.non_key_attributes:
        wire["NonKeyAttributes"] = list(index.non_key_attributes)
    return wire


def _lsi(table: TableRecord, index: IndexRecord, stats: TableStats) -> dict[str, Any]:
    figures = stats.index(index.name)
    return {
        "IndexName": index.name,
        "KeySchema": index.schema.wire(),
        "Projection": projection(index),
        "IndexSizeBytes": figures.size,
        "ItemCount": figures.items,
        "IndexArn": f"{table.arn}/index/{index.name}",
    }


def _gsi(
    table: TableRecord, index: IndexRecord, stats: TableStats, status: str | None, now: float
) -> dict[str, Any]:
    wire = _lsi(table, index, stats)
    wire["IndexStatus"] = status or index.status
    if wire["IndexStatus"] == CREATING:
        wire["Backfilling"] = index.backfilling
    wire["ProvisionedThroughput"] = table_throughput.wire(
        index.throughput, index.throughput_changes, now
    )
    return wire
