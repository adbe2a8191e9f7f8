"""How SNS state is laid out in the metadata port. Existing data dirs depend on it.

Namespaces and keys:
  TOPICS               topic ARN        -> TopicRecord
  SUBSCRIPTIONS        subscription ARN -> SubscriptionRecord (the ARN is the topic's ARN, ":",
                       a uuid: a topic's subscriptions are one prefix scan)
  TOKENS               confirmation token -> TokenRecord (ConfirmSubscription; 3 days)
  SIGNING              "rsa"            -> SigningKeyRecord (the key notifications are signed with)
  dedup_ns(topic id)   dedup id         -> DedupRecord (FIFO topics, 5 minutes)
  sns:http             HTTP/S delivery jobs (http_jobs.py)
  sns:retry            retries of deliveries to Lambda and SQS (retry_jobs.py)

Topic and subscription ARNs begin with arn:aws:sns:<region>:<account>:, so listing an account's
topics or subscriptions in a region is a prefix scan too.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ownstack.core.records import JsonRecord

TOPICS = "sns:topics"
SUBSCRIPTIONS = "sns:subs"
TOKENS = "sns:tokens"
TOKEN_TTL = 3 * 86400.0
"""Seconds a confirmation token stays valid (AWS: three days)."""
SIGNING = "sns:signing"


def dedup_ns(topic_id: str) -> str:
    return f"sns:dedup:{topic_id}"


@dataclass(slots=True)
class TopicRecord(JsonRecord):
    arn: str
    name: str
    id: str
    """Opaque id naming the topic's dedup namespace: a re-created topic starts afresh."""
    account_id: str
    created: float
    fifo: bool = False
    attributes: dict[str, str] = field(default_factory=dict)
    """The attributes set by CreateTopic / SetTopicAttributes (Policy, DisplayName, ...)."""
    tags: dict[str, str] = field(default_factory=dict)


@dataclass(slots=True)
class SubscriptionRecord(JsonRecord):
    arn: str
    topic_arn: str
    protocol: str
    endpoint: str
    owner: str
    created: float
    confirmed: bool = True
    token: str = ""
    """The confirmation token while the subscription is pending (http, https)."""
    attributes: dict[str, str] = field(default_factory=dict)
    """DeliveryPolicy, FilterPolicy, FilterPolicyScope, RawMessageDelivery, RedrivePolicy..."""
    authenticated: bool = False
    """Whether the confirmation was made by a signed request (ConfirmationWasAuthenticated)."""
    authenticate_unsubscribe: bool = False
    """Confirmed with AuthenticateOnUnsubscribe: only a signed Unsubscribe removes it."""

    @property
    def raw_delivery(self) -> bool:
        return self.attributes.get("RawMessageDelivery", "false").lower() == "true"


@dataclass(slots=True)
class TokenRecord(JsonRecord):
    arn: str
    """The subscription the token confirms."""
    expires: float
    restore: SubscriptionRecord | None = None
    """UnsubscribeConfirmation tokens: the subscription that confirming brings back."""


@dataclass(slots=True)
class DedupRecord(JsonRecord):
    message_id: str
    sequence: str
    at: float


@dataclass(slots=True)
class SigningKeyRecord(JsonRecord):
    key_pem: str
    cert_pem: str
    key_id: str
    """Names the certificate's URL (SimpleNotificationService-<key_id>.pem)."""
