"""What every *Batch operation checks before looking at its entries, and its per-entry errors."""

from __future__ import annotations

import re
from typing import Any

from ownstack.core.errors import ServiceError

MAX_ENTRIES = 10
_ENTRY_ID = re.compile(r"[A-Za-z0-9_-]{1,80}")


def check_entries(entries: list[dict[str, Any]] | None, entry_name: str) -> list[dict[str, Any]]:
    """Raises EmptyBatchRequest, TooManyEntriesInBatchRequest, InvalidBatchEntryId or
    BatchEntryIdsNotDistinct, as SQS does, before any entry is acted on."""
    if not entries:
        raise ServiceError(
            "EmptyBatchRequest",
            f"There should be at least one {entry_name} in the request.",
            400,
        )
    if len(entries) > MAX_ENTRIES:
        raise ServiceError(
            "TooManyEntriesInBatchRequest",
            f"Maximum number of entries per request are {MAX_ENTRIES}. You have sent "
            f"{len(entries)}.",
            400,
        )
    seen: set[str] = set()
    for entry in entries:
        entry_id = entry.get("Id") or ""
        if not _ENTRY_ID.fullmatch(entry_id):
            raise ServiceError(
                "InvalidBatchEntryId",
                "A batch entry id can only contain alphanumeric characters, hyphens and "
                "underscores. It can be at most 80 letters long.",
                400,
            )
        if entry_id in seen:
            raise ServiceError("BatchEntryIdsNotDistinct", f"Id {entry_id} repeated.", 400)
        seen.add(entry_id)
    return entries


def failed(entry_id: str, err: ServiceError) -> dict[str, Any]:
    return {
        "Id": entry_id,
        "SenderFault": err.sender_fault,
        "Code": err.code,
        "Message": err.message,
    }


def batch_result(
    successful: list[dict[str, Any]], failures: list[dict[str, Any]]
) -> dict[str, Any]:
    return {"Successful": successful, "Failed": failures}
