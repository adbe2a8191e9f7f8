"""DynamoDB's errors as AWS words them. `code` is the bare shape name; the wire qualifies it
in `__type` as DynamoDB does (wire/error_types.py)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ownstack.core.errors import ServiceError

INVALID = "One or more parameter values were invalid: "
"""How AWS begins a message about an invalid parameter value (a table's settings, an item's
values, a key, a legacy condition)."""


class DynamoError(ServiceError):
    """A ServiceError whose `fields` may carry extra JSON members (CancellationReasons, Item:
    B values as bytes, the wire encodes them)."""

    def __init__(self, code: str, message: str, status: int = 400) -> None:
        super().__init__(code, message, status)


def validation(message: str) -> DynamoError:
    return DynamoError("ValidationException", message)


def resource_not_found(message: str = "Requested resource not found") -> DynamoError:
    return DynamoError("ResourceNotFoundException", message)


def table_not_found(name: str) -> DynamoError:
    return resource_not_found(f"Requested resource not found: Table: {name} not found")


def resource_in_use(message: str) -> DynamoError:
    return DynamoError("ResourceInUseException", message)


def conditional_check_failed(item: Mapping[str, Any] | None = None) -> DynamoError:
    """`item`: the item as it was, for ReturnValuesOnConditionCheckFailure=ALL_OLD."""
    error = DynamoError("ConditionalCheckFailedException", "The conditional request failed")
    if item is not None:
        error.fields["Item"] = dict(item)
    return error


def limit_exceeded(message: str) -> DynamoError:
    return DynamoError("LimitExceededException", message)


def internal_server_error() -> DynamoError:
    return DynamoError("InternalServerError", "Internal server error", 500)


def not_implemented_setting(message: str) -> ServiceError:
    """A table setting ownstack does not carry out, refused rather than accepted and ignored."""
    return ServiceError("NotImplemented", message, 501, sender_fault=False)
