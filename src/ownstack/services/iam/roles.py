"""Roles: CreateRole, GetRole, ListRoles, UpdateRole, UpdateRoleDescription,
UpdateAssumeRolePolicy, DeleteRole, their tags and boundary."""

from __future__ import annotations

from collections.abc import Callable

from ownstack.core.context import RequestContext
from ownstack.core.service import Params, Result
from ownstack.identity.keys import ROLE_ID, unique_id
from ownstack.identity.records import ROLES, RoleRecord, entity_key
from ownstack.ports.meta import ABSENT, Delete, Op, Put

from .base import ROLE_KIND
from .errors import (
    already_exists,
    delete_conflict,
    malformed_policy,
    protected_role,
    validation_error,
)
from .linked_services import is_service_linked
from .paging import page
from .refs import PolicyRefs
from .shapes import role_shape, tag_list
from .validate import (
    check_document,
    check_name,
    check_path,
    check_path_prefix,
    check_tags,
    check_trust_size,
    merge_tags,
    remove_tags,
)

RoleChange = Callable[[RoleRecord], None]


def check_duration(value: int | None) -> int:
    if value is None:
        return 3600
    if not 3600 <= value <= 43200:
        raise validation_error(
            f"1 validation error detected: Value '{value}' at 'maxSessionDuration' failed to"
            " satisfy constraint: Member must have value "
            + ("greater than or equal to 3600" if value < 3600 else "less than or equal to 43200")
        )
    return value


def check_description(value: str) -> str:
    if len(value) > 1000:
        raise validation_error(
            f"1 validation error detected: Value '{value}' at 'description' failed to satisfy"
            " constraint: Member must have length less than or equal to 1000"
        )
    return value


