"""Message move tasks as kept in the metadata port (namespace MOVES), and their task handles."""

from __future__ import annotations

from dataclasses import dataclass

from ownstack.core.records import JsonRecord
from ownstack.core.tokens import opaque_token, token_text

from .errors import invalid_parameter

MOVES = "sqs:moves"
"""`<source queue ARN>/<started, ms, 20 digits>` -> MoveTaskRecord: a source's tasks in start
order, so the most recent come first in a reverse scan."""
RUNNING, CANCELLING, CANCELLED, COMPLETED, FAILED = (
    "RUNNING",
    "CANCELLING",
    "CANCELLED",
    "COMPLETED",
    "FAILED",
)
ACTIVE = (RUNNING, CANCELLING)


@dataclass(slots=True)
class MoveTaskRecord(JsonRecord):
    source_arn: str
    destination_arn: str
    """"" : each message back to the queue it was dead-lettered from."""
    rate: int
    """Messages per second; 0 when the caller left it to us."""
    started_ms: int
    to_move: int
    moved: int = 0
    status: str = RUNNING
    failure_reason: str = ""

    @property
    def key(self) -> str:
        return move_key(self.source_arn, self.started_ms)


def move_key(source_arn: str, started_ms: int) -> str:
    return f"{source_arn}/{started_ms:020d}"


def task_handle(key: str) -> str:
    return opaque_token(key)


def key_of_handle(handle: str) -> str:
    """The record key a TaskHandle names. Raises InvalidParameterValue (not a handle)."""
    key = token_text(handle) or ""
    if not key.startswith("arn:aws:sqs:") or "/" not in key:
        raise invalid_parameter("Value for parameter TaskHandle is invalid.")
    return key
