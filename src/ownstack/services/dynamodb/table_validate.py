"""CreateTable's parameters checked as DynamoDB checks them, in AWS's words, and turned into
the pieces of a TableRecord. The index, stream and SSE rules are shared with UpdateTable.

https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_CreateTable.html
https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/ServiceQuotas.html
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

from . import table_warm
from .errors import INVALID, not_implemented_setting, validation
from .records import IndexRecord, KeySchema, StreamSpec
from .table_constraints import (
    BILLING_MODES,
    PAY_PER_REQUEST,
    Violations,
    check_attribute_definitions,
    check_key_schema,
    check_projection,
    check_sse,
    check_stream_view_type,
    check_table_op_name,
    check_throughput,
    wire_path,
)
from .table_tags import merged_tags

MAX_LSIS = 5
MAX_GSIS = 20
MAX_PROJECTED = 100
"""NonKeyAttributes over all of a table's indexes."""
TABLE_CLASSES = ("STANDARD", "STANDARD_INFREQUENT_ACCESS")
PROVISIONED = "PROVISIONED"
_PPR_THROUGHPUT = (
    INVALID + "Neither ReadCapacityUnits nor WriteCapacityUnits can be specified when BillingMode"
    " is PAY_PER_REQUEST"
)


@dataclass(frozen=True, slots=True)
class TableSpec:
    """What a valid CreateTable request defines."""

    schema: KeySchema
    attribute_types: dict[str, str]
    billing_mode: str
    throughput: dict[str, int]
    indexes: tuple[IndexRecord, ...] = ()
    stream: StreamSpec | None = None
    sse: dict[str, Any] | None = None
    table_class: str = "STANDARD"
    table_class_named: bool = False
    deletion_protection: bool = False
    warm_throughput: dict[str, int] = field(default_factory=dict)
    tags: dict[str, str] = field(default_factory=dict)


UNSUPPORTED_SETTINGS = ("OnDemandThroughput", "WarmThroughput")
"""Throughput caps and pre-warming: ownstack neither throttles nor pre-warms, so a table that
asks for either is refused rather than answered with a success whose setting does nothing.
A table's own WarmThroughput is the exception (table_warm.py): a floor of throughput, which a
server that throttles nothing always meets, so it is kept and reported as DynamoDB does; an
index's is not kept yet."""
_TABLE_UNSUPPORTED = ("OnDemandThroughput",)


def refuse_unsupported(params: dict[str, Any]) -> None:
    """NotImplemented when the request, or one of its index definitions or updates, sets what
    ownstack does not do (UNSUPPORTED_SETTINGS)."""
    parts: list[tuple[dict[str, Any], tuple[str, ...]]] = [(params, _TABLE_UNSUPPORTED)]
    for raw in params.get("GlobalSecondaryIndexes") or []:
        parts.append((raw, UNSUPPORTED_SETTINGS))
    for update in params.get("GlobalSecondaryIndexUpdates") or []:
        parts.extend(
            (action, UNSUPPORTED_SETTINGS) for action in update.values() if isinstance(action, dict)
        )
    for part, names in parts:
        for name in names:
            if part.get(name) is not None:
                raise not_implemented_setting(
                    f"{name} is not implemented by ownstack (it neither throttles nor"
                    " pre-warms tables)."
                )


def check_create(params: dict[str, Any], *, region: str, account_id: str, now: float) -> TableSpec:
    check_table_op_name(params.get("TableName"))
    check_create_constraints(params)
    refuse_unsupported(params)  # after the model's constraints, as AWS judges them first
    billing = params.get("BillingMode") or PROVISIONED
    throughput = _table_throughput(billing, params.get("ProvisionedThroughput"))
    types = _attribute_types(params["AttributeDefinitions"])
    schema = check_schema(params["KeySchema"], types, list(types))
    lsi_params = _index_list(params, "LocalSecondaryIndexes")
    if lsi_params and schema.sort is None:
        raise validation(
            INVALID + "Table KeySchema does not have a range key, which is required when"
            " specifying a LocalSecondaryIndex"
        )
    lsis = [_lsi(raw, schema, types, now) for raw in lsi_params]
    gsis = [
        parse_gsi(raw, types, list(types), billing, now)
        for raw in _index_list(params, "GlobalSecondaryIndexes")
    ]
    indexes = (*lsis, *gsis)
    _check_index_set(indexes)
    _check_all_defined_used(params, schema, indexes, types)
    return TableSpec(
        schema=schema,
        attribute_types=types,
        billing_mode=billing,
        throughput=throughput,
        indexes=indexes,
        stream=check_create_stream(params.get("StreamSpecification"), now),
        sse=sse_description(params.get("SSESpecification"), region, account_id),
        table_class=check_table_class(params.get("TableClass")),
        table_class_named=params.get("TableClass") is not None,
        deletion_protection=bool(params.get("DeletionProtectionEnabled")),
        warm_throughput=table_warm.at_create(params.get("WarmThroughput"), billing, throughput),
        tags=merged_tags({}, params.get("Tags")),
    )


