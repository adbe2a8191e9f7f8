"""DynamoDB's model constraints (lengths, patterns, enums, ranges), checked as AWS checks them
before anything else and worded as AWS words them: every violation of a request in one
ValidationException, "1 validation error detected: Value 'xx' at 'tableName' failed to
satisfy constraint: Member must have length greater than or equal to 3" (N errors: joined by
"; "). Paths are the members' names with a lower-case first letter, list elements as
`keySchema.1.member.keyType` (1-based)."""

from __future__ import annotations

import re
from typing import Any

from ownstack.core.constraints import CORAL_MAX_LISTED, member_name, validation_message

from .errors import validation

NAME_PATTERN = "[a-zA-Z0-9_.-]+"
ATTRIBUTE_TYPES = ("B", "N", "S")
KEY_TYPES = ("HASH", "RANGE")
BILLING_MODES = ("PROVISIONED", "PAY_PER_REQUEST")
PROJECTION_TYPES = ("ALL", "INCLUDE", "KEYS_ONLY")
STREAM_VIEW_TYPES = ("OLD_IMAGE", "KEYS_ONLY", "NEW_AND_OLD_IMAGES", "NEW_IMAGE")
"""In the order AWS lists them in its enum message."""
SSE_TYPES = ("AES256", "KMS")
PAY_PER_REQUEST = "PAY_PER_REQUEST"
KEY_NAME_MAX = 255
"""A key attribute's name (table, index, AttributeDefinitions), unlike other attribute names
(64 KB), is at most 255 characters: the model's KeySchemaAttributeName."""


NOT_NULL = "Member must not be null"
NAME_BOUNDS = "TableName must be at least 3 characters long and at most 255 characters long"
_VALID_NAME = re.compile(f"{NAME_PATTERN[:-1]}{{3,255}}")


def valid_name(name: str) -> bool:
    """A table or index name within its model constraints (NAME_PATTERN, 3 to 255
    characters): one match, for the paths every request takes."""
    return _VALID_NAME.fullmatch(name) is not None


def check_table_op_name(name: str | None) -> None:
    """The TableName of a table operation (CreateTable, UpdateTable, DeleteTable and the TTL
    operations; not DescribeTable): a name outside 3-255 characters is refused before
    anything else of the request is judged, in words of its own, not in the list of constraint
    violations (item operations list it there; a table ARN has no such bound)."""
    if name is not None and not name.startswith("arn:") and not 3 <= len(name) <= 255:
        raise validation(NAME_BOUNDS)


def wire_path(*parts: str | int) -> str:
    """`wire_path("keySchema", 1, "keyType")` -> "keySchema.1.member.keyType"."""
    out: list[str] = []
    for part in parts:
        if isinstance(part, int):
            out.append(f"{part}.member")
        else:
            out.append(member_name(part))
    return ".".join(out)


class Violations:
    """The constraint violations of one request, raised together."""

    def __init__(self) -> None:
        self.found: list[str] = []

    def add(self, value: Any, path: str, constraint: str) -> None:
        shown = "null" if value is None else f"'{_shown(value)}'"
        self.found.append(f"Value {shown} at '{path}' failed to satisfy constraint: {constraint}")

    def not_null(self, value: Any, path: str) -> bool:
        """False (and a violation) when `value` is missing."""
        if value is None:
            self.add(None, path, NOT_NULL)
            return False
        return True

    def not_null_once(self, path: str) -> None:
        """A missing member's violation, unless already named."""
        if not any(found.startswith(f"Value null at '{path}' ") for found in self.found):
            self.add(None, path, NOT_NULL)

    def length(self, value: str | list[Any] | None, path: str, low: int, high: int) -> None:
        if value is None:
            return
        if len(value) < low:
            self.add(value, path, f"Member must have length greater than or equal to {low}")
        elif len(value) > high:
            self.add(value, path, f"Member must have length less than or equal to {high}")

    def name(self, value: str | None, path: str, *, length_first: bool = False) -> None:
        """A table or index name: 3-255 characters of [a-zA-Z0-9_.-]. DynamoDB lists the
        pattern before the length, except for the names `length_first` marks (an index defined
        by CreateTable or UpdateTable, DescribeTable's TableName: recorded against AWS in
        2026)."""
        if value is None:
            return
        if length_first:
            self.length(value, path, 3, 255)
        if re.fullmatch(NAME_PATTERN, value) is None:
            self.add(value, path, f"Member must satisfy regular expression pattern: {NAME_PATTERN}")
        if not length_first:
            self.length(value, path, 3, 255)

    def table_name(self, value: str | None, path: str = "tableName") -> None:
        """A TableName: a table's name (`name`), or a table ARN, which has no such bounds."""
        if value is not None and not value.startswith("arn:"):
            self.name(value, path)

    def enum(self, value: str | None, path: str, allowed: tuple[str, ...]) -> None:
        if value is not None and value not in allowed:
            self.add(value, path, f"Member must satisfy enum value set: [{', '.join(allowed)}]")

    def at_least(self, value: int | None, path: str, low: int) -> None:
        if value is not None and value < low:
            self.add(value, path, f"Member must have value greater than or equal to {low}")

    def at_most(self, value: int | None, path: str, high: int) -> None:
        if value is not None and value > high:
            self.add(value, path, f"Member must have value less than or equal to {high}")

    def raise_any(self) -> None:
        if self.found:
            raise validation(validation_message(self.found[:CORAL_MAX_LISTED]))


