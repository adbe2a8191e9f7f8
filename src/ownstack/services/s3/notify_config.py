"""A bucket's notification configuration: its stored form, how PutBucketNotificationConfiguration
checks what it is given (S3's InvalidArgument messages), and what GetBucket... answers.

Stored as JSON text in the bucket record's `notification` member ("" for none), so a write to
a bucket without notifications pays for nothing but reading an empty string.
"""

from __future__ import annotations

import base64
import uuid
from typing import Any

from ownstack.core.errors import ServiceError

from .errors import invalid_argument, malformed_xml
from .notify_rules import (
    EVENTS,
    FilterRule,
    NotificationConfig,
    Rule,
    filters_overlap,
    shared_event,
)
from .records import BucketRecord

QUEUE, TOPIC, LAMBDA = "queue", "topic", "lambda"
# (the list in the request and answer, the ARN member, the ARN's service) by kind
KINDS = {
    QUEUE: ("QueueConfigurations", "QueueArn", "sqs"),
    TOPIC: ("TopicConfigurations", "TopicArn", "sns"),
    LAMBDA: ("LambdaFunctionConfigurations", "LambdaFunctionArn", "lambda"),
}
MAX_FILTER_VALUE_BYTES = 1024
MAX_ID_CHARS = 255


def parse_configuration(request: Any, bucket: BucketRecord) -> NotificationConfig:
    """The configuration a PutBucketNotificationConfiguration gives, checked as S3 checks it
    (everything but its destinations, which notify_validate.py checks)."""
    request = request or {}
    config = NotificationConfig(eventbridge=request.get("EventBridgeConfiguration") is not None)
    for kind, (member, arn_member, service) in KINDS.items():
        for item in request.get(member) or []:
            config.rules.append(_rule(kind, item, arn_member, service, bucket))
    _check_ids(config.rules)
    for i, rule in enumerate(config.rules):
        for other in config.rules[:i]:
            event = shared_event(rule.events, other.events)
            if event is not None and filters_overlap(rule, other):
                raise _overlap(rule, other, event)
    return config


def _rule(
    kind: str,
    item: dict[str, Any],
    arn_member: str,
    service: str,
    bucket: BucketRecord,
) -> Rule:
    arn, events = item.get(arn_member), item.get("Events")
    if not isinstance(arn, str) or not arn or not events:
        raise malformed_xml()
    for event in events:
        if event not in EVENTS:
            raise invalid_argument("The event is not supported for notifications", "Event", event)
    _check_arn(arn, arn_member, service, bucket)
    rule_id = str(item.get("Id") or "") or _generated_id()
    if len(rule_id) > MAX_ID_CHARS:
        raise invalid_argument(f"ID length exceeded allowed limit of {MAX_ID_CHARS}", "Id", rule_id)
    filters = _filters(item.get("Filter"))
    return Rule(rule_id, kind, arn, list(dict.fromkeys(events)), filters)


def _generated_id() -> str:
    """An Id for a configuration given without one: S3 makes a base64-encoded UUID."""
    return base64.b64encode(str(uuid.uuid4()).encode()).decode()


def _check_arn(arn: str, member: str, service: str, bucket: BucketRecord) -> None:
    parts = arn.split(":")
    lambda_arn = service == "lambda" and len(parts) in (7, 8) and parts[5] == "function"
    plain = service != "lambda" and len(parts) == 6
    if parts[0] != "arn" or parts[2] != service or not (lambda_arn or plain) or not all(parts):
        raise invalid_argument("The ARN could not be parsed", member, arn)
    if parts[3] != bucket.region:
        raise invalid_argument(
            "The notification destination service region is not valid for the bucket location"
            " constraint",
            member,
            arn,
        )


def _filters(raw: Any) -> list[FilterRule]:
    if raw is None:
        return []
    rules = ((raw or {}).get("Key") or {}).get("FilterRules") or []
    seen: set[str] = set()
    out: list[FilterRule] = []
    for item in rules:
        name, value = str(item.get("Name") or ""), str(item.get("Value") or "")
        canonical = name.capitalize()
        if canonical not in ("Prefix", "Suffix"):
            raise invalid_argument("filter rule name must be either prefix or suffix", name, value)
        if canonical in seen:
            raise invalid_argument(
                f"Cannot specify more than one {canonical.lower()} rule in a filter.", name, value
            )
        if len(value.encode("utf-8", "surrogatepass")) > MAX_FILTER_VALUE_BYTES:
            raise invalid_argument(
                "Size of filter rule value cannot exceed 1024 bytes in UTF-8 representation",
                name,
                value,
            )
        seen.add(canonical)
        out.append(FilterRule(canonical, value))
    return out


def _check_ids(rules: list[Rule]) -> None:
    seen: set[str] = set()
    for rule in rules:
        if rule.id in seen:
            raise invalid_argument(
                "Same ID used for multiple configurations. IDs must be unique.", "Id", rule.id
            )
        seen.add(rule.id)


def _overlap(rule: Rule, other: Rule, event: str) -> ServiceError:
    if not rule.filters and not other.filters:
        return invalid_argument(
            "Configurations overlap. Configurations on the same bucket cannot share a common"
            " event type.",
            "Event",
            event,
        )
    return invalid_argument(
        "Configuration is ambiguously defined. Cannot have overlapping suffixes in two rules if"
        " the prefixes are overlapping for the same event type.",
        "Event",
        event,
    )


def stored_text(config: NotificationConfig) -> str:
    """What the bucket record keeps: "" for an empty configuration (notifications off)."""
    return "" if config.empty else config.encode().decode()


def wire_configuration(text: str) -> dict[str, Any]:
    """GetBucketNotificationConfiguration's answer for the stored `text`."""
    if not text:
        return {}
    config = NotificationConfig.decode(text.encode())
    out: dict[str, Any] = {}
    for kind, (member, arn_member, _) in KINDS.items():
        items = [_wire_rule(r, arn_member) for r in config.rules if r.kind == kind]
        if items:
            out[member] = items
    if config.eventbridge:
        out["EventBridgeConfiguration"] = {}
    return out


def _wire_rule(rule: Rule, arn_member: str) -> dict[str, Any]:
    item: dict[str, Any] = {"Id": rule.id, arn_member: rule.arn, "Events": list(rule.events)}
    if rule.filters:
        rules = [{"Name": f.name, "Value": f.value} for f in rule.filters]
        item["Filter"] = {"Key": {"FilterRules": rules}}
    return item
