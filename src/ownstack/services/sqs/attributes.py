"""Queue attributes: which exist, their defaults, limits and normalized form.

Records store only what was set; `effective` adds the defaults. RedrivePolicy and
RedriveAllowPolicy are checked against other queues in redrive.py; here only their JSON form.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping

from ownstack.core.errors import ServiceError
from ownstack.policy import PolicyError, parse_policy
from ownstack.ports.queues import DEDUP_WINDOW, QueueSpec

from .errors import invalid_attribute_name, invalid_attribute_value

DEFAULTS = {
    "DelaySeconds": "0",
    # "The default is 1,048,576 bytes (1 MiB)" since 2025-08-04 (262,144 before).
    "MaximumMessageSize": "1048576",
    "MessageRetentionPeriod": "345600",
    "ReceiveMessageWaitTimeSeconds": "0",
    "VisibilityTimeout": "30",
    "SqsManagedSseEnabled": "true",
}
FIFO_DEFAULTS = {
    "FifoQueue": "true",
    "ContentBasedDeduplication": "false",
    "DeduplicationScope": "queue",
    "FifoThroughputLimit": "perQueue",
}
_RANGES = {
    "DelaySeconds": (0, 900),
    "MaximumMessageSize": (1024, 1_048_576),
    "MessageRetentionPeriod": (60, 1_209_600),
    "ReceiveMessageWaitTimeSeconds": (0, 20),
    "VisibilityTimeout": (0, 43_200),
    "KmsDataKeyReusePeriodSeconds": (60, 86_400),
}
_CHOICES = {
    "DeduplicationScope": ("messageGroup", "queue"),
    "FifoThroughputLimit": ("perQueue", "perMessageGroupId"),
}
_BOOLEANS = ("SqsManagedSseEnabled", "ContentBasedDeduplication", "FifoQueue")
_JSON = ("Policy", "RedrivePolicy", "RedriveAllowPolicy")
FIFO_ONLY = frozenset(FIFO_DEFAULTS)
SETTABLE = frozenset([*_RANGES, *_CHOICES, *_BOOLEANS, *_JSON, "KmsMasterKeyId"])
COMPUTED = (
    "ApproximateNumberOfMessages",
    "ApproximateNumberOfMessagesNotVisible",
    "ApproximateNumberOfMessagesDelayed",
    "CreatedTimestamp",
    "LastModifiedTimestamp",
    "QueueArn",
)
READABLE = frozenset([*SETTABLE, *COMPUTED])


def normalize(attrs: Mapping[str, str], fifo: bool, *, creating: bool) -> dict[str, str]:
    """The attributes validated and in stored form. Raises InvalidAttributeName /
    InvalidAttributeValue."""
    out: dict[str, str] = {}
    for name, value in attrs.items():
        if name == "FifoQueue" and fifo and not creating:
            _check_type_kept(value)  # a FIFO queue may restate its type, never change it
            continue
        settable = name in SETTABLE and (creating or name != "FifoQueue")
        if not settable or (name in FIFO_ONLY and not fifo):
            raise invalid_attribute_name(name)
        out[name] = _normalize_one(name, value)
    if out.get("KmsMasterKeyId") and out.get("SqsManagedSseEnabled") == "true":
        raise ServiceError(
            "InvalidAttributeName",
            "You can use one type of server-side encryption (SSE) at one time. You can either "
            "enable KMS SSE or SQS SSE.",
            400,
        )
    per_group = out.get("FifoThroughputLimit") == "perMessageGroupId"
    if fifo and per_group and out.get("DeduplicationScope", "queue") != "messageGroup":
        raise invalid_attribute_value(
            "FifoThroughputLimit",
            "The perMessageGroupId value is allowed only when the value for "
            "DeduplicationScope is messageGroup",
        )
    return out


def _check_type_kept(value: str) -> None:
    if value.strip().lower() != "true":
        raise ServiceError(
            "InvalidAttributeValue",
            "Invalid value for the parameter FifoQueue. Reason: Modifying queue type is not "
            "supported.",
            400,
        )


def _normalize_one(name: str, value: str) -> str:
    check = _CHECKS.get(name)
    if check is not None:
        return check(name, value)
    return value


def _integer(name: str, value: str) -> str:
    low, high = _RANGES[name]
    text = value.strip()
    if not text.lstrip("-").isdigit() or not low <= int(text) <= high:
        raise invalid_attribute_value(name)
    return str(int(text))


def _boolean(name: str, value: str) -> str:
    lowered = value.strip().lower()
    if lowered not in ("true", "false"):
        raise invalid_attribute_value(name)
    return lowered


def _choice(name: str, value: str) -> str:
    if value not in _CHOICES[name]:
        raise invalid_attribute_value(name)
    return value


def _json_object(name: str, value: str) -> str:
    try:
        doc = json.loads(value) if value else {}
    except ValueError:
        doc = None
    if not isinstance(doc, dict):
        raise invalid_attribute_value(name)
    if name == "Policy" and value:
        _access_policy(value)
    return value


def _access_policy(value: str) -> None:
    """A queue policy is enforced on every request, so it must be one IAM can read."""
    try:
        parse_policy(value, "resource")
    except PolicyError as exc:
        raise invalid_attribute_value("Policy", exc.message) from exc


_CHECKS: dict[str, Callable[[str, str], str]] = {
    **dict.fromkeys(_RANGES, _integer),
    **dict.fromkeys(_BOOLEANS, _boolean),
    **dict.fromkeys(_CHOICES, _choice),
    **dict.fromkeys(_JSON, _json_object),
}


def effective(stored: Mapping[str, str], fifo: bool) -> dict[str, str]:
    """Every settable attribute's value: the stored ones over the defaults."""
    out = dict(DEFAULTS)
    if fifo:
        out.update(FIFO_DEFAULTS)
    if stored.get("KmsMasterKeyId"):
        # SSE-KMS replaces SSE-SQS: such a queue shows SqsManagedSseEnabled false, as on AWS.
        out["SqsManagedSseEnabled"] = "false"
        out["KmsDataKeyReusePeriodSeconds"] = "300"
    out.update(stored)
    return {name: value for name, value in out.items() if value != ""}


def int_attribute(stored: Mapping[str, str], name: str) -> int:
    return int(stored.get(name, DEFAULTS[name]))


def queue_spec(stored: Mapping[str, str], fifo: bool) -> QueueSpec:
    return QueueSpec(
        fifo=fifo,
        retention=float(int_attribute(stored, "MessageRetentionPeriod")),
        dedup_window=DEDUP_WINDOW,
        dedup_per_group=stored.get("DeduplicationScope") == "messageGroup",
    )
