"""A request that lacks required members, judged as DynamoDB's validator judges it: the
missing members named in one list with the request's other constraint violations (the
gateway asks, core/service.ListsMissingMembers): "3 validation errors detected: Value 'a;' at
'tableName' ... pattern ...; Value 'a;' at 'tableName' ... length ...; Value null at 'item'
...". A table operation's name out of bounds is still refused first, in its own words."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ownstack.core.constraints import CORAL_MAX_LISTED

from . import item_request
from .table_constraints import Violations, check_table_op_name
from .table_updates import update_violations
from .table_validate import create_violations


def violations_with_missing(
    operation: str, params: dict[str, Any], missing: list[str]
) -> list[str] | None:
    found = _listed(operation, params, missing)
    return None if found is None else found[:CORAL_MAX_LISTED]


def _listed(operation: str, params: dict[str, Any], missing: list[str]) -> list[str] | None:
    if item_request.lists_violations(operation):
        return item_request.violations(operation, params, missing)
    if operation == "CreateTable":
        return _with(create_violations, params, missing)
    if operation == "UpdateTable":
        return _with(update_violations, params, missing)
    if operation == "UpdateTimeToLive":
        return _with(_name_violations, params, missing)
    return None


def _name_violations(params: dict[str, Any]) -> Violations:
    v = Violations()
    v.table_name(params.get("TableName"))
    return v


def _with(
    listed: Callable[[dict[str, Any]], Violations], params: dict[str, Any], missing: list[str]
) -> list[str]:
    """The table operation's own list (which names some missing members itself), then the
    missing members it did not name."""
    check_table_op_name(params.get("TableName"))
    v = listed(params)
    for path in missing:
        v.not_null_once(path)
    return v.found
