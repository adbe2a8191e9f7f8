"""Subscription attributes: validation (Subscribe, SetSubscriptionAttributes) and what
GetSubscriptionAttributes shows."""

from __future__ import annotations

import json
from collections.abc import Mapping

from .delivery_policy import RetryPolicy, check_subscription_policy, effective_policy
from .errors import invalid_parameter
from .filter_policy import parse_policy
from .names import is_sqs_arn
from .records import SubscriptionRecord, TopicRecord

SETTABLE = frozenset(
    {
        "DeliveryPolicy",
        "FilterPolicy",
        "FilterPolicyScope",
        "RawMessageDelivery",
        "RedrivePolicy",
        "SubscriptionRoleArn",
        "ReplayPolicy",
    }
)
SCOPES = ("MessageAttributes", "MessageBody")
RAW_PROTOCOLS = ("sqs", "http", "https", "firehose")


def apply_attributes(
    protocol: str,
    current: Mapping[str, str],
    changes: Mapping[str, str],
    reason: str = "",
    fifo_pair: bool = False,
) -> dict[str, str]:
    """`current` with `changes` applied (an empty value removes an attribute), validated as a
    whole; InvalidParameter as AWS words it. `reason` is "Attributes Reason: " for Subscribe,
    whose messages AWS words so, and "" for SetSubscriptionAttributes. `fifo_pair`: a FIFO
    queue subscribed to a FIFO topic, whose dead-letter queue must be FIFO too."""
    merged = dict(current)
    for name, value in changes.items():
        if name not in SETTABLE:
            raise invalid_parameter("Invalid parameter: AttributeName")
        if name == "RawMessageDelivery":
            _check_raw(value, reason)  # an empty value is refused here, not a removal
        if value == "":
            merged.pop(name, None)
        else:
            merged[name] = value
    _check(protocol, merged)
    if fifo_pair and "RedrivePolicy" in merged:
        _check_fifo_dead_letter(merged["RedrivePolicy"])
    return merged


def _check_fifo_dead_letter(redrive: str) -> None:
    if not str(json.loads(redrive)["deadLetterTargetArn"]).endswith(".fifo"):
        raise invalid_parameter(
            "Invalid parameter: RedrivePolicy: must use a FIFO queue as DLQ for a FIFO "
            "Subscription to a FIFO Topic."
        )


def _check_raw(value: str, reason: str) -> None:
    if value.lower() not in ("true", "false"):
        raise invalid_parameter(
            f"Invalid parameter: {reason}RawMessageDelivery: Invalid value [{value}]. "
            "Must be true or false."
        )


def _check(protocol: str, attrs: dict[str, str]) -> None:
    raw = attrs.get("RawMessageDelivery")
    if raw is not None:
        if protocol not in RAW_PROTOCOLS:
            raise invalid_parameter(
                f"Invalid parameter: Attributes Reason: Delivery protocol [{protocol}] does not "
                "support raw message delivery."
            )
        attrs["RawMessageDelivery"] = raw.lower()
    scope = attrs.get("FilterPolicyScope", "MessageAttributes")
    if scope not in SCOPES:
        raise invalid_parameter(
            f"Invalid parameter: Attributes Reason: FilterPolicyScope: Invalid value [{scope}]. "
            "Please use either MessageBody or MessageAttributes"
        )
    if "FilterPolicy" in attrs:
        parse_policy(attrs["FilterPolicy"], scope)
    if "RedrivePolicy" in attrs:
        _check_redrive(attrs["RedrivePolicy"])
    if "DeliveryPolicy" in attrs:
        if protocol not in ("http", "https"):
            raise invalid_parameter(
                "Invalid parameter: DeliveryPolicy: only HTTP/S subscriptions have a delivery "
                "policy"
            )
        check_subscription_policy(attrs["DeliveryPolicy"])


def _check_redrive(text: str) -> None:
    try:
        doc = json.loads(text)
    except ValueError as exc:  # AWS appends its parser's complaint after a period
        raise invalid_parameter(
            f"Invalid parameter: RedrivePolicy: failed to parse JSON. {exc}"
        ) from None
    target = doc.get("deadLetterTargetArn") if isinstance(doc, dict) else None
    if not isinstance(target, str):
        raise invalid_parameter("Invalid parameter: RedrivePolicy: deadLetterTargetArn is missing")
    if not is_sqs_arn(target):
        raise invalid_parameter(
            "Invalid parameter: RedrivePolicy: deadLetterTargetArn is an invalid arn"
        )


def shown_attributes(sub: SubscriptionRecord, topic: TopicRecord | None) -> dict[str, str]:
    shown = {
        "SubscriptionArn": sub.arn,
        "TopicArn": sub.topic_arn,
        "Owner": sub.owner,
        "Protocol": sub.protocol,
        "Endpoint": sub.endpoint,
        "ConfirmationWasAuthenticated": "true" if sub.authenticated else "false",
        "PendingConfirmation": "false" if sub.confirmed else "true",
        "RawMessageDelivery": "false",
        "SubscriptionPrincipal": f"arn:aws:iam::{sub.owner}:root",
    }
    if sub.protocol in ("http", "https"):
        policy = effective_policy(topic.attributes if topic else {}, sub.attributes)
        shown["EffectiveDeliveryPolicy"] = json.dumps(_policy_document(policy))
    shown.update(sub.attributes)
    # The scope is shown only beside a policy, as AWS does (even when it was set alone).
    if "FilterPolicy" in sub.attributes:
        shown.setdefault("FilterPolicyScope", "MessageAttributes")
    else:
        shown.pop("FilterPolicyScope", None)
    return shown


def _policy_document(p: RetryPolicy) -> dict[str, object]:
    return {
        "healthyRetryPolicy": {
            "minDelayTarget": p.min_delay,
            "maxDelayTarget": p.max_delay,
            "numRetries": p.num_retries,
            "numMaxDelayRetries": p.max_delay_retries,
            "numNoDelayRetries": p.no_delay,
            "numMinDelayRetries": p.min_delay_retries,
            "backoffFunction": p.backoff,
        },
        "sicklyRetryPolicy": None,
        "throttlePolicy": None,
        "guaranteed": False,
    }
