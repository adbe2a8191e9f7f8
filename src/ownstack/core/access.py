"""What the gateway asks a service about one of its resources before authorising a request.

A service that owns resources with resource-based policies (S3 buckets, SQS queues, SNS
topics, ...) implements `resource_facts(ctx, arn)`; the gateway calls it and never reads a
service's records itself.
"""

from __future__ import annotations

from collections.abc import Awaitable, Mapping
from dataclasses import dataclass, field
from typing import Protocol

from .context import RequestContext


@dataclass(frozen=True, slots=True)
class ResourceFacts:
    owner: str
    """The account that owns the resource."""
    policy: str = ""
    """The resource-based policy (JSON text); empty when it has none."""
    tags: Mapping[str, str] = field(default_factory=dict)
    """The resource's tags (aws:ResourceTag/<key>)."""
    arn: str = ""
    """The resource's ARN as policies name it, when the request named it otherwise (an IAM
    user by name, whose ARN holds its path); empty: the ARN asked about."""
    key_schema: tuple[str, ...] = ()
    """A DynamoDB table's or index's key attribute names, partition key first: the request's
    values of its partition key are the dynamodb:LeadingKeys condition key."""


class ResourceFactsSource(Protocol):
    def resource_facts(self, ctx: RequestContext, arn: str) -> Awaitable[ResourceFacts | None]:
        """Facts about the resource `arn` names; None when it does not exist."""
        ...
