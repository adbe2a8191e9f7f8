"""Instance profiles: Create/Get/Delete/ListInstanceProfiles, Add/RemoveRoleToInstanceProfile,
ListInstanceProfilesForRole, and their tags. A profile holds at most one role."""

from __future__ import annotations

from collections.abc import Callable

from ownstack.core.context import RequestContext
from ownstack.core.service import Params, Result
from ownstack.identity.keys import PROFILE_ID, unique_id
from ownstack.identity.records import (
    PROFILES,
    ROLES,
    InstanceProfileRecord,
    RoleRecord,
    entity_key,
)
from ownstack.ports.meta import ABSENT, Delete, Op, Put

from .base import IamBase
from .errors import already_exists, delete_conflict, limit_exceeded, not_found
from .paging import page
from .shapes import profile_shape, tag_list
from .validate import (
    check_name,
    check_path,
    check_path_prefix,
    check_tags,
    merge_tags,
    remove_tags,
)

ProfileChange = Callable[[InstanceProfileRecord], None]


class InstanceProfileOps(IamBase):
    async def _roles_of(
        self, ctx: RequestContext, profile: InstanceProfileRecord
    ) -> list[RoleRecord]:
        roles = []
        for name in profile.roles:
            found = await self.store.role(ctx.account_id, name)
            if found is not None:
                roles.append(found.record)
        return roles

    async def _shape(
        self, ctx: RequestContext, profile: InstanceProfileRecord
    ) -> dict[str, object]:
        return profile_shape(profile, await self._roles_of(ctx, profile))

    async def create_instance_profile(self, ctx: RequestContext, params: Params) -> Result:
        name = check_name(params["InstanceProfileName"], "instanceProfileName", 128)
        path = check_path(params.get("Path"))
        profile = InstanceProfileRecord(
            name=name,
            path=path,
            id=unique_id(PROFILE_ID),
            arn=self.arn(ctx, "instance-profile", path, name),
            created=self.clock.now(),
            tags=check_tags(params.get("Tags")),
        )

        async def build() -> tuple[list[Op], None]:
            if await self.store.profile(ctx.account_id, name) is not None:
                raise already_exists(f"Instance Profile {name} already exists.")
            key = entity_key(ctx.account_id, name)
            return [Put(PROFILES, key, profile.encode(), ABSENT)], None

        await self.write(ctx, build)
        return {"InstanceProfile": profile_shape(profile, [])}

    async def get_instance_profile(self, ctx: RequestContext, params: Params) -> Result:
        profile = (await self.profile(ctx, params["InstanceProfileName"])).record
        return {"InstanceProfile": await self._shape(ctx, profile)}

    async def list_instance_profiles(self, ctx: RequestContext, params: Params) -> Result:
        prefix = check_path_prefix(params.get("PathPrefix"))
        profiles = [
            s.record
            for s in await self.store.profiles(ctx.account_id)
            if s.record.path.startswith(prefix)
        ]
        chosen, more = page(profiles, params, lambda p: p.name.lower())
        return {"InstanceProfiles": [await self._shape(ctx, p) for p in chosen], **more}

    async def list_instance_profiles_for_role(self, ctx: RequestContext, params: Params) -> Result:
        role = (await self.role(ctx, params["RoleName"])).record
        profiles = []
        for name in role.profiles:
            found = await self.store.profile(ctx.account_id, name)
            if found is not None:
                profiles.append(found.record)
        chosen, more = page(profiles, params, lambda p: p.name.lower())
        return {"InstanceProfiles": [await self._shape(ctx, p) for p in chosen], **more}

    async def delete_instance_profile(self, ctx: RequestContext, params: Params) -> Result:
        async def build() -> tuple[list[Op], None]:
            stored = await self.profile(ctx, params["InstanceProfileName"])
            if stored.record.roles:
                raise delete_conflict(
                    "Cannot delete entity, must remove roles from instance profile first."
                )
            key = entity_key(ctx.account_id, stored.record.name)
            return [Delete(PROFILES, key, expect=stored.version)], None

        await self.write(ctx, build)
        return {}

    async def add_role_to_instance_profile(self, ctx: RequestContext, params: Params) -> Result:
        await self._role_in_profile(ctx, params, add=True)
        return {}

    async def remove_role_from_instance_profile(
        self, ctx: RequestContext, params: Params
    ) -> Result:
        await self._role_in_profile(ctx, params, add=False)
        return {}

    async def _role_in_profile(self, ctx: RequestContext, params: Params, *, add: bool) -> None:
        async def build() -> tuple[list[Op], None]:
            profile = await self.profile(ctx, params["InstanceProfileName"])
            role = await self.role(ctx, params["RoleName"])
            p, r = profile.record, role.record
            present = any(n.lower() == r.name.lower() for n in p.roles)
            if add and p.roles:
                raise limit_exceeded(
                    "Cannot exceed quota for InstanceSessionsPerInstanceProfile: 1"
                )
            if not add and not present:
                raise not_found("role", r.name)
            p.roles = [r.name] if add else []
            rest = [n for n in r.profiles if n.lower() != p.name.lower()]
            r.profiles = [*rest, p.name] if add else rest
            return [
                Put(PROFILES, entity_key(ctx.account_id, p.name), p.encode(), profile.version),
                Put(ROLES, entity_key(ctx.account_id, r.name), r.encode(), role.version),
            ], None

        await self.write(ctx, build)

    async def tag_instance_profile(self, ctx: RequestContext, params: Params) -> Result:
        new = check_tags(params["Tags"])

        def change(profile: InstanceProfileRecord) -> None:
            profile.tags = merge_tags(profile.tags, new)

        await self._change_profile(ctx, params["InstanceProfileName"], change)
        return {}

    async def untag_instance_profile(self, ctx: RequestContext, params: Params) -> Result:
        keys = params["TagKeys"]

        def change(profile: InstanceProfileRecord) -> None:
            profile.tags = remove_tags(profile.tags, keys)

        await self._change_profile(ctx, params["InstanceProfileName"], change)
        return {}

    async def list_instance_profile_tags(self, ctx: RequestContext, params: Params) -> Result:
        profile = (await self.profile(ctx, params["InstanceProfileName"])).record
        chosen, more = page(tag_list(profile.tags), params, lambda t: str(t["Key"]))
        return {"Tags": chosen, **more}

    async def _change_profile(self, ctx: RequestContext, name: str, change: ProfileChange) -> None:
        await self.rewrite(ctx, PROFILES, lambda: self.profile(ctx, name), change)
