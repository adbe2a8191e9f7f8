"""The stored form of a bucket's notification configuration, and the pure rules over it:
which event types a configured type covers (exact, or a "s3:<Category>:*" wildcard) and when
two key filters can both match a key (prefix and suffix values are taken URL-encoded, as S3
takes them: "red%20flower" stands for the key text "red flower")."""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import unquote

from ownstack.core.records import JsonRecord

EVENTS = frozenset(
    {
        "s3:ReducedRedundancyLostObject",
        "s3:ObjectCreated:*",
        "s3:ObjectCreated:Put",
        "s3:ObjectCreated:Post",
        "s3:ObjectCreated:Copy",
        "s3:ObjectCreated:CompleteMultipartUpload",
        "s3:ObjectRemoved:*",
        "s3:ObjectRemoved:Delete",
        "s3:ObjectRemoved:DeleteMarkerCreated",
        "s3:ObjectRestore:*",
        "s3:ObjectRestore:Post",
        "s3:ObjectRestore:Completed",
        "s3:ObjectRestore:Delete",
        "s3:Replication:*",
        "s3:Replication:OperationFailedReplication",
        "s3:Replication:OperationNotTracked",
        "s3:Replication:OperationMissedThreshold",
        "s3:Replication:OperationReplicatedAfterThreshold",
        "s3:LifecycleTransition",
        "s3:IntelligentTiering",
        "s3:ObjectAcl:Put",
        "s3:LifecycleExpiration:*",
        "s3:LifecycleExpiration:Delete",
        "s3:LifecycleExpiration:DeleteMarkerCreated",
        "s3:ObjectTagging:*",
        "s3:ObjectTagging:Put",
        "s3:ObjectTagging:Delete",
    }
)
"""The event types a configuration may name (the S3 model's Event enum)."""


@dataclass(slots=True)
class FilterRule(JsonRecord):
    name: str
    """"Prefix" or "Suffix", as GetBucketNotificationConfiguration names them."""
    value: str


@dataclass(slots=True)
class Rule(JsonRecord):
    """One queue, topic or function configuration."""

    id: str
    kind: str
    """"queue", "topic" or "lambda"."""
    arn: str
    events: list[str]
    filters: list[FilterRule] = field(default_factory=list)


@dataclass(slots=True)
class NotificationConfig(JsonRecord):
    rules: list[Rule] = field(default_factory=list)
    eventbridge: bool = False

    @property
    def empty(self) -> bool:
        return not self.rules and not self.eventbridge


def event_includes(pattern: str, event: str) -> bool:
    """Whether the configured event type `pattern` covers the event type `event` (both with
    their "s3:" prefix): equal, or `pattern` is the wildcard of `event`'s category."""
    if pattern == event:
        return True
    return pattern.endswith(":*") and event.startswith(pattern[:-1])


def shared_event(first: list[str], second: list[str]) -> str | None:
    """An event type of `first` that overlaps one of `second` (None: they share none)."""
    for a in first:
        for b in second:
            if event_includes(a, b) or event_includes(b, a):
                return a
    return None


def key_bounds(rule: Rule) -> tuple[str, str]:
    """The rule's prefix and suffix as key text (their values URL-decoded), "" for none."""
    prefix = suffix = ""
    for item in rule.filters:
        if item.name == "Prefix":
            prefix = unquote(item.value)
        else:
            suffix = unquote(item.value)
    return prefix, suffix


def filters_overlap(first: Rule, second: Rule) -> bool:
    """Whether some key could match both rules' filters (one prefix starts the other and one
    suffix ends the other): S3 refuses such rules for a shared event type."""
    p1, s1 = key_bounds(first)
    p2, s2 = key_bounds(second)
    prefixes = p1.startswith(p2) or p2.startswith(p1)
    suffixes = s1.endswith(s2) or s2.endswith(s1)
    return prefixes and suffixes
