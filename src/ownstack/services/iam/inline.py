"""Inline policies of users, groups and roles: Put/Get/Delete/List{User,Group,Role}Polic(y|ies).
The three kinds differ only in their records and quotas (EntityKind)."""

from __future__ import annotations

from ownstack.core.context import RequestContext
from ownstack.core.service import Params, Result
from ownstack.identity.records import entity_key
from ownstack.policy.document import policy_size
from ownstack.ports.meta import Op, Put

from .base import GROUP_KIND, ROLE_KIND, USER_KIND, E, EntityKind, IamBase
from .errors import limit_exceeded, no_such_entity
from .paging import page
from .shapes import encoded
from .validate import check_document, check_name


class InlinePolicyOps(IamBase):
    async def _put_inline(self, ctx: RequestContext, kind: EntityKind[E], params: Params) -> Result:
        owner = params[kind.param]
        name = check_name(params["PolicyName"], "policyName", 128)
        text = params["PolicyDocument"]
        check_document(text, "identity", f"{kind.label}/{owner}/{name}")

        async def build() -> tuple[list[Op], None]:
            stored = await self.modifiable(ctx, kind, owner)
            entity = stored.record
            others = sum(policy_size(t) for n, t in entity.inline.items() if n != name)
            if others + policy_size(text) > kind.inline_quota:
                raise limit_exceeded(
                    f"Maximum policy size of {kind.inline_quota} bytes exceeded for"
                    f" {kind.label} {entity.name}"
                )
            entity.inline[name] = text
            key = entity_key(ctx.account_id, entity.name)
            return [Put(kind.ns, key, entity.encode(), expect=stored.version)], None

        await self.write(ctx, build)
        return {}

    async def _get_inline(self, ctx: RequestContext, kind: EntityKind[E], params: Params) -> Result:
        entity = (await self.entity(ctx, kind, params[kind.param])).record
        name = params["PolicyName"]
        if name not in entity.inline:
            raise no_such_entity(f"The {kind.label} policy with name {name} cannot be found.")
        return {
            kind.param: entity.name,
            "PolicyName": name,
            "PolicyDocument": encoded(entity.inline[name]),
        }

    async def _delete_inline(
        self, ctx: RequestContext, kind: EntityKind[E], params: Params
    ) -> Result:
        name = params["PolicyName"]

        async def build() -> tuple[list[Op], None]:
            stored = await self.modifiable(ctx, kind, params[kind.param])
            entity = stored.record
            if entity.inline.pop(name, None) is None:
                raise no_such_entity(f"The {kind.label} policy with name {name} cannot be found.")
            key = entity_key(ctx.account_id, entity.name)
            return [Put(kind.ns, key, entity.encode(), expect=stored.version)], None

        await self.write(ctx, build)
        return {}

    async def _list_inline(
        self, ctx: RequestContext, kind: EntityKind[E], params: Params
    ) -> Result:
        entity = (await self.entity(ctx, kind, params[kind.param])).record
        chosen, more = page(list(entity.inline), params, lambda n: n)
        return {"PolicyNames": chosen, **more}

    async def put_user_policy(self, ctx: RequestContext, params: Params) -> Result:
        return await self._put_inline(ctx, USER_KIND, params)

    async def get_user_policy(self, ctx: RequestContext, params: Params) -> Result:
        return await self._get_inline(ctx, USER_KIND, params)

    async def delete_user_policy(self, ctx: RequestContext, params: Params) -> Result:
        return await self._delete_inline(ctx, USER_KIND, params)

    async def list_user_policies(self, ctx: RequestContext, params: Params) -> Result:
        return await self._list_inline(ctx, USER_KIND, params)

    async def put_group_policy(self, ctx: RequestContext, params: Params) -> Result:
        return await self._put_inline(ctx, GROUP_KIND, params)

    async def get_group_policy(self, ctx: RequestContext, params: Params) -> Result:
        return await self._get_inline(ctx, GROUP_KIND, params)

    async def delete_group_policy(self, ctx: RequestContext, params: Params) -> Result:
        return await self._delete_inline(ctx, GROUP_KIND, params)

    async def list_group_policies(self, ctx: RequestContext, params: Params) -> Result:
        return await self._list_inline(ctx, GROUP_KIND, params)

    async def put_role_policy(self, ctx: RequestContext, params: Params) -> Result:
        return await self._put_inline(ctx, ROLE_KIND, params)

    async def get_role_policy(self, ctx: RequestContext, params: Params) -> Result:
        return await self._get_inline(ctx, ROLE_KIND, params)

    async def delete_role_policy(self, ctx: RequestContext, params: Params) -> Result:
        return await self._delete_inline(ctx, ROLE_KIND, params)

    async def list_role_policies(self, ctx: RequestContext, params: Params) -> Result:
        return await self._list_inline(ctx, ROLE_KIND, params)
