"""DeleteMessage(+Batch) and ChangeMessageVisibility(+Batch): what a consumer does with the
receipt handles ReceiveMessage gave it."""

from __future__ import annotations

from typing import Any

from ownstack.core.context import RequestContext
from ownstack.core.errors import ServiceError
from ownstack.core.service import Params, Result
from ownstack.ports.errors import PortError
from ownstack.ports.queues import MessageNotInflight, QueueNotFound

from .base import SqsBase
from .batch import batch_result, check_entries, failed
from .errors import (
    invalid_value,
    queue_does_not_exist,
    receipt_handle_invalid,
)
from .receive import MAX_VISIBILITY


class AckOps(SqsBase):
    async def delete_message(self, ctx: RequestContext, params: Params) -> Result:
        handle: str = params["ReceiptHandle"]
        outcome = await self._delete(ctx, params["QueueUrl"], [handle])
        if outcome[0] is not None:
            raise _ack_error(outcome[0], handle)
        return {}

    async def delete_message_batch(self, ctx: RequestContext, params: Params) -> Result:
        entries = check_entries(params.get("Entries"), "DeleteMessageBatchRequestEntry")
        handles = [e.get("ReceiptHandle") or "" for e in entries]
        outcomes = await self._delete(ctx, params["QueueUrl"], handles)
        return _batch(entries, handles, outcomes)

    async def change_message_visibility(self, ctx: RequestContext, params: Params) -> Result:
        handle: str = params["ReceiptHandle"]
        seconds = _visibility(params["VisibilityTimeout"])
        outcome = await self._change(ctx, params["QueueUrl"], [(handle, seconds)])
        if outcome[0] is not None:
            raise _ack_error(outcome[0], handle)
        return {}

    async def change_message_visibility_batch(self, ctx: RequestContext, params: Params) -> Result:
        entries = check_entries(params.get("Entries"), "ChangeMessageVisibilityBatchRequestEntry")
        # An entry with an invalid timeout fails alone; the others are changed in one call.
        valid: list[dict[str, Any]] = []
        refused: list[dict[str, Any]] = []
        changes: list[tuple[str, float]] = []
        for entry in entries:
            try:
                seconds = _visibility(entry.get("VisibilityTimeout") or 0)
            except ServiceError as err:
                refused.append(failed(entry["Id"], err))
                continue
            valid.append(entry)
            changes.append((entry.get("ReceiptHandle") or "", seconds))
        outcomes = await self._change(ctx, params["QueueUrl"], changes) if changes else []
        result = _batch(valid, [handle for handle, _ in changes], outcomes)
        result["Failed"] = refused + result["Failed"]
        return result

    async def _delete(
        self, ctx: RequestContext, url: str, handles: list[str]
    ) -> list[PortError | None]:
        queue = await self.queue(ctx, url)
        try:
            return await self.queues.delete(queue.id, handles)
        except QueueNotFound as exc:
            raise queue_does_not_exist() from exc

    async def _change(
        self, ctx: RequestContext, url: str, changes: list[tuple[str, float]]
    ) -> list[PortError | None]:
        queue = await self.queue(ctx, url)
        try:
            return await self.queues.change_visibility(queue.id, changes)
        except QueueNotFound as exc:
            raise queue_does_not_exist() from exc


def _visibility(seconds: int) -> float:
    if not 0 <= seconds <= MAX_VISIBILITY:
        raise invalid_value(
            "VisibilityTimeout",
            seconds,
            f"VisibilityTimeout must be an integer between 0 and {MAX_VISIBILITY}",
        )
    return float(seconds)


def _ack_error(error: PortError, handle: str) -> ServiceError:
    if isinstance(error, MessageNotInflight):
        return invalid_value(
            "ReceiptHandle",
            handle,
            "Message does not exist or is not available for visibility timeout change",
        )
    return receipt_handle_invalid(handle)


def _batch(
    entries: list[dict[str, Any]], handles: list[str], outcomes: list[PortError | None]
) -> Result:
    successful: list[dict[str, Any]] = []
    failures: list[dict[str, Any]] = []
    for entry, handle, outcome in zip(entries, handles, outcomes, strict=True):
        if outcome is None:
            successful.append({"Id": entry["Id"]})
        else:
            failures.append(failed(entry["Id"], _ack_error(outcome, handle)))
    return batch_result(successful, failures)