def _shown(value: Any) -> str:
    if isinstance(value, list):
        return "[" + ", ".join(_shown(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}={_shown(v)}" for k, v in value.items()) + "}"
    return str(value)


def check_key_schema(v: Violations, schema: list[dict[str, Any]] | None, *path: str | int) -> None:
    if not v.not_null(schema, wire_path(*path)) or schema is None:
        return
    v.length(schema, wire_path(*path), 1, 2)
    for i, element in enumerate(schema, start=1):
        name = element.get("AttributeName")
        if v.not_null(name, wire_path(*path, i, "AttributeName")):
            v.length(name, wire_path(*path, i, "AttributeName"), 1, KEY_NAME_MAX)
        key_type = element.get("KeyType")
        if v.not_null(key_type, wire_path(*path, i, "KeyType")):
            v.enum(key_type, wire_path(*path, i, "KeyType"), KEY_TYPES)


def check_attribute_definitions(v: Violations, definitions: list[dict[str, Any]] | None) -> None:
    """CreateTable's and UpdateTable's AttributeDefinitions: each a named, typed key
    attribute (KeySchemaAttributeName: 1-255 characters)."""
    for i, definition in enumerate(definitions or [], start=1):
        kind = definition.get("AttributeType")
        if v.not_null(kind, wire_path("AttributeDefinitions", i, "AttributeType")):
            v.enum(kind, wire_path("AttributeDefinitions", i, "AttributeType"), ATTRIBUTE_TYPES)
        name = definition.get("AttributeName")
        if v.not_null(name, wire_path("AttributeDefinitions", i, "AttributeName")):
            v.length(name, wire_path("AttributeDefinitions", i, "AttributeName"), 1, KEY_NAME_MAX)


def check_stream_view_type(v: Violations, stream: dict[str, Any] | None) -> None:
    """CreateTable's and UpdateTable's StreamSpecification: its view type is one of the
    model's four, whatever StreamEnabled says."""
    if stream is not None:
        path = "streamSpecification.streamViewType"
        v.enum(stream.get("StreamViewType"), path, STREAM_VIEW_TYPES)


def check_sse(v: Violations, sse: dict[str, Any] | None) -> None:
    """CreateTable's and UpdateTable's SSESpecification: its type one of the model's, a key id
    not empty."""
    if sse is not None:
        v.enum(sse.get("SSEType"), "sSESpecification.sSEType", SSE_TYPES)
        if sse.get("KMSMasterKeyId") == "":  # the only bound: the model states none
            constraint = "Member must have length greater than or equal to 1"
            v.add("", "sSESpecification.kMSMasterKeyId", constraint)


def check_throughput(v: Violations, throughput: dict[str, Any] | None, *path: str | int) -> None:
    if throughput is None:
        return
    # Write before read, as DynamoDB lists them (missing or out of range: dynalite's suite).
    for member in ("WriteCapacityUnits", "ReadCapacityUnits"):
        units = throughput.get(member)
        if v.not_null(units, wire_path(*path, member)):
            v.at_least(units, wire_path(*path, member), 1)


def check_projection(v: Violations, projection: dict[str, Any] | None, *path: str | int) -> None:
    if not v.not_null(projection, wire_path(*path)) or projection is None:
        return
    v.enum(projection.get("ProjectionType"), wire_path(*path, "ProjectionType"), PROJECTION_TYPES)
    non_key = projection.get("NonKeyAttributes")
    v.length(non_key, wire_path(*path, "NonKeyAttributes"), 1, 20)
