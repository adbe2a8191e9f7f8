"""Function tags: TagResource, UntagResource, ListTags (and CreateFunction's Tags). Only
functions are tagged (unqualified ARNs), as AWS's Lambda tags are per function."""

from __future__ import annotations

from collections.abc import Mapping

from ownstack.core.context import RequestContext
from ownstack.core.service import STATUS, Params, Result
from ownstack.ports.meta import Op

from .base import LambdaBase, new_revision
from .errors import constraint, invalid, validation
from .names import FunctionRef, locate, parse_function
from .records import FunctionRecord
from .validate import checked

MAX_TAGS = 50
_TAGGABLE = (
    "arn:(aws[a-zA-Z-]*):lambda:[a-z]{2}((-gov)|(-iso([a-z]?)))?-[a-z]+-\\d{1}:\\d{12}:"
    "(function:[a-zA-Z0-9-_]+(:(\\$LATEST|[a-zA-Z0-9-_]+))?|layer:([a-zA-Z0-9-_]+)|"
    "code-signing-config:csc-[a-z0-9]{17}|event-source-mapping:[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-"
    "[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})"
)


def check_tags(tags: Mapping[str, str], existing: Mapping[str, str]) -> dict[str, str]:
    merged = {**existing, **tags}
    if len(merged) > MAX_TAGS:
        raise invalid("Number of tags exceeds resource tag limit.")
    for key in tags:
        if key.lower().startswith("aws:"):
            raise invalid("aws: prefixed tag key names are not allowed for external use.")
    return merged


class TagOps(LambdaBase):
    def _tagged(self, ctx: RequestContext, resource: str) -> FunctionRef:
        parsed = parse_function(resource) if resource.startswith("arn:") else None
        if parsed is None or ":function:" not in resource:
            raise validation(
                constraint(
                    resource,
                    "resource",
                    f"Member must satisfy regular expression pattern: {_TAGGABLE}",
                )
            )
        if parsed[3] is not None:
            raise invalid(
                "Tags on function aliases and versions are not supported. Please specify a "
                "function ARN."
            )
        return locate(ctx, resource)

    @checked
    async def tag_resource(self, ctx: RequestContext, params: Params) -> Result:
        tags = params.get("Tags") or {}
        if not tags:
            raise invalid("An error occurred and the request cannot be processed.")
        ref = self._tagged(ctx, params["Resource"])

        async def tag(fn: FunctionRecord) -> list[Op]:
            fn.tags = check_tags(tags, fn.tags)
            fn.latest.revision_id = new_revision()
            return []

        await self.change(ref, tag)
        return {STATUS: 204}

    @checked
    async def untag_resource(self, ctx: RequestContext, params: Params) -> Result:
        keys = set(params.get("TagKeys") or [])
        ref = self._tagged(ctx, params["Resource"])

        async def untag(fn: FunctionRecord) -> list[Op]:
            fn.tags = {k: v for k, v in fn.tags.items() if k not in keys}
            fn.latest.revision_id = new_revision()
            return []

        await self.change(ref, untag)
        return {STATUS: 204}

    @checked
    async def list_tags(self, ctx: RequestContext, params: Params) -> Result:
        ref = self._tagged(ctx, params["Resource"])
        fn, _ = await self.function(ref)
        return {"Tags": dict(fn.tags)}
