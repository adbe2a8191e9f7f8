"""Topic attributes: which may be set, their validation, and what GetTopicAttributes shows."""

from __future__ import annotations

import json
from typing import Any

from ownstack.core.errors import ServiceError
from ownstack.core.kms import missing_key_message
from ownstack.policy import PolicyError, parse_policy

from .delivery_policy import check_topic_policy
from .errors import invalid_parameter
from .records import SubscriptionRecord, TopicRecord

SETTABLE = frozenset(
    {
        "DeliveryPolicy",
        "DisplayName",
        "Policy",
        "SignatureVersion",
        "TracingConfig",
        "KmsMasterKeyId",
        "ContentBasedDeduplication",
        "ArchivePolicy",
        "FifoThroughputScope",
        "DataProtectionPolicy",
    }
)
CREATE_ONLY = frozenset({"FifoTopic"})
_JSON_VALUED = ("DeliveryPolicy", "Policy", "ArchivePolicy", "DataProtectionPolicy")
_BOOLEAN = ("FifoTopic", "ContentBasedDeduplication")
_CHOICES = {
    "SignatureVersion": ("1", "2"),
    "TracingConfig": ("PassThrough", "Active"),
    "FifoThroughputScope": ("Topic", "MessageGroup"),
}
DEFAULTS = {
    "SignatureVersion": "1",
    "ContentBasedDeduplication": "false",
    "TracingConfig": "PassThrough",
}
"""What a topic that never set these attributes has (CreateTopic compares against them)."""
MANAGED_KEY_ALIAS = "alias/aws/sns"
"""The AWS managed key for SNS, which always exists on AWS; ownstack has no KMS and honours only
this one (SNS keeps no message at rest but pending HTTP deliveries: see http_jobs.py)."""
_UNSUPPORTED = {
    "ArchivePolicy": "message archiving and replay are not supported",
    "DataProtectionPolicy": "message data protection is not supported",
}
"""Settings ownstack would otherwise accept and ignore: it neither archives nor masks messages.
Clearing them (an empty value) is fine."""
DEFAULT_EFFECTIVE_DELIVERY_POLICY = {
    "http": {
        "defaultHealthyRetryPolicy": {
            "minDelayTarget": 20,
            "maxDelayTarget": 20,
            "numRetries": 3,
            "numMaxDelayRetries": 0,
            "numNoDelayRetries": 0,
            "numMinDelayRetries": 0,
            "backoffFunction": "linear",
        },
        "disableSubscriptionOverrides": False,
        "defaultRequestPolicy": {"headerContentType": "text/plain; charset=UTF-8"},
    }
}


def check_attribute(name: str, value: str, *, fifo: bool, creating: bool) -> str:
    """The value to store for attribute `name` (booleans lower-cased); InvalidParameter."""
    if name not in SETTABLE and not (creating and name in CREATE_ONLY):
        raise invalid_parameter("Invalid parameter: AttributeName")
    if name in _UNSUPPORTED and value:
        raise invalid_parameter(f"Invalid parameter: {name} Reason: {_UNSUPPORTED[name]}")
    if name in _BOOLEAN:
        if value.lower() not in ("true", "false"):
            raise invalid_parameter(f"Invalid parameter: {name}")
        value = value.lower()
    if name == "ContentBasedDeduplication" and value == "true" and not fifo:
        raise invalid_parameter(
            "Invalid parameter: ContentBasedDeduplication Reason: Content based deduplication "
            "can only be set for FIFO topics"
        )
    if name == "FifoThroughputScope" and not fifo:
        raise invalid_parameter(
            "Invalid parameter: FifoThroughputScope Reason: FifoThroughputScope can only be set "
            "for FIFO topics"
        )
    if name == "DisplayName" and len(value) > 100:
        raise invalid_parameter("Invalid parameter: DisplayName")
    if name in _CHOICES and value not in _CHOICES[name]:
        raise invalid_parameter(f"Invalid parameter: {name}")
    if name in _JSON_VALUED and value:
        _check_json_object(name, value)
    if name == "DeliveryPolicy" and value:
        check_topic_policy(value)
    if name == "Policy" and value:
        _check_access_policy(value)
    return value


def _check_access_policy(value: str) -> None:
    """A topic policy is enforced on every request, so it must be one IAM can read."""
    try:
        parse_policy(value, "resource")
    except PolicyError as exc:
        raise invalid_parameter(f"Invalid parameter: Policy Error: {exc.message}") from exc


def _check_json_object(name: str, value: str) -> None:
    try:
        parsed = json.loads(value)
    except ValueError:
        raise invalid_parameter(f"Invalid parameter: {name}: failed to parse JSON") from None
    if not isinstance(parsed, dict):
        raise invalid_parameter(f"Invalid parameter: {name}: must be a JSON object")


def kms_key_error(topic: TopicRecord) -> ServiceError | None:
    """Publish's error when the topic's KmsMasterKeyId names a key that does not exist (any
    key but the AWS managed one): SNS accepts such a key on the topic and fails every Publish
    with KMSNotFound, passing on KMS's wording (alias, key id and key ARN each have their own;
    anything else is not a key id)."""
    key = topic.attributes.get("KmsMasterKeyId", "")
    region, account_id = topic.arn.split(":")[3:5]
    arn_base = f"arn:aws:kms:{region}:{account_id}"
    if not key or key in (MANAGED_KEY_ALIAS, f"{arn_base}:{MANAGED_KEY_ALIAS}"):
        return None
    return ServiceError("KMSNotFound", missing_key_message(key, region, account_id), 400)


def default_policy(topic: TopicRecord) -> str:
    """The access policy AWS gives a topic created without one."""
    actions = [
        "SNS:GetTopicAttributes",
        "SNS:SetTopicAttributes",
        "SNS:AddPermission",
        "SNS:RemovePermission",
        "SNS:DeleteTopic",
        "SNS:Subscribe",
        "SNS:ListSubscriptionsByTopic",
        "SNS:Publish",
    ]
    statement = {
        "Sid": "__default_statement_ID",
        "Effect": "Allow",
        "Principal": {"AWS": "*"},
        "Action": actions,
        "Resource": topic.arn,
        "Condition": {"StringEquals": {"AWS:SourceOwner": topic.account_id}},
    }
    doc = {"Version": "2008-10-17", "Id": "__default_policy_ID", "Statement": [statement]}
    return json.dumps(doc, separators=(",", ":"))


def shown_attributes(topic: TopicRecord, subs: list[SubscriptionRecord]) -> dict[str, str]:
    confirmed = sum(1 for s in subs if s.confirmed)
    shown: dict[str, Any] = {
        "TopicArn": topic.arn,
        "Owner": topic.account_id,
        "Policy": default_policy(topic),
        "DisplayName": "",
        "SubscriptionsConfirmed": str(confirmed),
        "SubscriptionsPending": str(len(subs) - confirmed),
        "SubscriptionsDeleted": "0",
        "EffectiveDeliveryPolicy": json.dumps(DEFAULT_EFFECTIVE_DELIVERY_POLICY),
    }
    if topic.fifo:
        shown.update(FifoTopic="true", ContentBasedDeduplication="false")
    shown.update(topic.attributes)
    if "DeliveryPolicy" in topic.attributes:
        shown["EffectiveDeliveryPolicy"] = topic.attributes["DeliveryPolicy"]
    return shown
