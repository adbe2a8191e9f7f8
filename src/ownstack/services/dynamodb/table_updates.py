"""UpdateTable's changes checked as DynamoDB checks them, in AWS's words, and applied to a
TableRecord: throughput and billing mode, one GSI created or deleted (or GSIs' throughput),
the stream, SSE, table class and deletion protection.

https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_UpdateTable.html
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

from ownstack.core.errors import not_implemented

from . import table_warm
from .errors import INVALID, DynamoError, limit_exceeded, resource_not_found, validation
from .records import CREATING, DELETING, IndexRecord, KeySchema, StreamSpec, TableRecord
from .table_constraints import (
    PAY_PER_REQUEST,
    Violations,
    check_attribute_definitions,
    check_sse,
    check_stream_view_type,
    check_table_op_name,
    check_throughput,
)
from .table_throughput import UNITS, after_change
from .table_validate import (
    MAX_GSIS,
    PROVISIONED,
    check_index_constraints,
    check_projected_total,
    check_table_class,
    check_units,
    parse_gsi,
    refuse_unsupported,
    sse_description,
    stream_label,
)

_CHANGES = (
    "ProvisionedThroughput",
    "BillingMode",
    "StreamSpecification",
    "GlobalSecondaryIndexUpdates",
    "SSESpecification",
    "ReplicaUpdates",
    "MultiRegionConsistency",
    "GlobalTableWitnessUpdates",
    "DeletionProtectionEnabled",
    "OnDemandThroughput",
    "WarmThroughput",
    "TableClass",
)
_NOTHING = (
    "At least one of ProvisionedThroughput, BillingMode, UpdateStreamEnabled,"
    " GlobalSecondaryIndexUpdates, SSESpecification, ReplicaUpdates, MultiAccountReplicaReady,"
    " ReplicaTransitRoleArn, MultiRegionConsistency, DeletionProtectionEnabled,"
    " OnDemandThroughput, WarmThroughput or TableClass is required"
)
_ONLY_OPERATION = (
    ("SSESpecification", "Server-Side Encryption modification"),
    ("TableClass", "TableClass modification"),
    ("DeletionProtectionEnabled", "DeletionProtection modification"),
)
_IOPS = ("ProvisionedThroughput", "BillingMode")


@dataclass(frozen=True, slots=True)
class Update:
    table: TableRecord
    created_index: str | None = None
    deleted_index: str | None = None


Actions = list[tuple[str, dict[str, Any]]]
"""GlobalSecondaryIndexUpdates as (action, its parameters)."""


def check_update(params: dict[str, Any]) -> Actions:
    """What AWS judges of an UpdateTable request before it looks the table up: the model's
    constraints, the combination of changes, the shape of the index updates and the bounds
    of the throughput asked for (a request wrong in itself is a ValidationException even for
    a table that does not exist). The index updates, checked."""
    check_table_op_name(params["TableName"])
    _check_constraints(params)
    refuse_unsupported(params)  # after the model's constraints, as AWS judges them first
    _check_combination(params)
    actions = _gsi_actions(params)
    if params.get("ProvisionedThroughput") is not None:
        check_units(params["ProvisionedThroughput"])
    for action, update in actions:
        given = update.get("ProvisionedThroughput")
        if action == "Update" and given and all(given.get(unit) for unit in UNITS):
            check_units(given, index=update["IndexName"])
    return actions


def plan_update(
    table: TableRecord, params: dict[str, Any], actions: Actions, *, now: float
) -> Update:
    """The table as the request (passed through check_update, whose `actions` these are)
    changes it, or a ValidationException (or LimitExceeded, ResourceNotFound for an unknown
    index)."""
    changed = _billing(table, params, actions, now)
    changed, created, deleted = _create_or_delete(changed, params, actions, now)
    changed = _stream(changed, params.get("StreamSpecification"), now)
    changed = _sse(changed, params.get("SSESpecification"))
    if params.get("TableClass") is not None:
        changed = _table_class(changed, check_table_class(params["TableClass"]), now)
    if params.get("DeletionProtectionEnabled") is not None:
        changed = dataclasses.replace(
            changed, deletion_protection=bool(params["DeletionProtectionEnabled"])
        )
    warm = table_warm.at_update(
        table_warm.level(table),
        params.get("WarmThroughput"),
        table_warm.start(changed.billing_mode, changed.throughput),
    )
    changed = dataclasses.replace(changed, warm_throughput=warm)
    return Update(changed, created, deleted)


def _table_class(table: TableRecord, table_class: str, now: float) -> TableRecord:
    """The class named, described from now on; a change of class is dated (DescribeTable's
    TableClassSummary.LastUpdateDateTime), as DynamoDB does."""
    updated = now if table_class != table.table_class else table.table_class_updated
    return dataclasses.replace(
        table, table_class=table_class, table_class_named=True, table_class_updated=updated
    )


def _check_constraints(params: dict[str, Any]) -> None:
    update_violations(params).raise_any()


def update_violations(params: dict[str, Any]) -> Violations:
    v = Violations()
    v.table_name(params.get("TableName"))
    check_attribute_definitions(v, params.get("AttributeDefinitions"))
    check_throughput(v, params.get("ProvisionedThroughput"), "ProvisionedThroughput")
    for i, update in enumerate(params.get("GlobalSecondaryIndexUpdates") or [], start=1):
        for action in ("Create", "Update", "Delete"):
            if update.get(action) is not None:
                path = ("GlobalSecondaryIndexUpdates", i, action)
                check_index_constraints(v, update[action], *path, full=action == "Create")
    check_stream_view_type(v, params.get("StreamSpecification"))
    check_sse(v, params.get("SSESpecification"))
    return v


def _check_combination(params: dict[str, Any]) -> None:
    present = [m for m in _CHANGES if params.get(m) is not None]
    if not present:
        raise validation(_NOTHING)
    if any(params.get(m) is not None for m in ("ReplicaUpdates", "GlobalTableWitnessUpdates")):
        raise not_implemented("UpdateTable (global table replicas)")
    for member, what in _ONLY_OPERATION:
        if member in present and len(present) > 1:
            raise validation(INVALID + f"{what} must be the only operation in the request")
    iops = any(m in present for m in _IOPS)
    creates_or_deletes = any(
        u.get("Create") is not None or u.get("Delete") is not None
        for u in params.get("GlobalSecondaryIndexUpdates") or []
    )
    if "StreamSpecification" in present and iops:
        raise validation(INVALID + "You cannot modify stream status while updating table IOPS")
    if creates_or_deletes and iops:
        raise validation(INVALID + "You cannot create or delete index while updating table IOPS")
    if creates_or_deletes and "StreamSpecification" in present:
        raise validation(INVALID + "You cannot create or delete index while changing stream status")


def _gsi_actions(params: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    """(action, its parameters) of GlobalSecondaryIndexUpdates, checked for shape."""
    updates = params.get("GlobalSecondaryIndexUpdates")
    if updates is None:
        return []
    if not updates:
        raise validation(INVALID + "List of GlobalSecondaryIndexUpdates is empty")
    actions: list[tuple[str, dict[str, Any]]] = []
    names: set[str] = set()
    for update in updates:
        given = [
            (a, update[a]) for a in ("Update", "Create", "Delete") if update.get(a) is not None
        ]
        if not given:
            raise validation(
                INVALID
                + "One of GlobalSecondaryIndexUpdate.Update, GlobalSecondaryIndexUpdate.Create,"
                " GlobalSecondaryIndexUpdate.Delete must not be null"
            )
        if len(given) > 1:
            raise validation(
                INVALID + "Only one global secondary index action is allowed per"
                " GlobalSecondaryIndexUpdate object"
            )
        name = given[0][1]["IndexName"]
        if name in names:
            raise validation(
                INVALID + "Only one global secondary index update per index is allowed"
                f" simultaneously. Index: {name}"
            )
        names.add(name)
        actions.append(given[0])
    if sum(1 for a, _ in actions if a != "Update") > 1:
        raise limit_exceeded(
            "Subscriber limit exceeded: Only 1 online index can be created or deleted"
            " simultaneously per table"
        )
    return actions


def _billing(
    table: TableRecord,
    params: dict[str, Any],
    actions: list[tuple[str, dict[str, Any]]],
    now: float,
) -> TableRecord:
    billing = params.get("BillingMode") or table.billing_mode
    given = params.get("ProvisionedThroughput")
    updates = {p["IndexName"]: p for a, p in actions if a == "Update"}
    if billing == PAY_PER_REQUEST:
        return _to_pay_per_request(table, given, updates)
    if given is None and table.billing_mode == PAY_PER_REQUEST:
        raise validation(
            INVALID + "ProvisionedThroughput must be specified when BillingMode is PROVISIONED"
        )
    throughput, changes = table.throughput, table.throughput_changes
    if given is not None:
        throughput = check_units(given)
        if throughput == table.throughput and table.billing_mode == PROVISIONED:
            raise validation(_unchanged("table", table.throughput, throughput))
        if table.billing_mode == PROVISIONED:  # (a switch sets units; it changes none)
            changes = after_change(changes, table.throughput, throughput, now)
    indexes = tuple(_provisioned_index(table, i, updates, now) for i in table.indexes)
    _check_updates_known(table, updates)
    return dataclasses.replace(
        table,
        billing_mode=PROVISIONED,
        throughput=throughput,
        throughput_changes=changes,
        indexes=indexes,
    )


def _to_pay_per_request(
    table: TableRecord, given: dict[str, Any] | None, updates: dict[str, dict[str, Any]]
) -> TableRecord:
    if given is not None:
        raise validation(
            INVALID + "Neither ReadCapacityUnits nor WriteCapacityUnits can be specified when"
            " BillingMode is PAY_PER_REQUEST"
        )
    _check_updates_known(table, updates)
    for name in updates:
        raise validation(
            INVALID + f"The only Updates for index: {name} when TableThroughputMode is"
            " PAY_PER_REQUEST can be to OnDemandThroughput, WarmThroughput"
        )
    indexes = tuple(dataclasses.replace(i, throughput=None) for i in table.indexes)
    zero = {"ReadCapacityUnits": 0, "WriteCapacityUnits": 0}
    return dataclasses.replace(
        table, billing_mode=PAY_PER_REQUEST, throughput=zero, indexes=indexes
    )


def _provisioned_index(
    table: TableRecord, index: IndexRecord, updates: dict[str, dict[str, Any]], now: float
) -> IndexRecord:
    if index.kind != "GSI" or index.status == DELETING:
        return index
    update = updates.get(index.name)
    if update is None:
        if table.billing_mode == PAY_PER_REQUEST:
            raise validation(
                INVALID + f"ProvisionedThroughput must be specified for index: {index.name}"
            )
        return index
    given = update.get("ProvisionedThroughput") or {}
    if not given.get("ReadCapacityUnits") or not given.get("WriteCapacityUnits"):
        raise validation(
            INVALID + "Both ReadCapacityUnits and WriteCapacityUnits must be specified for"
            f" index: {index.name}"
        )
    throughput = check_units(given, index=index.name)
    if throughput == index.throughput and table.billing_mode == PROVISIONED:
        raise validation(_unchanged(f"index {index.name}", index.throughput or {}, throughput))
    changes = index.throughput_changes
    if table.billing_mode == PROVISIONED:
        changes = after_change(changes, index.throughput, throughput, now)
    return dataclasses.replace(index, throughput=throughput, throughput_changes=changes)


def _check_updates_known(table: TableRecord, updates: dict[str, dict[str, Any]]) -> None:
    for name in updates:
        index = table.index(name)
        if index is None or index.status == DELETING:
            raise _unknown_index(table, name)
        if index.kind != "GSI":
            raise validation(f"Cannot update an index that is not a GlobalSecondaryIndex: {name}")


def _unknown_index(table: TableRecord, name: str) -> DynamoError:
    return resource_not_found(f"Requested resource not found: Index {name} for table {table.name}")


def _unchanged(what: str, current: dict[str, int], wanted: dict[str, int]) -> str:
    noun = "the table" if what == "table" else "the index"
    head = "table" if what == "table" else what
    return (
        f"The provisioned throughput for the {head} will not change. The requested value equals"
        f" the current value. Current ReadCapacityUnits provisioned for {noun}:"
        f" {current.get('ReadCapacityUnits', 0)}. Requested ReadCapacityUnits:"
        f" {wanted['ReadCapacityUnits']}. Current WriteCapacityUnits provisioned for {noun}:"
        f" {current.get('WriteCapacityUnits', 0)}. Requested WriteCapacityUnits:"
        f" {wanted['WriteCapacityUnits']}. Refer to the Amazon DynamoDB Developer Guide for"
        " current limits and how to request higher limits."
    )


def _create_or_delete(
    table: TableRecord,
    params: dict[str, Any],
    actions: list[tuple[str, dict[str, Any]]],
    now: float,
) -> tuple[TableRecord, str | None, str | None]:
    for action, given in actions:
        if action == "Create":
            return _create_index(table, params, given, now), given["IndexName"], None
        if action == "Delete":
            return _delete_index(table, given["IndexName"]), None, given["IndexName"]
    return table, None, None


def _create_index(
    table: TableRecord, params: dict[str, Any], given: dict[str, Any], now: float
) -> TableRecord:
    name = given["IndexName"]
    if table.index(name) is not None:
        raise validation("Attempting to create an index which already exists")
    definitions = params.get("AttributeDefinitions")
    if not definitions:
        raise validation(INVALID + f"AttributeDefinitions is not specified for index: {name}")
    requested = {d["AttributeName"]: d["AttributeType"] for d in definitions}
    _check_index_billing(table, name, given.get("ProvisionedThroughput"))
    index = parse_gsi(given, requested, list(requested), table.billing_mode, now)
    _check_no_redefinition(table, index.schema, requested)
    live = [i for i in table.indexes if i.kind == "GSI"]
    if len(live) + 1 > MAX_GSIS:
        raise limit_exceeded(
            INVALID + f"GlobalSecondaryIndex count exceeds the per-table limit of {MAX_GSIS}"
        )
    index = dataclasses.replace(index, status=CREATING, backfilling=True)
    check_projected_total((*table.indexes, index))
    types = dict(table.attribute_types)
    types.update({n: requested[n] for n in index.schema.names})
    return dataclasses.replace(table, indexes=(*table.indexes, index), attribute_types=types)


def _check_no_redefinition(
    table: TableRecord, schema: KeySchema, requested: dict[str, str]
) -> None:
    """A key attribute keeps the type the table or an index gave it. AWS names the schema
    that defined it and the new one: "Attributes cannot be redefined. ... Existing schema:
    Schema:[SchemaElement: key{xyz:S:HASH}] New schema: Schema:[SchemaElement:
    key{xyz:N:HASH}]"."""
    for attribute in schema.names:
        known = table.attribute_types.get(attribute)
        if known is None or known == requested[attribute]:
            continue
        existing = next(
            s for s in (table.schema, *(i.schema for i in table.indexes)) if attribute in s.names
        )
        raise validation(
            INVALID + "Attributes cannot be redefined. Please check that your attribute has the"
            " same type as previously defined. Existing schema: "
            f"{_schema_text(existing, table.attribute_types)} New schema: "
            f"{_schema_text(schema, requested)}"
        )


