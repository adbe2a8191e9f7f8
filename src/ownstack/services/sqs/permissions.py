"""AddPermission and RemovePermission: statements in the queue's Policy, one per label."""

from __future__ import annotations

import json
import re
from typing import Any

from ownstack.core.context import RequestContext
from ownstack.core.service import Params, Result
from ownstack.policy.grants import account_grant, with_statement_list

from .base import SqsBase
from .errors import invalid_value
from .records import QueueRecord

_LABEL = re.compile(r"[A-Za-z0-9_-]{1,80}")
_ACTIONS = frozenset(
    [
        "*",
        "ChangeMessageVisibility",
        "DeleteMessage",
        "GetQueueAttributes",
        "GetQueueUrl",
        "ListDeadLetterSourceQueues",
        "PurgeQueue",
        "ReceiveMessage",
        "SendMessage",
    ]
)
MAX_ACTIONS = 7


class PermissionOps(SqsBase):
    async def add_permission(self, ctx: RequestContext, params: Params) -> Result:
        label: str = params["Label"]
        accounts: list[str] = params.get("AWSAccountIds") or []
        actions: list[str] = params.get("Actions") or []
        _check(label, accounts, actions)

        async def add(queue: QueueRecord) -> None:
            policy = _policy(queue)
            if any(s.get("Sid") == label for s in policy["Statement"]):
                raise invalid_value("Label", label, "Already exists")
            policy["Statement"].append(_statement(queue, label, accounts, actions))
            queue.attributes["Policy"] = json.dumps(policy, separators=(",", ":"))

        await self.update(ctx, params["QueueUrl"], add)
        return {}

    async def remove_permission(self, ctx: RequestContext, params: Params) -> Result:
        label: str = params["Label"]

        async def remove(queue: QueueRecord) -> None:
            if not queue.attributes.get("Policy"):
                raise invalid_value("Label", label, "can't find label")
            policy = _policy(queue)
            kept = [s for s in policy["Statement"] if s.get("Sid") != label]
            if len(kept) == len(policy["Statement"]):
                raise invalid_value("Label", label, "can't find label on existing policy")
            if kept:
                policy["Statement"] = kept
                queue.attributes["Policy"] = json.dumps(policy, separators=(",", ":"))
            else:
                queue.attributes.pop("Policy", None)

        await self.update(ctx, params["QueueUrl"], remove)
        return {}


def _check(label: str, accounts: list[str], actions: list[str]) -> None:
    if not _LABEL.fullmatch(label):
        raise invalid_value(
            "Label",
            label,
            "Can only include alphanumeric characters, hyphens, or underscores. 1 to 80 in length",
        )
    if not accounts:
        raise invalid_value("AWSAccountIds", accounts, "Must contain at least one account id")
    if not actions or len(actions) > MAX_ACTIONS:
        raise invalid_value("Actions", actions, f"Must contain from 1 to {MAX_ACTIONS} actions")
    for action in actions:
        if action not in _ACTIONS:
            raise invalid_value(
                "Actions", action, "Only the queue owner is allowed to invoke this action"
            )


def _policy(queue: QueueRecord) -> dict[str, Any]:
    raw = queue.attributes.get("Policy")
    policy: dict[str, Any] = json.loads(raw) if raw else {}
    policy.setdefault("Version", "2008-10-17")  # what AddPermission writes on AWS
    policy.setdefault("Id", f"{queue.arn}/SQSDefaultPolicy")
    return with_statement_list(policy)


def _statement(
    queue: QueueRecord, label: str, accounts: list[str], actions: list[str]
) -> dict[str, Any]:
    return account_grant(label, accounts, [f"SQS:{action}" for action in actions], queue.arn)
