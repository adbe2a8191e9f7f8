"""GetSubscriptionAttributes and SetSubscriptionAttributes."""

from __future__ import annotations

from ownstack.core.context import RequestContext
from ownstack.core.service import Params, Result
from ownstack.ports.errors import ConditionFailed
from ownstack.ports.meta import Put

from .base import SnsBase
from .errors import subscription_not_found
from .records import SUBSCRIPTIONS, TOPICS, SubscriptionRecord, TopicRecord
from .sub_attrs import apply_attributes, shown_attributes


class SubscriptionAttributeOps(SnsBase):
    async def get_subscription_attributes(self, ctx: RequestContext, params: Params) -> Result:
        sub = await self.subscription(ctx, params["SubscriptionArn"])
        raw = await self.meta.get(TOPICS, sub.topic_arn)
        topic = TopicRecord.decode(raw.value) if raw else None
        return {"Attributes": shown_attributes(sub, topic)}

    async def set_subscription_attributes(self, ctx: RequestContext, params: Params) -> Result:
        arn = params["SubscriptionArn"]
        change = {params["AttributeName"]: params.get("AttributeValue") or ""}
        await self.subscription(ctx, arn)  # validates the ARN and ownership
        while True:
            raw = await self.meta.get(SUBSCRIPTIONS, arn)
            if raw is None:
                raise subscription_not_found()
            sub = SubscriptionRecord.decode(raw.value)
            fifo_pair = sub.topic_arn.endswith(".fifo") and sub.endpoint.endswith(".fifo")
            sub.attributes = apply_attributes(
                sub.protocol, sub.attributes, change, fifo_pair=fifo_pair
            )
            try:
                await self.meta.commit([Put(SUBSCRIPTIONS, arn, sub.encode(), expect=raw.version)])
            except ConditionFailed:
                continue  # changed meanwhile: apply to the new version
            return {}