def check_create_constraints(params: dict[str, Any]) -> None:
    create_violations(params).raise_any()


def create_violations(params: dict[str, Any]) -> Violations:
    v = Violations()
    v.name(params.get("TableName"), "tableName")
    # botocore's model lets a client leave AttributeDefinitions out; AWS's server still
    # requires it, and says so as it says of any missing required member.
    v.not_null(params.get("AttributeDefinitions"), "attributeDefinitions")
    check_attribute_definitions(v, params.get("AttributeDefinitions"))
    check_key_schema(v, params.get("KeySchema"), "KeySchema")
    v.enum(params.get("BillingMode"), "billingMode", BILLING_MODES)
    check_throughput(v, params.get("ProvisionedThroughput"), "ProvisionedThroughput")
    for member in ("LocalSecondaryIndexes", "GlobalSecondaryIndexes"):
        for i, index in enumerate(params.get(member) or [], start=1):
            check_index_constraints(v, index, member, i)
    check_stream_view_type(v, params.get("StreamSpecification"))
    check_sse(v, params.get("SSESpecification"))
    return v


def check_index_constraints(
    v: Violations, index: dict[str, Any], *path: str | int, full: bool = True
) -> None:
    """An index definition's constraints; `full` False: an UpdateTable Update or Delete action
    (a name, and throughput)."""
    name = index.get("IndexName")
    if v.not_null(name, wire_path(*path, "IndexName")):
        v.name(name, wire_path(*path, "IndexName"), length_first=True)
    if full:
        check_key_schema(v, index.get("KeySchema"), *path, "KeySchema")
        check_projection(v, index.get("Projection"), *path, "Projection")
    check_throughput(v, index.get("ProvisionedThroughput"), *path, "ProvisionedThroughput")


def _table_throughput(billing: str, given: dict[str, Any] | None) -> dict[str, int]:
    if billing == PAY_PER_REQUEST:
        if given is not None:
            raise validation(_PPR_THROUGHPUT)
        return {"ReadCapacityUnits": 0, "WriteCapacityUnits": 0}
    if not given or not given.get("ReadCapacityUnits") or not given.get("WriteCapacityUnits"):
        raise validation(
            INVALID + "ReadCapacityUnits and WriteCapacityUnits must both be specified when"
            " BillingMode is PROVISIONED"
        )
    return check_units(given)


def check_units(given: dict[str, Any], index: str | None = None) -> dict[str, int]:
    """ReadCapacityUnits / WriteCapacityUnits within AWS's bounds (a GSI's: `index`)."""
    where = "" if index is None else f" for index {index}"
    for member in ("ReadCapacityUnits", "WriteCapacityUnits"):
        if int(given[member]) > 1_000_000_000_000:
            raise validation(f"Given value {given[member]} for {member} is out of bounds{where}")
    return {
        "ReadCapacityUnits": int(given["ReadCapacityUnits"]),
        "WriteCapacityUnits": int(given["WriteCapacityUnits"]),
    }


def _attribute_types(definitions: list[dict[str, str]]) -> dict[str, str]:
    types: dict[str, str] = {}
    for definition in definitions:
        name = definition["AttributeName"]
        if name in types:
            raise validation(f"Attribute Name is duplicated: {name}")
        types[name] = definition["AttributeType"]
    return types


