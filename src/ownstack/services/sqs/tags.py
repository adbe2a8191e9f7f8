"""Queue tags: TagQueue, UntagQueue, ListQueueTags, and the limits CreateQueue shares."""

from __future__ import annotations

from collections.abc import Mapping

from ownstack.core.context import RequestContext
from ownstack.core.service import Params, Result

from .base import SqsBase
from .errors import invalid_parameter
from .records import QueueRecord

MAX_TAGS = 50
MAX_KEY = 128
MAX_VALUE = 256


def check_tags(tags: Mapping[str, str], existing: int) -> dict[str, str]:
    """`tags` validated; `existing` is how many other tags the queue keeps."""
    for key, value in tags.items():
        if not 1 <= len(key) <= MAX_KEY or key.lower().startswith("aws:"):
            raise invalid_parameter(
                f"Tag key {key!r} is invalid: 1 to {MAX_KEY} characters, not starting with aws:."
            )
        if len(value) > MAX_VALUE:
            raise invalid_parameter(
                f"Tag value for key {key!r} is longer than {MAX_VALUE} characters."
            )
    if existing + len(tags) > MAX_TAGS:
        raise invalid_parameter(f"Too many tags added for queue: at most {MAX_TAGS} are allowed.")
    return dict(tags)


class TagOps(SqsBase):
    async def tag_queue(self, ctx: RequestContext, params: Params) -> Result:
        tags: dict[str, str] = params.get("Tags") or {}
        if not tags:
            raise invalid_parameter("The request must contain at least one tag.")

        async def add(queue: QueueRecord) -> None:
            kept = {k: v for k, v in queue.tags.items() if k not in tags}
            queue.tags = {**kept, **check_tags(tags, len(kept))}

        await self.update(ctx, params["QueueUrl"], add)
        return {}

    async def untag_queue(self, ctx: RequestContext, params: Params) -> Result:
        keys: list[str] = params.get("TagKeys") or []
        if not keys:
            raise invalid_parameter("The request must contain at least one tag key.")

        async def remove(queue: QueueRecord) -> None:
            queue.tags = {k: v for k, v in queue.tags.items() if k not in keys}

        await self.update(ctx, params["QueueUrl"], remove)
        return {}

    async def list_queue_tags(self, ctx: RequestContext, params: Params) -> Result:
        queue = await self.queue(ctx, params["QueueUrl"])
        return {"Tags": dict(queue.tags)} if queue.tags else {}
