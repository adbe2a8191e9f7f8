"""Groups and membership: CreateGroup, GetGroup, ListGroups, UpdateGroup, DeleteGroup,
AddUserToGroup, RemoveUserFromGroup, ListGroupsForUser."""

from __future__ import annotations

from ownstack.core.context import RequestContext
from ownstack.core.service import Params, Result
from ownstack.identity.keys import GROUP_ID, unique_id
from ownstack.identity.records import GROUPS, USERS, GroupRecord, entity_key
from ownstack.ports.meta import ABSENT, Delete, Op, Put

from .base import IamBase
from .errors import already_exists, delete_conflict, no_such_entity
from .paging import page
from .shapes import group_shape, user_shape
from .validate import check_name, check_path, check_path_prefix


class GroupOps(IamBase):
    async def create_group(self, ctx: RequestContext, params: Params) -> Result:
        name = check_name(params["GroupName"], "groupName", 128)
        path = check_path(params.get("Path"))
        group = GroupRecord(
            name=name,
            path=path,
            id=unique_id(GROUP_ID),
            arn=self.arn(ctx, "group", path, name),
            created=self.clock.now(),
        )

        async def build() -> tuple[list[Op], None]:
            if await self.store.group(ctx.account_id, name) is not None:
                raise already_exists(f"Group with name {name} already exists.")
            key = entity_key(ctx.account_id, name)
            return [Put(GROUPS, key, group.encode(), ABSENT)], None

        await self.write(ctx, build)
        return {"Group": group_shape(group)}

    async def get_group(self, ctx: RequestContext, params: Params) -> Result:
        group = (await self.group(ctx, params["GroupName"])).record
        users = []
        for member in group.members:
            found = await self.store.user(ctx.account_id, member)
            if found is not None:
                users.append(found.record)
        chosen, more = page(users, params, lambda u: u.name.lower())
        return {
            "Group": group_shape(group),
            "Users": [user_shape(u, tags=False) for u in chosen],
            **more,
        }

    async def list_groups(self, ctx: RequestContext, params: Params) -> Result:
        prefix = check_path_prefix(params.get("PathPrefix"))
        groups = [
            s.record
            for s in await self.store.groups(ctx.account_id)
            if s.record.path.startswith(prefix)
        ]
        chosen, more = page(groups, params, lambda g: g.name.lower())
        return {"Groups": [group_shape(g) for g in chosen], **more}

    async def list_groups_for_user(self, ctx: RequestContext, params: Params) -> Result:
        user = (await self.user(ctx, params["UserName"])).record
        groups = []
        for name in user.groups:
            found = await self.store.group(ctx.account_id, name)
            if found is not None:
                groups.append(found.record)
        chosen, more = page(groups, params, lambda g: g.name.lower())
        return {"Groups": [group_shape(g) for g in chosen], **more}

    async def update_group(self, ctx: RequestContext, params: Params) -> Result:
        new_name = check_name(
            params.get("NewGroupName") or params["GroupName"], "newGroupName", 128
        )
        new_path = params.get("NewPath")
        if new_path is not None:
            check_path(new_path, "newPath")

        async def build() -> tuple[list[Op], None]:
            stored = await self.group(ctx, params["GroupName"])
            group = stored.record
            old_key = entity_key(ctx.account_id, group.name)
            new_key = entity_key(ctx.account_id, new_name)
            if new_key != old_key and await self.store.group(ctx.account_id, new_name):
                raise already_exists(f"Group with name {new_name} already exists.")
            old_name = group.name
            group.name, group.path = new_name, new_path or group.path
            group.arn = self.arn(ctx, "group", group.path, group.name)
            if new_key == old_key:
                ops: list[Op] = [Put(GROUPS, old_key, group.encode(), expect=stored.version)]
            else:
                ops = [
                    Delete(GROUPS, old_key, expect=stored.version),
                    Put(GROUPS, new_key, group.encode(), ABSENT),
                ]
            for member in group.members:
                user = await self.store.user(ctx.account_id, member)
                if user is None:
                    continue
                rest = [g for g in user.record.groups if g.lower() != old_name.lower()]
                user.record.groups = [*rest, new_name]
                key = entity_key(ctx.account_id, user.record.name)
                ops.append(Put(USERS, key, user.record.encode(), expect=user.version))
            return ops, None

        await self.write(ctx, build)
        return {}

    async def delete_group(self, ctx: RequestContext, params: Params) -> Result:
        async def build() -> tuple[list[Op], None]:
            stored = await self.group(ctx, params["GroupName"])
            group = stored.record
            if group.members:
                raise delete_conflict("Cannot delete entity, must remove users from group first.")
            if group.inline:
                raise delete_conflict("Cannot delete entity, must delete policies first.")
            if group.attached:
                raise delete_conflict("Cannot delete entity, must detach all policies first.")
            key = entity_key(ctx.account_id, group.name)
            return [Delete(GROUPS, key, expect=stored.version)], None

        await self.write(ctx, build)
        return {}

    async def add_user_to_group(self, ctx: RequestContext, params: Params) -> Result:
        await self._membership(ctx, params, add=True)
        return {}

    async def remove_user_from_group(self, ctx: RequestContext, params: Params) -> Result:
        await self._membership(ctx, params, add=False)
        return {}

    async def _membership(self, ctx: RequestContext, params: Params, *, add: bool) -> None:
        async def build() -> tuple[list[Op], None]:
            group = await self.group(ctx, params["GroupName"])
            user = await self.user(ctx, params["UserName"])
            g, u = group.record, user.record
            members = [m for m in g.members if m.lower() != u.name.lower()]
            groups = [n for n in u.groups if n.lower() != g.name.lower()]
            if not add and len(members) == len(g.members):
                raise no_such_entity(
                    f"The user with name {u.name} cannot be found in group {g.name}."
                )
            g.members = [*members, u.name] if add else members
            u.groups = [*groups, g.name] if add else groups
            return [
                Put(GROUPS, entity_key(ctx.account_id, g.name), g.encode(), group.version),
                Put(USERS, entity_key(ctx.account_id, u.name), u.encode(), user.version),
            ], None

        await self.write(ctx, build)
