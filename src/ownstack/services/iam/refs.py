"""Counters a managed policy keeps of its uses (AttachmentCount, PermissionsBoundaryUsage
Count), changed in the same commit as the entity that attaches or detaches it."""

from __future__ import annotations

from collections.abc import Callable

from ownstack.core.context import RequestContext
from ownstack.core.errors import ServiceError
from ownstack.identity.managed import AWS_POLICY_PREFIX
from ownstack.identity.records import POLICIES, entity_key
from ownstack.ports.meta import Op, Put

from .base import IamBase
from .errors import no_such_entity, policy_not_attachable


def boundary_missing(arn: str) -> ServiceError:
    return no_such_entity(f"Scope ARN: {arn} does not exist or is not attachable.")


class PolicyRefs(IamBase):
    async def count_use(
        self,
        ctx: RequestContext,
        arn: str,
        *,
        attachments: int = 0,
        boundary_uses: int = 0,
        missing: Callable[[str], ServiceError] = policy_not_attachable,
    ) -> list[Op]:
        """The op changing `arn`'s counters (none for an AWS managed policy, whose use in the
        account is counted by looking). Raises `missing(arn)` for no such policy."""
        if arn.startswith(AWS_POLICY_PREFIX):
            if self.directory.aws_policies.get(arn) is None:
                raise missing(arn)
            return []
        found = None
        if arn.startswith(f"arn:aws:iam::{ctx.account_id}:policy/"):
            found = await self.store.policy(ctx.account_id, arn.rsplit("/", 1)[-1])
        if found is None or found.record.arn != arn:
            if attachments < 0 or boundary_uses < 0:
                return []  # releasing a use of a policy gone meanwhile: nothing to count
            raise missing(arn)
        policy = found.record
        policy.attachments = max(0, policy.attachments + attachments)
        policy.boundary_uses = max(0, policy.boundary_uses + boundary_uses)
        key = entity_key(ctx.account_id, policy.name)
        return [Put(POLICIES, key, policy.encode(), expect=found.version)]

    async def change_boundary(self, ctx: RequestContext, old: str, new: str) -> list[Op]:
        if old == new:
            return []
        ops: list[Op] = []
        if new:
            ops += await self.count_use(ctx, new, boundary_uses=1, missing=boundary_missing)
        if old:
            ops += await self.count_use(ctx, old, boundary_uses=-1)
        return ops
