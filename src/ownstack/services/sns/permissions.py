"""AddPermission and RemovePermission: statements in the topic's access policy, one per label.

"AddPermission: Adds a statement to a topic's access control policy, granting access for the
specified Amazon Web Services accounts to the specified actions." "RemovePermission: Removes a
statement from a topic's access control policy." (Amazon SNS API Reference.) A topic that never
set a Policy has AWS's default one (topic_attrs.default_policy): the first AddPermission adds to
that, so the owner's default statement stays. The statement is written as SQS's AddPermission
writes its own (one principal or action as a string, several as a list), and the gateway
enforces it like any topic policy.
"""

from __future__ import annotations

import json
import re
from typing import Any

from ownstack.core.context import RequestContext
from ownstack.core.service import Params, Result
from ownstack.policy.grants import account_grant, with_statement_list
from ownstack.ports.errors import ConditionFailed
from ownstack.ports.meta import Put

from .base import SnsBase
from .errors import invalid_parameter, topic_not_found
from .records import TOPICS, TopicRecord
from .topic_attrs import check_attribute, default_policy

ACTIONS = frozenset(
    {
        "AddPermission",
        "DeleteTopic",
        "GetTopicAttributes",
        "ListSubscriptionsByTopic",
        "Publish",
        "Receive",
        "RemovePermission",
        "SetTopicAttributes",
        "Subscribe",
    }
)
"""The action names a topic policy statement may grant (SNS's topic-policy actions)."""
_ACCOUNT = re.compile(r"\d{12}")


class PermissionOps(SnsBase):
    async def add_permission(self, ctx: RequestContext, params: Params) -> Result:
        label = str(params["Label"])
        accounts = list(params.get("AWSAccountId") or [])
        actions = list(params.get("ActionName") or [])
        _check_request(accounts, actions)

        def add(topic: TopicRecord, policy: dict[str, Any]) -> None:
            if any(s.get("Sid") == label for s in policy["Statement"]):
                raise invalid_parameter("Invalid parameter: Statement already exists")
            policy["Statement"].append(_statement(topic, label, accounts, actions))

        await self._edit_policy(ctx, params["TopicArn"], add)
        return {}

    async def remove_permission(self, ctx: RequestContext, params: Params) -> Result:
        label = str(params["Label"])

        def remove(topic: TopicRecord, policy: dict[str, Any]) -> None:
            kept = [s for s in policy["Statement"] if s.get("Sid") != label]
            if len(kept) == len(policy["Statement"]):
                raise invalid_parameter(
                    f"Invalid parameter: Label Reason: no statement with label {label} in the "
                    "topic's policy"
                )
            policy["Statement"] = kept

        await self._edit_policy(ctx, params["TopicArn"], remove)
        return {}

    async def _edit_policy(self, ctx: RequestContext, arn: str, edit: Any) -> None:
        """Apply `edit(topic, policy)` to the topic's policy and store it, unless the topic
        changed meanwhile (then start over with the new version)."""
        arn = (await self.topic(ctx, arn)).arn
        while True:
            raw = await self.meta.get(TOPICS, arn)
            if raw is None:
                raise topic_not_found()
            topic = TopicRecord.decode(raw.value)
            policy = _policy(topic)
            edit(topic, policy)
            if policy["Statement"]:
                text = json.dumps(policy, separators=(",", ":"))
                topic.attributes["Policy"] = check_attribute(
                    "Policy", text, fifo=topic.fifo, creating=False
                )
            else:  # no statement left: the topic is back to AWS's default policy
                topic.attributes.pop("Policy", None)
            try:
                await self.meta.commit([Put(TOPICS, arn, topic.encode(), expect=raw.version)])
            except ConditionFailed:
                continue
            return


def _check_request(accounts: list[str], actions: list[str]) -> None:
    if not accounts or not all(isinstance(a, str) and _ACCOUNT.fullmatch(a) for a in accounts):
        raise invalid_parameter("Invalid parameter: AWSAccountId")
    if not actions:
        raise invalid_parameter("Invalid parameter: ActionName")
    if any(action not in ACTIONS for action in actions):
        raise invalid_parameter("Invalid parameter: Policy statement action out of service scope!")


def _policy(topic: TopicRecord) -> dict[str, Any]:
    policy: dict[str, Any] = json.loads(topic.attributes.get("Policy") or default_policy(topic))
    return with_statement_list(policy)


def _statement(
    topic: TopicRecord, label: str, accounts: list[str], actions: list[str]
) -> dict[str, Any]:
    return account_grant(label, accounts, [f"SNS:{action}" for action in actions], topic.arn)