def check_schema(
    elements: list[dict[str, str]], types: dict[str, str], shown: list[str]
) -> KeySchema:
    """A KeySchema (a table's or an index's) whose attributes `types` defines; `shown` is the
    AttributeDefinitions as the request listed them (for the error message)."""
    keys = [e["AttributeName"] for e in elements]
    if len(keys) > len(types):
        raise validation("Invalid KeySchema: Some index key attribute have no definition")
    if any(k not in types for k in keys):
        raise validation(
            INVALID + "Some index key attributes are not defined in AttributeDefinitions. "
            f"Keys: [{', '.join(keys)}], AttributeDefinitions: [{', '.join(shown)}]"
        )
    if len(keys) == 2 and keys[0] == keys[1]:
        raise validation(
            "Both the Hash Key and the Range Key element in the KeySchema have the same name"
        )
    if elements[0]["KeyType"] != "HASH":
        raise validation("Invalid KeySchema: The first KeySchemaElement is not a HASH key type")
    if len(elements) == 2 and elements[1]["KeyType"] != "RANGE":
        raise validation("Invalid KeySchema: The second KeySchemaElement is not a RANGE key type")
    return KeySchema(keys[0], keys[1] if len(keys) == 2 else None)


def _index_list(params: dict[str, Any], member: str) -> list[dict[str, Any]]:
    given = params.get(member)
    if given is None:
        return []
    if not given:
        raise validation(INVALID + f"List of {member} is empty")
    limit = MAX_LSIS if member == "LocalSecondaryIndexes" else MAX_GSIS
    if len(given) > limit:
        if member == "LocalSecondaryIndexes":
            raise validation(
                INVALID + f"Number of LocalSecondaryIndexes exceeds per-table limit of {limit}"
            )
        raise validation(
            INVALID + f"GlobalSecondaryIndex count exceeds the per-table limit of {limit}"
        )
    return list(given)


def _lsi(raw: dict[str, Any], table: KeySchema, types: dict[str, str], now: float) -> IndexRecord:
    name = raw["IndexName"]
    schema = check_schema(raw["KeySchema"], types, list(types))
    if schema.sort is None:
        raise validation(INVALID + f"Index KeySchema does not have a range key for index: {name}")
    if schema.partition != table.partition:
        raise validation(
            INVALID + "Index KeySchema does not have the same leading hash key as table KeySchema"
            f" for index: {name}. index hash key: {schema.partition}, table hash key:"
            f" {table.partition}"
        )
    projection, non_key = check_index_projection(raw.get("Projection") or {})
    return IndexRecord(name, "LSI", schema, projection, non_key, created=now)


def parse_gsi(
    raw: dict[str, Any], types: dict[str, str], shown: list[str], billing: str, now: float
) -> IndexRecord:
    """A GlobalSecondaryIndex of CreateTable, or UpdateTable's Create action."""
    name = raw["IndexName"]
    schema = check_schema(raw["KeySchema"], types, shown)
    projection, non_key = check_index_projection(raw.get("Projection") or {})
    given = raw.get("ProvisionedThroughput")
    throughput: dict[str, int] | None = None
    if billing == PAY_PER_REQUEST and given is not None:
        raise validation(
            INVALID + f"ProvisionedThroughput should not be specified for index: {name} when"
            " BillingMode is PAY_PER_REQUEST"
        )
    if billing == PROVISIONED:
        if given is None:
            raise validation(INVALID + f"ProvisionedThroughput is not specified for index: {name}")
        throughput = check_units(given)
    return IndexRecord(name, "GSI", schema, projection, non_key, throughput=throughput, created=now)


def check_index_projection(projection: dict[str, Any]) -> tuple[str, tuple[str, ...]]:
    kind = projection.get("ProjectionType")
    non_key = projection.get("NonKeyAttributes")
    if kind is None:
        raise validation(INVALID + "Unknown ProjectionType: null")
    if kind != "INCLUDE" and non_key is not None:
        raise validation(INVALID + f"ProjectionType is {kind}, but NonKeyAttributes is specified")
    if kind == "INCLUDE" and not non_key:
        raise validation(
            INVALID + "ProjectionType is INCLUDE, but NonKeyAttributes is not specified"
        )
    seen: set[str] = set()
    for attribute in non_key or []:
        if attribute in seen:
            raise validation(INVALID + f"Duplicate element in NonKeyAttributes: {attribute}")
        seen.add(attribute)
    return kind, tuple(non_key or ())