class RoleOps(PolicyRefs):
    async def check_trust(self, text: str) -> str:
        """A valid trust policy whose named users and roles exist (IAM refuses one naming an
        IAM identity that does not: the name would otherwise be taken over by a new one)."""
        check_trust_size(text)
        policy = check_document(text, "trust", "AssumeRolePolicyDocument")
        for arn in policy.named_principals:
            parts = arn.split(":", 5)
            kind, _, rest = parts[5].partition("/") if len(parts) == 6 else ("", "", "")
            name = rest.rsplit("/", 1)[-1]
            found_arn = ""
            if kind == "user":
                user = await self.store.user(parts[4], name)
                found_arn = user.record.arn if user else ""
            elif kind == "role":
                role = await self.store.role(parts[4], name)
                found_arn = role.record.arn if role else ""
            if found_arn != arn:
                raise malformed_policy(f'Invalid principal in policy: "AWS":"{arn}"')
        return text

    async def create_role(self, ctx: RequestContext, params: Params) -> Result:
        name = check_name(params["RoleName"], "roleName", 64)
        path = check_path(params.get("Path"))
        trust = await self.check_trust(params["AssumeRolePolicyDocument"])
        boundary = params.get("PermissionsBoundary") or ""
        role = RoleRecord(
            name=name,
            path=path,
            id=unique_id(ROLE_ID),
            arn=self.arn(ctx, "role", path, name),
            created=self.clock.now(),
            trust=trust,
            description=check_description(params.get("Description") or ""),
            max_session=check_duration(params.get("MaxSessionDuration")),
            tags=check_tags(params.get("Tags")),
            boundary=boundary,
        )

        async def build() -> tuple[list[Op], None]:
            if await self.store.role(ctx.account_id, name) is not None:
                raise already_exists(f"Role with name {name} already exists.")
            ops: list[Op] = [Put(ROLES, entity_key(ctx.account_id, name), role.encode(), ABSENT)]
            return ops + await self.change_boundary(ctx, "", boundary), None

        await self.write(ctx, build)
        shape = role_shape(role)
        shape.pop("RoleLastUsed", None)
        return {"Role": shape}

    async def get_role(self, ctx: RequestContext, params: Params) -> Result:
        return {"Role": role_shape((await self.role(ctx, params["RoleName"])).record)}

    async def list_roles(self, ctx: RequestContext, params: Params) -> Result:
        prefix = check_path_prefix(params.get("PathPrefix"))
        roles = [
            s.record
            for s in await self.store.roles(ctx.account_id)
            if s.record.path.startswith(prefix)
        ]
        chosen, more = page(roles, params, lambda r: r.name.lower())
        return {"Roles": [role_shape(r, full=False) for r in chosen], **more}

    async def update_role(self, ctx: RequestContext, params: Params) -> Result:
        description = params.get("Description")
        duration = params.get("MaxSessionDuration")
        if description is not None:
            check_description(description)
        if duration is not None:
            check_duration(duration)

        def change(role: RoleRecord) -> None:
            if duration is not None and is_service_linked(role.path):
                raise protected_role(role.name)  # its service sets how long sessions last
            if description is not None:
                role.description = description
            if duration is not None:
                role.max_session = duration

        await self._change(ctx, params["RoleName"], change)
        return {}

    async def update_role_description(self, ctx: RequestContext, params: Params) -> Result:
        description = check_description(params["Description"])

        def change(role: RoleRecord) -> None:
            role.description = description

        role = await self._change(ctx, params["RoleName"], change)
        return {"Role": role_shape(role)}

    async def update_assume_role_policy(self, ctx: RequestContext, params: Params) -> Result:
        trust = await self.check_trust(params["PolicyDocument"])

        def change(role: RoleRecord) -> None:
            if is_service_linked(role.path):
                raise protected_role(role.name)
            role.trust = trust

        await self._change(ctx, params["RoleName"], change)
        return {}

    async def _change(self, ctx: RequestContext, name: str, change: RoleChange) -> RoleRecord:
        return await self.rewrite(ctx, ROLES, lambda: self.role(ctx, name), change)

    async def delete_role(self, ctx: RequestContext, params: Params) -> Result:
        async def build() -> tuple[list[Op], None]:
            stored = await self.role(ctx, params["RoleName"])
            role = stored.record
            if is_service_linked(role.path):
                raise protected_role(role.name)
            if role.profiles:
                raise delete_conflict(
                    "Cannot delete entity, must remove roles from instance profile first."
                )
            if role.inline:
                raise delete_conflict("Cannot delete entity, must delete policies first.")
            if role.attached:
                raise delete_conflict("Cannot delete entity, must detach all policies first.")
            key = entity_key(ctx.account_id, role.name)
            ops: list[Op] = [Delete(ROLES, key, expect=stored.version)]
            return ops + await self.change_boundary(ctx, role.boundary, ""), None

        await self.write(ctx, build)
        return {}

    async def tag_role(self, ctx: RequestContext, params: Params) -> Result:
        new = check_tags(params["Tags"])

        def change(role: RoleRecord) -> None:
            role.tags = merge_tags(role.tags, new)

        await self._change(ctx, params["RoleName"], change)
        return {}

    async def untag_role(self, ctx: RequestContext, params: Params) -> Result:
        keys = params["TagKeys"]

        def change(role: RoleRecord) -> None:
            role.tags = remove_tags(role.tags, keys)

        await self._change(ctx, params["RoleName"], change)
        return {}

    async def list_role_tags(self, ctx: RequestContext, params: Params) -> Result:
        role = (await self.role(ctx, params["RoleName"])).record
        chosen, more = page(tag_list(role.tags), params, lambda t: str(t["Key"]))
        return {"Tags": chosen, **more}

    async def put_role_permissions_boundary(self, ctx: RequestContext, params: Params) -> Result:
        await self._set_role_boundary(ctx, params["RoleName"], params["PermissionsBoundary"])
        return {}

    async def delete_role_permissions_boundary(self, ctx: RequestContext, params: Params) -> Result:
        await self._set_role_boundary(ctx, params["RoleName"], "")
        return {}

    async def _set_role_boundary(self, ctx: RequestContext, name: str, arn: str) -> None:
        async def build() -> tuple[list[Op], None]:
            stored = await self.modifiable(ctx, ROLE_KIND, name)
            ops = await self.change_boundary(ctx, stored.record.boundary, arn)
            stored.record.boundary = arn
            key = entity_key(ctx.account_id, stored.record.name)
            ops.append(Put(ROLES, key, stored.record.encode(), expect=stored.version))
            return ops, None

        await self.write(ctx, build)
