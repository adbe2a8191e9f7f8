"""Topics: CreateTopic, DeleteTopic, Get/SetTopicAttributes, ListTopics."""

from __future__ import annotations

import uuid
from typing import Any

from ownstack.core.context import RequestContext
from ownstack.core.errors import ServiceError
from ownstack.core.service import Params, Result
from ownstack.core.tokens import opaque_token
from ownstack.ports.errors import ConditionFailed
from ownstack.ports.meta import ABSENT, Delete, Op, Put

from .base import PAGE_SIZE, SnsBase, decode_token
from .errors import invalid_parameter, topic_not_found
from .names import account_prefix, check_topic_name, topic_arn
from .records import SUBSCRIPTIONS, TOKENS, TOPICS, TopicRecord, dedup_ns
from .tagging import check_tags
from .topic_attrs import DEFAULTS, check_attribute, shown_attributes


class TopicOps(SnsBase):
    async def create_topic(self, ctx: RequestContext, params: Params) -> Result:
        name = params["Name"]
        attributes = dict(params.get("Attributes") or {})
        if params.get("DataProtectionPolicy"):
            attributes["DataProtectionPolicy"] = params["DataProtectionPolicy"]
        fifo = attributes.get("FifoTopic", "false").lower() == "true"
        check_topic_name(name, fifo)
        stored = {k: check_attribute(k, v, fifo=fifo, creating=True) for k, v in attributes.items()}
        stored.pop("FifoTopic", None)
        tags = check_tags(params.get("Tags") or [])
        arn = topic_arn(ctx.region, ctx.account_id, name)
        record = TopicRecord(
            arn=arn,
            name=name,
            id=uuid.uuid4().hex,
            account_id=ctx.account_id,
            created=self.clock.now(),
            fifo=fifo,
            attributes=stored,
            tags=tags,
        )
        try:
            await self.meta.commit([Put(TOPICS, arn, record.encode(), expect=ABSENT)])
        except ConditionFailed:
            await self._check_same_topic(arn, record, set(stored), bool(tags))
        return {"TopicArn": arn}

    async def _check_same_topic(
        self, arn: str, wanted: TopicRecord, given: set[str], tagged: bool
    ) -> None:
        """CreateTopic of an existing topic is a no-op returning its ARN, unless it asks for
        attributes or tags the topic does not have (a subset of its tags is fine)."""
        raw = await self.meta.get(TOPICS, arn)
        if raw is None:  # deleted meanwhile: the caller may simply retry
            raise invalid_parameter("Invalid parameter: Topic is being deleted")
        existing = TopicRecord.decode(raw.value)
        same_attrs = existing.fifo == wanted.fifo and all(
            existing.attributes.get(k, DEFAULTS.get(k, "")) == wanted.attributes[k]
            for k in given
            if k in wanted.attributes
        )
        if not same_attrs:
            raise invalid_parameter(
                "Invalid parameter: Attributes Reason: Topic already exists with different "
                "attributes"
            )
        # Asking again for some of the topic's tags is fine; a tag it lacks is not.
        if tagged and not wanted.tags.items() <= existing.tags.items():
            raise invalid_parameter(
                "Invalid parameter: Tags Reason: Topic already exists with different tags"
            )

    async def delete_topic(self, ctx: RequestContext, params: Params) -> Result:
        """Deletes the topic and its subscriptions. Deleting a topic that does not exist is
        not an error, as on AWS."""
        try:
            topic = await self.topic(ctx, params["TopicArn"])
        except ServiceError as exc:
            if exc.code == "NotFound":
                return {}
            raise
        ops: list[Op] = [Delete(TOPICS, topic.arn)]
        for sub in await self.topic_subscriptions(topic.arn):
            ops.append(Delete(SUBSCRIPTIONS, sub.arn))
            if sub.token:
                ops.append(Delete(TOKENS, sub.token))
        await self.meta.commit(ops)
        await self._drop_dedup(topic)
        return {}

    async def _drop_dedup(self, topic: TopicRecord) -> None:
        ns = dedup_ns(topic.id)
        while page := await self.meta.scan(ns, limit=1000):
            await self.meta.commit([Delete(ns, r.key) for r in page])

    async def get_topic_attributes(self, ctx: RequestContext, params: Params) -> Result:
        topic = await self.topic(ctx, params["TopicArn"])
        subs = await self.topic_subscriptions(topic.arn)
        return {"Attributes": shown_attributes(topic, subs)}

    async def set_topic_attributes(self, ctx: RequestContext, params: Params) -> Result:
        name = params["AttributeName"]
        value = params.get("AttributeValue") or ""
        arn = (await self.topic(ctx, params["TopicArn"])).arn
        while True:
            raw = await self.meta.get(TOPICS, arn)
            if raw is None:
                raise topic_not_found()
            topic = TopicRecord.decode(raw.value)
            stored = check_attribute(name, value, fifo=topic.fifo, creating=False)
            if stored:
                topic.attributes[name] = stored
            else:
                topic.attributes.pop(name, None)
            try:
                await self.meta.commit([Put(TOPICS, topic.arn, topic.encode(), expect=raw.version)])
            except ConditionFailed:
                continue  # changed meanwhile: apply to the new version
            return {}

    async def list_topics(self, ctx: RequestContext, params: Params) -> Result:
        prefix = account_prefix(ctx.region, ctx.account_id)
        after = decode_token(params.get("NextToken"), prefix)
        topics: list[dict[str, Any]] = []
        async for topic in self.scan_topics(prefix, after):
            if len(topics) == PAGE_SIZE:
                return {"Topics": topics, "NextToken": opaque_token(topics[-1]["TopicArn"])}
            topics.append({"TopicArn": topic.arn})
        return {"Topics": topics}
