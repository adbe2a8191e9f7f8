"""Subscriptions: Subscribe, ListSubscriptions(ByTopic)."""

from __future__ import annotations

import secrets
import uuid
from typing import Any
from urllib.parse import urlsplit

from ownstack.core.context import RequestContext
from ownstack.core.service import Params, Result
from ownstack.core.tokens import opaque_token
from ownstack.events.egress import EgressPolicy
from ownstack.ports.meta import Op, Put

from .base import PAGE_SIZE, decode_token
from .confirm_ops import ConfirmationOps
from .confirmations import SUBSCRIBE
from .errors import invalid_parameter
from .names import account_prefix, is_lambda_arn, is_sqs_arn
from .records import SUBSCRIPTIONS, TOKEN_TTL, TOKENS, SubscriptionRecord, TokenRecord, TopicRecord
from .sub_attrs import apply_attributes

PROTOCOLS = ("sqs", "http", "https", "lambda")
PENDING = "pending confirmation"
"""What Subscribe returns for an unconfirmed subscription (without ReturnSubscriptionArn)."""
LISTED_PENDING = "PendingConfirmation"
SUBSCRIPTION_DEFAULTS = {"RawMessageDelivery": "false", "FilterPolicyScope": "MessageAttributes"}


def check_endpoint(protocol: str, endpoint: str, topic: TopicRecord) -> None:
    if protocol not in PROTOCOLS:
        raise invalid_parameter(
            f"Invalid parameter: Amazon SNS does not support this protocol string: {protocol}"
        )
    if protocol == "sqs" and not is_sqs_arn(endpoint):
        raise invalid_parameter("Invalid parameter: SQS endpoint ARN")
    if protocol == "lambda" and not is_lambda_arn(endpoint):
        raise invalid_parameter("Invalid parameter: Lambda endpoint ARN")
    if protocol in ("http", "https") and not endpoint.lower().startswith(f"{protocol}://"):
        raise invalid_parameter("Invalid parameter: Endpoint must match the specified protocol")
    if protocol == "sqs" and endpoint.endswith(".fifo") and not topic.fifo:
        raise invalid_parameter(
            "Invalid parameter: Invalid parameter: Endpoint Reason: FIFO SQS Queues can not be "
            "subscribed to standard SNS topics"
        )
    if topic.fifo and protocol != "sqs":
        raise invalid_parameter(
            f"Invalid parameter: Endpoint Reason: FIFO topics do not support the {protocol} "
            "protocol"
        )


def check_egress(protocol: str, endpoint: str, egress: EgressPolicy) -> None:
    """An http(s) endpoint the egress policy refuses without asking DNS (a denied literal
    address, a denied name) is refused at once; other names are checked at each delivery."""
    if protocol not in ("http", "https"):
        return
    try:
        host = urlsplit(endpoint).hostname
    except ValueError:
        host = None
    if not host or egress.refuses_name(host):
        raise invalid_parameter("Invalid parameter: Endpoint")


class SubscriptionOps(ConfirmationOps):
    async def subscribe(self, ctx: RequestContext, params: Params) -> Result:
        topic = await self.topic(ctx, params["TopicArn"])
        protocol = params["Protocol"].lower()
        endpoint = params.get("Endpoint") or ""
        check_endpoint(protocol, endpoint, topic)
        check_egress(protocol, endpoint, self.egress)
        given = dict(params.get("Attributes") or {})
        fifo_pair = topic.fifo and endpoint.endswith(".fifo")
        attrs = apply_attributes(
            protocol, {}, given, reason="Attributes Reason: ", fifo_pair=fifo_pair
        )
        existing = await self._existing(topic.arn, protocol, endpoint)
        if existing is not None:
            if not _same_attributes(existing.attributes, attrs):
                raise invalid_parameter(
                    "Invalid parameter: Attributes Reason: Subscription already exists with "
                    "different attributes"
                )
            sub = existing
        else:
            sub = await self._create(ctx, topic, protocol, endpoint, attrs)
        if not sub.confirmed:
            await self.send_confirmation(ctx, topic, sub, sub.token, SUBSCRIBE)
        show_arn = sub.confirmed or params.get("ReturnSubscriptionArn")
        return {"SubscriptionArn": sub.arn if show_arn else PENDING}

    async def _existing(
        self, topic_arn: str, protocol: str, endpoint: str
    ) -> SubscriptionRecord | None:
        for sub in await self.topic_subscriptions(topic_arn):
            if sub.protocol == protocol and sub.endpoint == endpoint:
                return sub
        return None

    async def _create(
        self,
        ctx: RequestContext,
        topic: TopicRecord,
        protocol: str,
        endpoint: str,
        attrs: dict[str, str],
    ) -> SubscriptionRecord:
        needs_confirmation = protocol in ("http", "https")
        sub = SubscriptionRecord(
            arn=f"{topic.arn}:{uuid.uuid4()}",
            topic_arn=topic.arn,
            protocol=protocol,
            endpoint=endpoint,
            owner=ctx.account_id,
            created=self.clock.now(),
            confirmed=not needs_confirmation,
            # Confirmed at once by the signed Subscribe call itself, as AWS reports.
            authenticated=not needs_confirmation,
            token=secrets.token_hex(64) if needs_confirmation else "",
            attributes=attrs,
        )
        ops: list[Op] = [Put(SUBSCRIPTIONS, sub.arn, sub.encode())]
        if sub.token:
            token = TokenRecord(sub.arn, sub.created + TOKEN_TTL)
            ops.append(Put(TOKENS, sub.token, token.encode()))
        await self.meta.commit(ops)
        return sub

    async def list_subscriptions(self, ctx: RequestContext, params: Params) -> Result:
        prefix = account_prefix(ctx.region, ctx.account_id)
        return await self._page(prefix, params.get("NextToken"))

    async def list_subscriptions_by_topic(self, ctx: RequestContext, params: Params) -> Result:
        topic = await self.topic(ctx, params["TopicArn"])
        return await self._page(topic.arn + ":", params.get("NextToken"))

    async def _page(self, prefix: str, token: str | None) -> Result:
        after = decode_token(token, prefix)
        entries: list[dict[str, Any]] = []
        last = ""
        async for sub in self.scan_subscriptions(prefix, after):
            if len(entries) == PAGE_SIZE:
                return {"Subscriptions": entries, "NextToken": opaque_token(last)}
            entries.append(_listed(sub))
            last = sub.arn
        return {"Subscriptions": entries}


def _same_attributes(existing: dict[str, str], given: dict[str, str]) -> bool:
    """Subscribing again is idempotent when each attribute given matches the subscription's
    (or its default when it has none); attributes left out are not compared, as on AWS."""
    return all(existing.get(k, SUBSCRIPTION_DEFAULTS.get(k)) == v for k, v in given.items())


def _listed(sub: SubscriptionRecord) -> dict[str, Any]:
    return {
        "SubscriptionArn": sub.arn if sub.confirmed else LISTED_PENDING,
        "Owner": sub.owner,
        "Protocol": sub.protocol,
        "Endpoint": sub.endpoint,
        "TopicArn": sub.topic_arn,
    }
