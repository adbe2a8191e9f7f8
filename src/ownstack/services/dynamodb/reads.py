"""Query and Scan: one page of a range of the table's items or of an index's entries.

A page ends after Limit items are evaluated (before the filter, as AWS counts them) or 1 MB
of data is read, and then carries a LastEvaluatedKey (even when nothing follows, as AWS
does). A parallel Scan's segment owns the items whose partition key hashes to it; each
segment reads the whole key range and skips the others' items.
https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_Scan.html
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass, field
from typing import Any

from ownstack.core.context import RequestContext
from ownstack.core.service import Params, Result
from ownstack.ports.meta import Record

from . import keys, sizes, values
from .base import DynamoDbBase
from .errors import validation
from .expr import evaluate, keycond, legacy, parser, project
from .expr.ast import Condition, Item
from .item_capacity import read_capacity
from .item_request import (
    CONSUMED_CAPACITY,
    check_constraints,
    check_expression_members,
    enum,
    expression_projection,
    legacy_projection,
    substitutions,
)
from .read_filter import (
    check_key_paths,
    check_no_key_attributes,
    expression_filter,
    legacy_read_filter,
    top_level_names,
)
from .read_plan import (
    Selection,
    Target,
    check_query_start,
    query_range,
    resume,
    selection,
    start_item,
    start_values,
    target,
)
from .records import items_ns
from .writes import decode_stored, primary_key

MAX_PAGE_BYTES = 1024 * 1024
_FIRST_BATCH = 100
_BATCH = 1000


@dataclass
class _Read:
    """What one page read: the selected items and the counts AWS reports."""

    items: list[Item] = field(default_factory=list)
    count: int = 0
    scanned: int = 0
    size: int = 0
    last: Item | None = None


@dataclass(frozen=True, slots=True)
class _Plan:
    target: Target
    low: str
    high: str | None
    reverse: bool
    limit: int | None
    condition: Condition | None
    selection: Selection
    segment: tuple[int, int] | None = None
    """(Segment, TotalSegments) of a parallel scan."""


class ReadOps(DynamoDbBase):
    async def query(self, ctx: RequestContext, params: Params) -> Result:
        # The order of the checks is DynamoDB's (recorded by dynalite's suite against it):
        # the legacy members, the start key's values, then the expressions; the table after.
        check_constraints("Query", params)
        legacy.check_not_mixed(params, "Query")
        check_expression_members(params, "Query")
        mode = enum(params, "ReturnConsumedCapacity", CONSUMED_CAPACITY, "NONE")
        legacy_filter = legacy_read_filter(params, legacy_member="QueryFilter")
        legacy_wanted = legacy_projection(params)
        given_start = start_values(params)
        if params.get("KeyConditionExpression") is None and params.get("KeyConditions") is None:
            raise validation(
                "Either the KeyConditions or KeyConditionExpression parameter must be specified"
                " in the request."
            )
        subs = substitutions(params, "Query")
        # Every expression is parsed before the key condition's operators are judged (an
        # empty FilterExpression is named before an operator no key condition takes).
        key_expression = _key_expression(params, subs)
        condition = expression_filter(params, subs) or legacy_filter
        wanted = expression_projection(params, subs) or legacy_wanted
        parts = None if key_expression is None else keycond.key_parts(key_expression)
        subs.check_unused()
        if parts is None:
            parts = legacy.key_conditions(params["KeyConditions"])
        table = await self.table(ctx, params["TableName"], for_items=True)
        where = target(table, params)
        start = start_item(where, given_start, query=True)
        schema = where.schema
        keyed = keycond.key_condition(parts, schema.partition, schema.sort, where.key_types())
        check_key_paths(table, wanted)
        legacy_member = None if params.get("FilterExpression") is not None else "QueryFilter"
        check_no_key_attributes(condition, schema.names, legacy_member=legacy_member)
        chosen = selection(where, params, wanted, query=True, filtered=_names(condition))
        check_key_paths(table, condition)
        check_query_start(where, keyed, start)
        reverse = params.get("ScanIndexForward") is False
        start_at = None if start is None else where.record_key(start)
        low, high = resume(query_range(where, keyed), start_at, reverse=reverse)
        plan = _Plan(where, low, high, reverse, params.get("Limit"), condition, chosen)
        return _result(plan, await self._read_page(plan), params, mode)

    async def scan(self, ctx: RequestContext, params: Params) -> Result:
        # In DynamoDB's order, as Query's (AttributesToGet before ScanFilter, here).
        check_constraints("Scan", params)
        legacy.check_not_mixed(params, "Scan")
        check_expression_members(params, "Scan")
        mode = enum(params, "ReturnConsumedCapacity", CONSUMED_CAPACITY, "NONE")
        legacy_wanted = legacy_projection(params)
        legacy_filter = legacy_read_filter(params, legacy_member="ScanFilter")
        given_start = start_values(params)
        segment = _segment(params)
        subs = substitutions(params, "Scan")
        condition = expression_filter(params, subs) or legacy_filter
        wanted = expression_projection(params, subs) or legacy_wanted
        subs.check_unused()
        table = await self.table(ctx, params["TableName"], for_items=True)
        where = target(table, params)
        start = start_item(where, given_start, query=False)
        chosen = selection(where, params, wanted, query=False, filtered=_names(condition))
        check_key_paths(table, wanted)
        check_key_paths(table, condition)
        if start is not None and segment is not None:
            _check_start_in_segment(where, start, segment)
        start_at = None if start is None else where.record_key(start)
        low, high = resume(("", None), start_at, reverse=False)
        plan = _Plan(where, low, high, False, params.get("Limit"), condition, chosen, segment)
        return _result(plan, await self._read_page(plan), params, mode)

    async def _read_page(self, plan: _Plan) -> _Read:
        read = _Read()
        # Small first batches: a page may end after a few large items (1 MB).
        batch = _FIRST_BATCH
        if plan.limit and plan.segment is None:
            batch = min(plan.limit, _FIRST_BATCH)
        low, high = plan.low, plan.high
        while high is None or low < high:
            records = await self.meta.scan(
                plan.target.ns, start=low, end=high, limit=batch, reverse=plan.reverse
            )
            for record in records:
                if await self._read_record(plan, record, read):
                    return read
            if len(records) < batch:
                return read
            if plan.reverse:
                high = records[-1].key
            else:
                low = records[-1].key + "\0"
            batch = min(batch * 4, _BATCH)
            if plan.limit and plan.segment is None:
                batch = min(batch, plan.limit - read.scanned)
        return read

    async def _read_record(self, plan: _Plan, record: Record, read: _Read) -> bool:
        """Count one record into `read`; True when the page is full."""
        where = plan.target
        if where.index is None:
            item = decode_stored(record.value, record.version).item
        else:
            item = values.decode_item(record.value)
        if plan.segment is not None and not _in_segment(where, item, plan.segment):
            return False
        read.scanned += 1
        read.size += sizes.item_size(item)
        full = item
        if plan.selection.fetch_table_item:
            full = await self._read_table_item(where, item)
        if plan.condition is None or evaluate.evaluate(plan.condition, full):
            read.count += 1
            if plan.selection.select != "COUNT":
                read.items.append(_presented(plan.selection, item, full))
        if read.scanned == plan.limit or read.size >= MAX_PAGE_BYTES:
            read.last = where.last_key(item)
            return True
        return False

    async def _read_table_item(self, where: Target, entry: Item) -> Item:
        """The table's item behind an LSI entry (the entry itself if it has just gone)."""
        record = await self.meta.get(items_ns(where.table), primary_key(where.table, entry))
        return entry if record is None else decode_stored(record.value, record.version).item


