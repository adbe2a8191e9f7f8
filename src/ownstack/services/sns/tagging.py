"""Tags on topics: TagResource, UntagResource, ListTagsForResource."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ownstack.core.context import RequestContext
from ownstack.core.errors import ServiceError
from ownstack.core.service import Params, Result
from ownstack.ports.errors import ConditionFailed
from ownstack.ports.meta import Put

from .base import SnsBase
from .errors import invalid_parameter, resource_not_found
from .records import TOPICS, TopicRecord

MAX_TAGS = 50
MAX_KEY = 128
MAX_VALUE = 256


def check_tags(tags: Sequence[dict[str, Any]]) -> dict[str, str]:
    """The Tags list as a dict; InvalidParameter or TagLimitExceeded for bad tags."""
    out: dict[str, str] = {}
    for tag in tags:
        key, value = tag.get("Key") or "", tag.get("Value") or ""
        if key in out:
            raise invalid_parameter("Invalid parameter: Duplicated keys are not allowed.")
        if not 1 <= len(key) <= MAX_KEY or key.lower().startswith("aws:"):
            raise invalid_parameter(f"Invalid parameter: Tags Reason: Invalid tag key {key!r}")
        if len(value) > MAX_VALUE:
            raise invalid_parameter(f"Invalid parameter: Tags Reason: Invalid tag value {value!r}")
        out[key] = value
    _check_count(len(out))
    return out


def _check_count(count: int) -> None:
    if count > MAX_TAGS:
        raise ServiceError(
            "TagLimitExceeded", "Could not complete request: tag quota of per resource exceeded"
        )


class TaggingOps(SnsBase):
    async def tag_resource(self, ctx: RequestContext, params: Params) -> Result:
        new = check_tags(params["Tags"])
        await self._update_tags(ctx, params["ResourceArn"], lambda tags: {**tags, **new})
        return {}

    async def untag_resource(self, ctx: RequestContext, params: Params) -> Result:
        gone = set(params["TagKeys"])
        await self._update_tags(
            ctx,
            params["ResourceArn"],
            lambda tags: {k: v for k, v in tags.items() if k not in gone},
        )
        return {}

    async def list_tags_for_resource(self, ctx: RequestContext, params: Params) -> Result:
        topic = await self._tagged(ctx, params["ResourceArn"])
        return {"Tags": [{"Key": k, "Value": v} for k, v in topic[0].tags.items()]}

    async def _tagged(self, ctx: RequestContext, arn: str) -> tuple[TopicRecord, int]:
        try:
            await self.topic(ctx, arn, "ResourceArn")
        except ServiceError as exc:
            if exc.code == "NotFound":
                raise resource_not_found() from None
            raise
        raw = await self.meta.get(TOPICS, arn)
        if raw is None:
            raise resource_not_found()
        return TopicRecord.decode(raw.value), raw.version

    async def _update_tags(self, ctx: RequestContext, arn: str, change: Any) -> None:
        while True:
            topic, version = await self._tagged(ctx, arn)
            topic.tags = change(topic.tags)
            _check_count(len(topic.tags))
            try:
                await self.meta.commit([Put(TOPICS, arn, topic.encode(), expect=version)])
            except ConditionFailed:
                continue  # changed meanwhile: apply to the new version
            return
