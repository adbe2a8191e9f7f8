"""Tables: CreateTable, DescribeTable, UpdateTable, DeleteTable, ListTables.

A table's record is written with a compare-and-set, so concurrent control-plane calls never
lose each other's changes. Records hold ACTIVE; CreateTable answers CREATING and UpdateTable
UPDATING (as AWS does at first) while the table is in fact usable at once, so the
`table_exists` waiter sees it ACTIVE. Work that takes time (a new GSI's backfill, removing a
deleted table's or index's data) runs in the background (table_jobs.py).
"""

from __future__ import annotations

import uuid
from functools import partial
from typing import Any

from ownstack.core.context import RequestContext
from ownstack.core.service import Params, Result
from ownstack.ports.errors import ConditionFailed
from ownstack.ports.meta import Delete

from .base import DynamoDbBase
from .errors import resource_in_use, table_not_found, validation
from .records import ACTIVE, CREATING, TABLES, UPDATING, TableRecord, table_key
from .stream_catalog import retire_ops
from .table_backfill import backfill
from .table_cleanup import drop_index_data, drop_marker, drop_table_data
from .table_constraints import Violations, check_table_op_name
from .table_describe import describe, describe_deleting
from .table_jobs import TableJobs
from .table_stats import TableStats, table_stats
from .table_throughput import as_answered
from .table_updates import Update, check_update, plan_update
from .table_validate import check_create

MAX_LIST = 100
_PROTECTED = (
    "Resource cannot be deleted as it is currently protected against deletion. Disable"
    " deletion protection first."
)