def _schema_text(schema: KeySchema, types: dict[str, str]) -> str:
    elements = ", ".join(
        f"SchemaElement: key{{{e['AttributeName']}:{types[e['AttributeName']]}:{e['KeyType']}}}"
        for e in schema.wire()
    )
    return f"Schema:[{elements}]"


def _check_index_billing(table: TableRecord, name: str, given: dict[str, Any] | None) -> None:
    if table.billing_mode == PAY_PER_REQUEST and given is not None:
        raise validation(
            INVALID + f"Neither ReadCapacityUnits nor WriteCapacityUnits can be specified for"
            f" index: {name} when BillingMode is PAY_PER_REQUEST"
        )
    if table.billing_mode == PROVISIONED and given is None:
        # (CreateTable says "ProvisionedThroughput is not specified" for the same omission.)
        raise validation(
            INVALID + "Both ReadCapacityUnits and WriteCapacityUnits must be specified for"
            f" index: {name}"
        )


def _delete_index(table: TableRecord, name: str) -> TableRecord:
    index = table.index(name)
    if index is None or index.status == DELETING:
        raise _unknown_index(table, name)
    if index.kind != "GSI":
        raise validation(f"Cannot delete an index that is not a GlobalSecondaryIndex: {name}")
    gone = dataclasses.replace(index, status=DELETING, backfilling=False)
    return dataclasses.replace(
        table, indexes=tuple(gone if i is index else i for i in table.indexes)
    )