def _presented(chosen: Selection, entry: Item, full: Item) -> Item:
    """What a read returns of one item: the projection's paths, the whole item, or (Select
    ALL_PROJECTED_ATTRIBUTES) the index entry."""
    if chosen.projection is not None:
        return project.project(full, chosen.projection)
    return full if chosen.select == "ALL_ATTRIBUTES" else entry


def _names(condition: Condition | None) -> frozenset[str]:
    return frozenset() if condition is None else frozenset(top_level_names(condition))


def _key_expression(params: Params, subs: parser.Substitutions) -> Condition | None:
    """KeyConditionExpression parsed (None for legacy KeyConditions, judged after the other
    expressions)."""
    text = params.get("KeyConditionExpression")
    if text is None:
        return None
    return parser.parse_condition(text, subs, parameter="KeyConditionExpression")


def _segment(params: Params) -> tuple[int, int] | None:
    """(Segment, TotalSegments) of a parallel scan, checked as AWS checks them."""
    segment, total = params.get("Segment"), params.get("TotalSegments")
    if segment is None and total is None:
        return None
    if total is None:
        raise validation(
            "The TotalSegments parameter is required but was not present in the request when "
            "Segment parameter is present"
        )
    if segment is None:
        raise validation(
            "The Segment parameter is required but was not present in the request when "
            "parameter TotalSegments is present"
        )
    if segment >= total:
        raise validation(
            "The Segment parameter is zero-based and must be less than parameter "
            f"TotalSegments: Segment: {segment} is not less than TotalSegments: {total}"
        )
    return int(segment), int(total)


def _in_segment(where: Target, item: Item, segment: tuple[int, int]) -> bool:
    """Segments split items by a hash of their partition key value, so every item of a
    partition falls in the same segment and every item in exactly one."""
    encoded = keys.encode_scalar(item[where.schema.partition])
    digest = zlib.crc32(encoded.encode("utf-8", "surrogatepass"))
    return digest % segment[1] == segment[0]


def _check_start_in_segment(where: Target, start: Item, segment: tuple[int, int]) -> None:
    """A parallel scan resumes only from a key of its own segment (a LastEvaluatedKey of
    another segment, or any key of the table, is refused in AWS's words)."""
    if not _in_segment(where, start, segment):
        raise validation(
            "The provided starting key is invalid: Invalid ExclusiveStartKey. Please use "
            f"ExclusiveStartKey with correct Segment. TotalSegments: {segment[1]} "
            f"Segment: {segment[0]}"
        )


def _result(plan: _Plan, read: _Read, params: Params, mode: str) -> Result:
    result: dict[str, Any] = {"Count": read.count, "ScannedCount": read.scanned}
    if plan.selection.select != "COUNT":
        result["Items"] = read.items
    if read.last is not None:
        result["LastEvaluatedKey"] = read.last
    consumed = read_capacity(
        plan.target.table,
        mode,
        read.size,
        consistent=bool(params.get("ConsistentRead")),
        index=plan.target.index,
    )
    if consumed is not None:
        result["ConsumedCapacity"] = consumed
    return result
