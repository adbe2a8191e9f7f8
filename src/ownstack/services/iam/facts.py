"""What the gateway learns about an IAM resource before authorising a request on it: the
entity's full ARN (a request names a user or role by name only, while policies name it with
its path: `user/division/bob`) and its tags (aws:ResourceTag/<key>)."""

from __future__ import annotations

from ownstack.core.access import ResourceFacts
from ownstack.core.context import RequestContext

from .base import IamBase


class ResourceFactsOps(IamBase):
    async def resource_facts(self, ctx: RequestContext, arn: str) -> ResourceFacts | None:
        parts = arn.split(":", 5)
        if len(parts) != 6 or parts[2] != "iam" or not parts[4].isdigit():
            return None
        account, (kind, _, path_name) = parts[4], parts[5].partition("/")
        name = path_name.rsplit("/", 1)[-1]
        if kind == "user":
            user = await self.store.user(account, name)
            return _facts(account, user.record.arn, user.record.tags) if user else None
        if kind == "role":
            role = await self.store.role(account, name)
            return _facts(account, role.record.arn, role.record.tags) if role else None
        if kind == "instance-profile":
            profile = await self.store.profile(account, name)
            return _facts(account, profile.record.arn, profile.record.tags) if profile else None
        if kind == "group":
            group = await self.store.group(account, name)
            return _facts(account, group.record.arn, {}) if group else None
        return None


def _facts(account: str, arn: str, tags: dict[str, str]) -> ResourceFacts:
    return ResourceFacts(owner=account, tags=tags, arn=arn)
