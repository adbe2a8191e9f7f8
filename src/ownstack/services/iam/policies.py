"""Managed policies: CreatePolicy, GetPolicy, DeletePolicy, ListPolicies, and their tags.
AWS managed policies (arn:aws:iam::aws:policy/...) are read-only and listed with Scope=AWS."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from typing import Any

from ownstack.core.context import RequestContext
from ownstack.core.service import Params, Result
from ownstack.identity.keys import POLICY_ID, unique_id
from ownstack.identity.managed import AWS_POLICY_PREFIX, AwsPolicy
from ownstack.identity.records import POLICIES, PolicyRecord, PolicyVersionRecord, entity_key
from ownstack.ports.meta import ABSENT, Delete, Op, Put

from .base import IamBase
from .errors import already_exists, delete_conflict, policy_not_found, validation_error
from .paging import page
from .shapes import aws_policy_shape, policy_shape, tag_list
from .validate import (
    check_document,
    check_managed_size,
    check_name,
    check_path,
    check_path_prefix,
    check_tags,
    merge_tags,
    remove_tags,
)


class PolicyOps(IamBase):
    async def create_policy(self, ctx: RequestContext, params: Params) -> Result:
        name = check_name(params["PolicyName"], "policyName", 128)
        path = check_path(params.get("Path"))
        text = params["PolicyDocument"]
        arn = self.arn(ctx, "policy", path, name)
        check_managed_size(text)
        check_document(text, "identity", arn, managed=True)
        description = params.get("Description") or ""
        if len(description) > 1000:
            raise validation_error(
                f"1 validation error detected: Value '{description}' at 'description' failed"
                " to satisfy constraint: Member must have length less than or equal to 1000"
            )
        now = self.clock.now()
        policy = PolicyRecord(
            name=name,
            path=path,
            id=unique_id(POLICY_ID),
            arn=arn,
            created=now,
            updated=now,
            default_version="v1",
            versions=[PolicyVersionRecord("v1", text, now)],
            description=description,
            tags=check_tags(params.get("Tags")),
        )

        async def build() -> tuple[list[Op], None]:
            if await self.store.policy(ctx.account_id, name) is not None:
                raise already_exists(
                    f"A policy called {name} already exists. Duplicate names are not allowed."
                )
            key = entity_key(ctx.account_id, name)
            return [Put(POLICIES, key, policy.encode(), ABSENT)], None

        await self.write(ctx, build)
        return {"Policy": policy_shape(policy)}

    async def get_policy(self, ctx: RequestContext, params: Params) -> Result:
        arn = params["PolicyArn"]
        if arn.startswith(AWS_POLICY_PREFIX):
            aws = self.directory.aws_policies.get(arn)
            if aws is None:
                raise policy_not_found(arn)
            uses = await self.aws_policy_uses(ctx)
            return {"Policy": aws_policy_shape(aws, uses[0][arn], uses[1][arn])}
        return {"Policy": policy_shape((await self.customer_policy(ctx, arn)).record)}

    async def aws_policy_uses(self, ctx: RequestContext) -> tuple[Counter[str], Counter[str]]:
        """(attachments, boundary uses) of each AWS managed policy in the caller's account,
        counted by looking: AWS's policies keep no per-account record."""
        attached: Counter[str] = Counter()
        bounded: Counter[str] = Counter()
        for u in await self.store.users(ctx.account_id):
            attached.update(u.record.attached)
            bounded.update([u.record.boundary] if u.record.boundary else [])
        for r in await self.store.roles(ctx.account_id):
            attached.update(r.record.attached)
            bounded.update([r.record.boundary] if r.record.boundary else [])
        for g in await self.store.groups(ctx.account_id):
            attached.update(g.record.attached)
        return attached, bounded

    async def delete_policy(self, ctx: RequestContext, params: Params) -> Result:
        async def build() -> tuple[list[Op], None]:
            stored = await self.customer_policy(ctx, params["PolicyArn"])
            policy = stored.record
            if policy.attachments or policy.boundary_uses:
                raise delete_conflict("Cannot delete a policy attached to entities.")
            if len(policy.versions) > 1:
                raise delete_conflict(
                    "This policy has more than one version. Before you delete a policy, you"
                    " must delete the policy's versions. The default version is deleted with"
                    " the policy."
                )
            key = entity_key(ctx.account_id, policy.name)
            return [Delete(POLICIES, key, expect=stored.version)], None

        await self.write(ctx, build)
        return {}

    async def list_policies(self, ctx: RequestContext, params: Params) -> Result:
        scope = params.get("Scope") or "All"
        only_attached = bool(params.get("OnlyAttached"))
        usage = params.get("PolicyUsageFilter")
        prefix = check_path_prefix(params.get("PathPrefix"))
        found: list[tuple[str, dict[str, Any]]] = []
        if scope in ("All", "AWS"):
            attached, bounded = await self.aws_policy_uses(ctx)
            for aws in self.directory.aws_policies.all():
                shape = aws_policy_shape(aws, attached[aws.arn], bounded[aws.arn])
                if _listed(aws.path, shape, prefix, only_attached, usage):
                    found.append((_order(aws), shape))
        if scope in ("All", "Local"):
            for stored in await self.store.policies(ctx.account_id):
                shape = policy_shape(stored.record, tags=False)
                if _listed(stored.record.path, shape, prefix, only_attached, usage):
                    found.append(("1" + stored.record.name.lower(), shape))
        chosen, more = page(found, params, lambda item: item[0])
        return {"Policies": [shape for _, shape in chosen], **more}

    async def tag_policy(self, ctx: RequestContext, params: Params) -> Result:
        new = check_tags(params["Tags"])
        await self._retag_policy(ctx, params["PolicyArn"], lambda tags: merge_tags(tags, new))
        return {}

    async def untag_policy(self, ctx: RequestContext, params: Params) -> Result:
        keys = params["TagKeys"]
        await self._retag_policy(ctx, params["PolicyArn"], lambda tags: remove_tags(tags, keys))
        return {}

    async def list_policy_tags(self, ctx: RequestContext, params: Params) -> Result:
        policy = (await self.customer_policy(ctx, params["PolicyArn"])).record
        chosen, more = page(tag_list(policy.tags), params, lambda t: str(t["Key"]))
        return {"Tags": chosen, **more}

    async def _retag_policy(
        self, ctx: RequestContext, arn: str, change: Callable[[dict[str, str]], dict[str, str]]
    ) -> None:
        def retag(policy: PolicyRecord) -> None:
            policy.tags = change(policy.tags)

        await self.rewrite(ctx, POLICIES, lambda: self.customer_policy(ctx, arn), retag)


def _order(aws: AwsPolicy) -> str:
    return "0" + aws.name.lower()


def _listed(
    path: str, shape: dict[str, Any], prefix: str, only_attached: bool, usage: str | None
) -> bool:
    if not path.startswith(prefix):
        return False
    if usage == "PermissionsPolicy" and only_attached:
        return bool(shape["AttachmentCount"])
    if usage == "PermissionsBoundary" and only_attached:
        return bool(shape["PermissionsBoundaryUsageCount"])
    if only_attached:
        return bool(shape["AttachmentCount"] or shape["PermissionsBoundaryUsageCount"])
    return True