class TableOps(DynamoDbBase):
    @property
    def table_jobs(self) -> TableJobs:
        """This service's background table jobs (made on first use)."""
        jobs: TableJobs | None = self.__dict__.get("_table_jobs")
        if jobs is None:
            jobs = self.__dict__["_table_jobs"] = TableJobs(self.meta, self.logs)
        return jobs

    async def create_table(self, ctx: RequestContext, params: Params) -> Result:
        now = self.clock.now()
        spec = check_create(params, region=ctx.region, account_id=ctx.account_id, now=now)
        table = TableRecord(
            id=str(uuid.uuid4()),
            account_id=ctx.account_id,
            region=ctx.region,
            name=params["TableName"],
            schema=spec.schema,
            attribute_types=spec.attribute_types,
            created=now,
            billing_mode=spec.billing_mode,
            throughput=spec.throughput,
            indexes=spec.indexes,
            stream=spec.stream,
            sse=spec.sse,
            table_class=spec.table_class,
            table_class_named=spec.table_class_named,
            deletion_protection=spec.deletion_protection,
            warm_throughput=spec.warm_throughput,
            tags=spec.tags,
        )
        try:
            await self.meta.commit([self.table_put(table, None)])
        except ConditionFailed:
            raise resource_in_use(f"Table already exists: {table.name}") from None
        # A new table's indexes are empty, so usable at once; AWS answers CREATING first.
        creating = {i.name: CREATING for i in table.indexes if i.kind == "GSI"}
        description = describe(table, TableStats(), status=CREATING, index_status=creating)
        if "WarmThroughput" not in params:
            # AWS's CreateTable answer names the warm throughput only when the request did;
            # DescribeTable shows it always.
            del description["WarmThroughput"]
        return {"TableDescription": description}

    async def describe_table(self, ctx: RequestContext, params: Params) -> Result:
        name = params["TableName"]
        # Unlike the other table operations, DescribeTable lists a bad name's violations as
        # the validator words them, length first ("2 validation errors detected: Value '' at
        # 'tableName' ... length greater than or equal to 3; ... regular expression pattern"),
        # as AWS answered it in 2026.
        v = Violations()
        if not name.startswith("arn:"):
            v.name(name, "tableName", length_first=True)
        v.raise_any()
        table = await self.table(ctx, name)
        stats = await self._stats(table)
        return {"Table": describe(table, stats, now=self.clock.now())}

    async def update_table(self, ctx: RequestContext, params: Params) -> Result:
        received = self.clock.now()
        name = params["TableName"]
        actions = check_update(params)  # the name too
        while True:
            found = await self.find_table(ctx, name)
            if found is None:
                raise table_not_found(name)
            table, version = found
            now = self.clock.now()
            update = plan_update(table, params, actions, now=now)
            # A stream this update disables stays readable 24 hours (stream_catalog.py).
            retired = retire_ops(table, update.table, now)
            try:
                await self.meta.commit([self.table_put(update.table, version), *retired])
                break
            except ConditionFailed:
                continue  # changed meanwhile: check the request against the new state
        self._start_index_jobs(update)
        stats = await self._stats(update.table)
        return {"TableDescription": _answer(table, update.table, params, stats, received)}

    def _start_index_jobs(self, update: Update) -> None:
        table = update.table
        if update.created_index is not None:
            self.table_jobs.spawn(
                f"backfill:{table.id}:{update.created_index}",
                partial(backfill, self.meta, table, update.created_index),
            )
        if update.deleted_index is not None:
            self.table_jobs.spawn(
                f"dropindex:{table.id}:{update.deleted_index}",
                partial(drop_index_data, self.meta, table, update.deleted_index),
            )

    async def delete_table(self, ctx: RequestContext, params: Params) -> Result:
        name = params["TableName"]
        _check_name(name)
        while True:
            found = await self.find_table(ctx, name)
            if found is None:
                raise table_not_found(name)
            table, version = found
            if table.deletion_protection:
                raise validation(_PROTECTED)
            stats = await self._stats(table)
            key = table_key(table.region, table.account_id, table.name)
            # Its enabled stream goes DISABLED, readable 24 hours more (stream_catalog.py).
            retired = retire_ops(table, None, self.clock.now())
            try:
                await self.meta.commit([Delete(TABLES, key, version), drop_marker(table), *retired])
                break
            except ConditionFailed:
                continue
        self.table_jobs.spawn(
            f"drop:{table.id}", partial(drop_table_data, self.meta, self.logs, table)
        )
        return {"TableDescription": describe_deleting(table, stats, self.clock.now())}

    async def list_tables(self, ctx: RequestContext, params: Params) -> Result:
        limit = params.get("Limit")
        after = params.get("ExclusiveStartTableName")
        v = Violations()
        v.at_least(limit, "limit", 1)
        v.at_most(limit, "limit", MAX_LIST)
        v.name(after, "exclusiveStartTableName")
        v.raise_any()
        count = limit or MAX_LIST
        prefix = table_key(ctx.region, ctx.account_id, "")
        start = prefix if after is None else prefix + after + "\0"
        end = prefix[:-1] + "0"  # "/" + 1: just past every key of this account and region
        page = await self.meta.scan(TABLES, start=start, end=end, limit=count + 1)
        names = [r.key[len(prefix) :] for r in page[:count]]
        result: dict[str, Any] = {"TableNames": names}
        if len(page) > count:
            result["LastEvaluatedTableName"] = names[-1]
        return result

    async def _stats(self, table: TableRecord) -> TableStats:
        return await table_stats(self.meta, self.clock, table, self.table_jobs.spawn)


def _check_name(name: str) -> None:
    """A TableName that is not an ARN must be a valid table name (AWS checks it before
    looking the table up)."""
    check_table_op_name(name)
    v = Violations()
    v.table_name(name)
    v.raise_any()


_INDEX_UPDATES_ONLY = frozenset(
    {"TableName", "AttributeDefinitions", "GlobalSecondaryIndexUpdates"}
)


def _answer(
    before: TableRecord, after: TableRecord, params: Params, stats: TableStats, received: float
) -> dict[str, Any]:
    """UpdateTable's TableDescription: UPDATING, throughput being changed as it was (see
    table_throughput); a change of GSIs' throughput alone leaves the table ACTIVE and shows
    those indexes UPDATING (AWS, probed in 2026)."""
    shown, updated = as_answered(before, after, received)
    asked = {member for member, value in params.items() if value is not None}
    creates_or_deletes = any(
        "Update" not in action for action in params.get("GlobalSecondaryIndexUpdates") or []
    )
    alone = bool(updated) and asked <= _INDEX_UPDATES_ONLY and not creates_or_deletes
    status = ACTIVE if alone else UPDATING
    index_status = dict.fromkeys(updated, UPDATING)
    return describe(shown, stats, status=status, index_status=index_status, now=received)