def _stream(table: TableRecord, spec: dict[str, Any] | None, now: float) -> TableRecord:
    if spec is None:
        return table
    view = spec.get("StreamViewType")
    enabled_now = table.stream is not None and table.stream.enabled
    if spec.get("StreamEnabled"):
        # The request's own shape first, then the table's state (AWS, probed in 2026).
        if view is None:
            raise validation(INVALID + "If stream is being enabled then UpdateViewType is required")
        if enabled_now:
            raise validation(f"Table already has an enabled stream: TableName: {table.name}")
        return dataclasses.replace(table, stream=StreamSpec(view, stream_label(now)))
    if view is not None:
        raise validation(
            INVALID + "If stream is being disabled, then UpdateViewType must not be specified"
        )
    if table.stream is None or not enabled_now:
        raise validation(f"Table has no stream to disable: TableName: {table.name}")
    return dataclasses.replace(table, stream=dataclasses.replace(table.stream, enabled=False))


def _sse(table: TableRecord, spec: dict[str, Any] | None) -> TableRecord:
    if spec is None:
        return table
    # Asking for a KMS key is refused there (NotImplemented); what is left asks for the
    # default encryption every table has.
    sse_description(spec, table.region, table.account_id)
    raise validation(INVALID + "Table is already encrypted by default")
