"""RedrivePolicy and RedriveAllowPolicy: parsed, checked against the queues they name, stored
in AWS's normalized JSON form."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from ownstack.core.errors import ServiceError

from .errors import invalid_value
from .records import QueueRecord, parse_queue_arn

FindArn = Callable[[str], Awaitable[QueueRecord | None]]
_PERMISSIONS = ("allowAll", "denyAll", "byQueue")
MAX_SOURCE_ARNS = 10


@dataclass(frozen=True, slots=True)
class RedrivePolicy:
    target_arn: str
    max_receives: int


def _invalid(name: str, value: str, reason: str) -> ServiceError:
    return invalid_value(name, value, reason)


def parse_redrive_policy(value: str) -> RedrivePolicy | None:
    """The stored (or given) policy; None when unset."""
    if not value:
        return None
    doc = json.loads(value)
    target = doc.get("deadLetterTargetArn")
    if not isinstance(target, str) or not target:
        raise _invalid(
            "RedrivePolicy",
            value,
            "Redrive policy does not contain mandatory attribute: deadLetterTargetArn",
        )
    count = doc.get("maxReceiveCount")
    if count is None:
        raise _invalid(
            "RedrivePolicy",
            value,
            "Redrive policy does not contain mandatory attribute: maxReceiveCount",
        )
    if not _int_between(count, 1, 1000):
        raise _invalid(
            "RedrivePolicy",
            value,
            f"Invalid value for maxReceiveCount: {count}, valid values are from 1 to 1000 both "
            "inclusive",
        )
    return RedrivePolicy(target, int(count))


def _int_between(value: Any, low: int, high: int) -> bool:
    if isinstance(value, bool):
        return False
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        value = int(value)
    return isinstance(value, int) and low <= value <= high


async def check_redrive_policy(value: str, source: QueueRecord, find_arn: FindArn) -> str:
    """The policy in stored form, after checking the dead-letter queue exists, is of the
    source's type and allows the source. "" clears it."""
    policy = parse_redrive_policy(value)
    if policy is None:
        return ""
    if parse_queue_arn(policy.target_arn) is None:
        raise _invalid("RedrivePolicy", value, "Invalid value for deadLetterTargetArn")
    target = await find_arn(policy.target_arn)
    if target is None:
        raise _invalid("RedrivePolicy", value, "Dead letter target does not exist")
    if target.fifo != source.fifo:
        raise _invalid(
            "RedrivePolicy", value, "Dead-letter queue must be same type of queue as the source."
        )
    if not allows_source(target.attributes.get("RedriveAllowPolicy", ""), source.arn):
        raise _invalid(
            "RedrivePolicy",
            value,
            f"Queue {target.arn} does not allow {source.arn} to use it as a dead-letter queue",
        )
    return json.dumps(
        {"deadLetterTargetArn": policy.target_arn, "maxReceiveCount": policy.max_receives},
        separators=(",", ":"),
    )


def check_redrive_allow_policy(value: str) -> str:
    """The policy in stored form; "" clears it."""
    if not value:
        return ""
    doc = json.loads(value)
    permission = doc.get("redrivePermission")
    arns = doc.get("sourceQueueArns")
    if permission not in _PERMISSIONS:
        raise _invalid(
            "RedriveAllowPolicy",
            value,
            "Invalid value for redrivePermission: must be one of allowAll, denyAll, byQueue",
        )
    if permission == "byQueue":
        if not isinstance(arns, list) or not 1 <= len(arns) <= MAX_SOURCE_ARNS:
            raise _invalid(
                "RedriveAllowPolicy",
                value,
                f"Amazon SQS supports from 1 to {MAX_SOURCE_ARNS} source queue ARNs for "
                "redrivePermission byQueue",
            )
        if not all(isinstance(a, str) and parse_queue_arn(a) for a in arns):
            raise _invalid("RedriveAllowPolicy", value, "Invalid sourceQueueArns")
    elif arns is not None:
        raise _invalid(
            "RedriveAllowPolicy",
            value,
            "sourceQueueArns can only be specified when redrivePermission is byQueue",
        )
    out: dict[str, Any] = {"redrivePermission": permission}
    if permission == "byQueue":
        out["sourceQueueArns"] = arns
    return json.dumps(out, separators=(",", ":"))


def allows_source(allow_policy: str, source_arn: str) -> bool:
    if not allow_policy:
        return True
    doc = json.loads(allow_policy)
    permission = doc.get("redrivePermission")
    if permission == "denyAll":
        return False
    if permission == "byQueue":
        return source_arn in (doc.get("sourceQueueArns") or [])
    return True
