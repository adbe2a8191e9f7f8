"""How a transaction fails: TransactionCanceledException with one cancellation reason per
action (in request order), and IdempotentParameterMismatchException for a reused
ClientRequestToken.
https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_TransactWriteItems.html
(the CancellationReasons table: None, ConditionalCheckFailed, TransactionConflict,
ValidationError, ...)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from .errors import DynamoError
from .expr.ast import Item

Reason = dict[str, Any]

NO_REASON: Reason = {"Code": "None"}
CONFLICT: Reason = {"Code": "TransactionConflict", "Message": "Transaction is ongoing for the item"}


def condition_failed(item: Item | None) -> Reason:
    """`item`: the item as it was, for ReturnValuesOnConditionCheckFailure=ALL_OLD."""
    reason: Reason = {"Code": "ConditionalCheckFailed", "Message": "The conditional request failed"}
    if item is not None:
        reason["Item"] = dict(item)
    return reason


def validation_failed(message: str) -> Reason:
    """A change the transaction would make that AWS refuses (an update on a wrong type, an
    item grown past 400 KB): a cancellation reason, not a ValidationException."""
    return {"Code": "ValidationError", "Message": message}


def cancelled(reasons: Sequence[Reason]) -> DynamoError:
    codes = ", ".join(str(reason["Code"]) for reason in reasons)
    error = DynamoError(
        "TransactionCanceledException",
        f"Transaction cancelled, please refer cancellation reasons for specific reasons [{codes}]",
    )
    error.fields["CancellationReasons"] = list(reasons)
    return error


def token_mismatch() -> DynamoError:
    return DynamoError(
        "IdempotentParameterMismatchException",
        "Request parameters did not match the previous request with the same client request token",
    )
