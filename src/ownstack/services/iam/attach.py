"""Managed policies on users, groups and roles: Attach/Detach{User,Group,Role}Policy,
ListAttached{User,Group,Role}Policies, ListEntitiesForPolicy."""

from __future__ import annotations

import re
from typing import Any

from ownstack.core.context import RequestContext
from ownstack.core.service import Params, Result
from ownstack.identity.managed import AWS_POLICY_PREFIX
from ownstack.identity.records import entity_key
from ownstack.ports.meta import Op, Put

from .base import GROUP_KIND, ROLE_KIND, USER_KIND, E, EntityKind
from .errors import invalid_input, limit_exceeded, policy_not_found
from .paging import page
from .refs import PolicyRefs
from .validate import check_path_prefix

MAX_ATTACHED = 10
"""Managed policies per user, group or role (IAM's default quota)."""
_POLICY_ARN = re.compile(r"arn:aws:iam::(aws|\d{12}):policy(/.*/|/)([\w+=,.@-]+)")


def split_policy_arn(arn: str) -> tuple[str, str]:
    """(path, name) of a managed policy ARN; InvalidInput for anything else."""
    match = _POLICY_ARN.fullmatch(arn)
    if match is None:
        raise invalid_input(f"ARN {arn} is not valid.")
    return match.group(2), match.group(3)


def attached_shape(arn: str) -> dict[str, str]:
    return {"PolicyName": arn.rsplit("/", 1)[-1], "PolicyArn": arn}


class AttachOps(PolicyRefs):
    async def _attach(self, ctx: RequestContext, kind: EntityKind[E], params: Params) -> Result:
        arn: str = params["PolicyArn"]
        split_policy_arn(arn)

        async def build() -> tuple[list[Op], None]:
            stored = await self.modifiable(ctx, kind, params[kind.param])
            entity = stored.record
            if arn in entity.attached:
                await self.count_use(ctx, arn, attachments=0)  # still must exist
                return [], None
            if len(entity.attached) >= MAX_ATTACHED:
                raise limit_exceeded(f"Cannot exceed quota for {kind.attach_quota}: {MAX_ATTACHED}")
            ops = await self.count_use(ctx, arn, attachments=1)
            entity.attached.append(arn)
            key = entity_key(ctx.account_id, entity.name)
            ops.append(Put(kind.ns, key, entity.encode(), expect=stored.version))
            return ops, None

        await self.write(ctx, build)
        return {}

    async def _detach(self, ctx: RequestContext, kind: EntityKind[E], params: Params) -> Result:
        arn: str = params["PolicyArn"]
        split_policy_arn(arn)

        async def build() -> tuple[list[Op], None]:
            stored = await self.modifiable(ctx, kind, params[kind.param])
            entity = stored.record
            if arn not in entity.attached:
                raise policy_not_found(arn)
            entity.attached.remove(arn)
            ops = await self.count_use(ctx, arn, attachments=-1)
            key = entity_key(ctx.account_id, entity.name)
            ops.append(Put(kind.ns, key, entity.encode(), expect=stored.version))
            return ops, None

        await self.write(ctx, build)
        return {}

    async def _list_attached(
        self, ctx: RequestContext, kind: EntityKind[E], params: Params
    ) -> Result:
        entity = (await self.entity(ctx, kind, params[kind.param])).record
        prefix = check_path_prefix(params.get("PathPrefix"))
        arns = [a for a in entity.attached if split_policy_arn(a)[0].startswith(prefix)]
        chosen, more = page(arns, params, lambda a: a.rsplit("/", 1)[-1].lower() + "\n" + a)
        return {"AttachedPolicies": [attached_shape(a) for a in chosen], **more}

    async def attach_user_policy(self, ctx: RequestContext, params: Params) -> Result:
        return await self._attach(ctx, USER_KIND, params)

    async def attach_group_policy(self, ctx: RequestContext, params: Params) -> Result:
        return await self._attach(ctx, GROUP_KIND, params)

    async def attach_role_policy(self, ctx: RequestContext, params: Params) -> Result:
        return await self._attach(ctx, ROLE_KIND, params)

    async def detach_user_policy(self, ctx: RequestContext, params: Params) -> Result:
        return await self._detach(ctx, USER_KIND, params)

    async def detach_group_policy(self, ctx: RequestContext, params: Params) -> Result:
        return await self._detach(ctx, GROUP_KIND, params)

    async def detach_role_policy(self, ctx: RequestContext, params: Params) -> Result:
        return await self._detach(ctx, ROLE_KIND, params)

    async def list_attached_user_policies(self, ctx: RequestContext, params: Params) -> Result:
        return await self._list_attached(ctx, USER_KIND, params)

    async def list_attached_group_policies(self, ctx: RequestContext, params: Params) -> Result:
        return await self._list_attached(ctx, GROUP_KIND, params)

    async def list_attached_role_policies(self, ctx: RequestContext, params: Params) -> Result:
        return await self._list_attached(ctx, ROLE_KIND, params)

    async def list_entities_for_policy(self, ctx: RequestContext, params: Params) -> Result:
        arn: str = params["PolicyArn"]
        split_policy_arn(arn)
        if arn.startswith(AWS_POLICY_PREFIX):
            if self.directory.aws_policies.get(arn) is None:
                raise policy_not_found(arn)
        else:
            await self.customer_policy(ctx, arn)
        wanted = params.get("EntityFilter") or "All"
        usage = params.get("PolicyUsageFilter")
        prefix = check_path_prefix(params.get("PathPrefix"))

        def uses(attached: list[str], boundary: str) -> bool:
            if usage == "PermissionsBoundary":
                return boundary == arn
            if usage == "PermissionsPolicy":
                return arn in attached
            return arn in attached or boundary == arn

        kinds: tuple[tuple[str, str, Any, str, str], ...] = (
            ("Group", "g", self.store.groups, "GroupName", "GroupId"),
            ("User", "u", self.store.users, "UserName", "UserId"),
            ("Role", "r", self.store.roles, "RoleName", "RoleId"),
        )
        found: list[tuple[str, dict[str, str]]] = []
        for kind, tag, load, name_key, id_key in kinds:
            if wanted not in ("All", kind):
                continue
            for stored in await load(ctx.account_id):
                entity = stored.record
                boundary = getattr(entity, "boundary", "")  # groups have none
                if entity.path.startswith(prefix) and uses(entity.attached, boundary):
                    shape = {name_key: entity.name, id_key: entity.id}
                    found.append((tag + entity.name.lower(), shape))
        chosen, more = page(found, params, lambda item: item[0])
        return {
            "PolicyGroups": [shape for key, shape in chosen if key[0] == "g"],
            "PolicyUsers": [shape for key, shape in chosen if key[0] == "u"],
            "PolicyRoles": [shape for key, shape in chosen if key[0] == "r"],
            **more,
        }
