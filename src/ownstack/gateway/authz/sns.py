"""SNS: the topic ARN is in the request (TopicArn, ResourceArn, TargetArn), built from Name
(CreateTopic), or taken from a subscription ARN (`<topic arn>:<subscription id>`): subscription
operations are authorised on their topic, as the reference's actions say (resource type topic).
PublishBatch is authorised as sns:Publish: the reference has no PublishBatch action, and SNS's
PublishBatch API page names sns:Publish as the permission it needs."""

from __future__ import annotations

from .arns import ArnTemplate
from .conditions import aws_tag_conditions, from_param
from .derive import ServiceSpec, direct, fill, first_of, renamed
from .model import Params, Resolver, Scope


def topic_of_subscription(arn: str) -> str | None:
    """The topic of `arn:aws:sns:<region>:<account>:<topic>:<subscription id>`, or None when
    `arn` is not a subscription ARN."""
    parts = arn.split(":")
    if len(parts) != 7 or parts[:3] != ["arn", "aws", "sns"] or not all(parts[3:]):
        return None
    return ":".join(parts[:6])


def _by_subscription(members: frozenset[str], template: ArnTemplate) -> Resolver | None:
    if "SubscriptionArn" not in members:
        return None

    def resolve(params: Params, scope: Scope) -> str | None:
        return topic_of_subscription(str(params.get("SubscriptionArn") or ""))

    return resolve


def sns_spec() -> ServiceSpec:
    conditions = aws_tag_conditions(["Tags"])
    conditions["sns:protocol"] = from_param("sns:protocol", "Protocol")
    conditions["sns:endpoint"] = from_param("sns:endpoint", "Endpoint")
    return ServiceSpec(
        prefix="sns",
        resolvers={
            "topic": first_of(
                direct("TopicArn", "ResourceArn", "TargetArn"),
                _by_subscription,
                fill(TopicName="Name"),
            ),
        },
        conditions=conditions,
        exceptions={"PublishBatch": renamed("Publish")},
    )