def _check_index_set(indexes: tuple[IndexRecord, ...]) -> None:
    names: set[str] = set()
    for index in indexes:
        if index.name in names:
            raise validation(INVALID + f"Duplicate index name: {index.name}")
        names.add(index.name)
    check_projected_total(indexes)


def check_projected_total(indexes: tuple[IndexRecord, ...]) -> None:
    """At most 100 NonKeyAttributes over all of a table's indexes (ServiceQuotas.html:
    "Projected Secondary Index Attributes Per Table")."""
    total = sum(len(i.non_key_attributes) for i in indexes)
    if total > MAX_PROJECTED:
        raise validation(
            INVALID + "The number of projected attributes in all secondary indexes exceeds the"
            f" limit of {MAX_PROJECTED}. Number of projected attributes: {total}"
        )


def _check_all_defined_used(
    params: dict[str, Any],
    schema: KeySchema,
    indexes: tuple[IndexRecord, ...],
    types: dict[str, str],
) -> None:
    """AttributeDefinitions must define exactly the key attributes of the table and indexes."""
    used = list(schema.names)
    for index in indexes:
        used.extend(n for n in index.schema.names if n not in used)
    if set(used) == set(types):
        return
    if not indexes:
        raise validation(
            INVALID + "Number of attributes in KeySchema does not exactly match number of"
            " attributes defined in AttributeDefinitions"
        )
    raise validation(
        INVALID + f"Some AttributeDefinitions are not used. AttributeDefinitions: "
        f"[{', '.join(types)}], keys used: [{', '.join(used)}]"
    )


def check_create_stream(spec: dict[str, Any] | None, now: float) -> StreamSpec | None:
    if spec is None:
        return None
    view = spec.get("StreamViewType")
    if spec.get("StreamEnabled"):
        if view is None:
            raise validation(
                INVALID + "Table is being created with a stream enabled, UpdateViewType is required"
            )
        return StreamSpec(view, stream_label(now))
    if view is not None:
        raise validation(
            INVALID + "Table is being created with a stream disabled, UpdateViewType should not"
            " be specified"
        )
    return None


def stream_label(now: float) -> str:
    """A StreamLabel: the UTC time to the millisecond, as AWS makes it
    ("2026-12-03T14:40:12.345")."""
    whole = int(now)
    millis = round((now - whole) * 1000)
    if millis == 1000:
        whole, millis = whole + 1, 0
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(whole)) + f".{millis:03d}"


def sse_description(
    spec: dict[str, Any] | None, region: str, account_id: str
) -> dict[str, Any] | None:
    """The SSEDescription of an SSESpecification: None when it asks for DynamoDB's own key
    (AWS then returns no SSEDescription). Enabled (encryption with a KMS key) is refused with
    NotImplemented: ownstack does not encrypt items with a KMS key, and a table described as
    so encrypted must be."""
    if spec is None:
        return None
    enabled = spec.get("Enabled")
    if enabled is None:
        # Left out, Enabled is what the rest says (AWS, probed in 2026): {} is DynamoDB's own
        # key, {SSEType: KMS} encryption with a KMS key.
        enabled = spec.get("SSEType") is not None or spec.get("KMSMasterKeyId") is not None
    if not enabled:
        if spec.get("SSEType") is not None:
            raise validation(INVALID + "SSEType can not be specified if Enabled is false")
        if spec.get("KMSMasterKeyId") is not None:
            raise validation(INVALID + "KMSMasterKeyId can not be specified if Enabled is false")
        return None
    if spec.get("SSEType") == "AES256":
        raise validation(INVALID + "SSEType AES256 is not supported")
    raise not_implemented_setting(
        "Server-side encryption with a KMS key (SSESpecification Enabled) is not implemented"
        " by ownstack: table items are not encrypted with a KMS key."
    )


def check_table_class(value: str | None) -> str:
    if value is None:
        return "STANDARD"
    if value not in TABLE_CLASSES:
        raise validation(
            "Invalid table-class parameter provided. Please try again with a valid table-class"
            " value: [STANDARD, STANDARD_INFREQUENT_ACCESS]."
        )
    return value
