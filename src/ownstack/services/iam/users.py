"""Users: CreateUser, GetUser, ListUsers, UpdateUser, DeleteUser, their tags and boundary."""

from __future__ import annotations

from collections.abc import Callable

from ownstack.core.context import ROOT, USER, RequestContext
from ownstack.core.service import Params, Result
from ownstack.identity.keys import USER_ID, unique_id
from ownstack.identity.records import GROUPS, KEYS, USERS, UserRecord, entity_key
from ownstack.ports.meta import ABSENT, Delete, Op, Put

from .errors import already_exists, delete_conflict, validation_error
from .paging import page
from .refs import PolicyRefs
from .shapes import tag_list, user_shape
from .validate import (
    check_name,
    check_path,
    check_path_prefix,
    check_tags,
    merge_tags,
    remove_tags,
)

TagChange = Callable[[dict[str, str]], dict[str, str]]


class UserOps(PolicyRefs):
    async def create_user(self, ctx: RequestContext, params: Params) -> Result:
        name = check_name(params["UserName"], "userName", 64)
        path = check_path(params.get("Path"))
        tags = check_tags(params.get("Tags"))
        boundary = params.get("PermissionsBoundary") or ""
        user = UserRecord(
            name=name,
            path=path,
            id=unique_id(USER_ID),
            arn=self.arn(ctx, "user", path, name),
            created=self.clock.now(),
            tags=tags,
            boundary=boundary,
        )

        async def build() -> tuple[list[Op], None]:
            if await self.store.user(ctx.account_id, name) is not None:
                raise already_exists(f"User with name {name} already exists.")
            ops: list[Op] = [Put(USERS, entity_key(ctx.account_id, name), user.encode(), ABSENT)]
            return ops + await self.change_boundary(ctx, "", boundary), None

        await self.write(ctx, build)
        return {"User": user_shape(user)}

    async def get_user(self, ctx: RequestContext, params: Params) -> Result:
        name = params.get("UserName")
        if not name:
            return {"User": await self._caller(ctx)}
        return {"User": user_shape((await self.user(ctx, name)).record)}

    async def _caller(self, ctx: RequestContext) -> dict[str, object]:
        principal = ctx.principal
        if principal.kind == ROOT:
            return {"UserId": principal.account_id, "Arn": principal.arn, "CreateDate": 0.0}
        if principal.kind != USER:
            raise validation_error("Must specify userName when calling with non-User credentials")
        return user_shape((await self.user(ctx, principal.name)).record)

    async def list_users(self, ctx: RequestContext, params: Params) -> Result:
        prefix = check_path_prefix(params.get("PathPrefix"))
        users = [
            s.record
            for s in await self.store.users(ctx.account_id)
            if s.record.path.startswith(prefix)
        ]
        chosen, more = page(users, params, lambda u: u.name.lower())
        return {"Users": [user_shape(u, tags=False) for u in chosen], **more}

    async def update_user(self, ctx: RequestContext, params: Params) -> Result:
        old_name = params["UserName"]
        new_name = check_name(params.get("NewUserName") or old_name, "newUserName", 64)
        new_path = params.get("NewPath")
        if new_path is not None:
            check_path(new_path, "newPath")

        async def build() -> tuple[list[Op], None]:
            stored = await self.user(ctx, old_name)
            user = stored.record
            old_key = entity_key(ctx.account_id, user.name)
            new_key = entity_key(ctx.account_id, new_name)
            if new_key != old_key and await self.store.user(ctx.account_id, new_name):
                raise already_exists(f"User with name {new_name} already exists.")
            user.name, user.path = new_name, new_path or user.path
            user.arn = self.arn(ctx, "user", user.path, user.name)
            ops: list[Op] = [Delete(USERS, old_key, expect=stored.version)]
            ops.append(Put(USERS, new_key, user.encode(), ABSENT if new_key != old_key else None))
            if new_key == old_key:
                ops = [Put(USERS, old_key, user.encode(), expect=stored.version)]
            ops += await self._follow_rename(ctx, user)
            return ops, None

        await self.write(ctx, build)
        for key_id in (await self.user(ctx, new_name)).record.keys:
            key = await self.store.key(key_id)
            if key is not None:
                self.directory.key_written(key.record)
        return {}

    async def _follow_rename(self, ctx: RequestContext, user: UserRecord) -> list[Op]:
        """The user's groups and keys, rewritten to its new name and ARN."""
        ops: list[Op] = []
        for group_name in user.groups:
            group = await self.store.group(ctx.account_id, group_name)
            if group is None:
                continue
            members = [m for m in group.record.members if m.lower() != user.name.lower()]
            group.record.members = [*members, user.name]
            key = entity_key(ctx.account_id, group.record.name)
            ops.append(Put(GROUPS, key, group.record.encode(), expect=group.version))
        for key_id in user.keys:
            access_key = await self.store.key(key_id)
            if access_key is None:
                continue
            access_key.record.user, access_key.record.user_arn = user.name, user.arn
            ops.append(Put(KEYS, key_id, access_key.record.encode(), expect=access_key.version))
        return ops

    async def delete_user(self, ctx: RequestContext, params: Params) -> Result:
        async def build() -> tuple[list[Op], None]:
            stored = await self.user(ctx, params["UserName"])
            user = stored.record
            if user.keys:
                raise delete_conflict("Cannot delete entity, must delete access keys first.")
            if user.inline:
                raise delete_conflict("Cannot delete entity, must delete policies first.")
            if user.attached:
                raise delete_conflict("Cannot delete entity, must detach all policies first.")
            if user.groups:
                raise delete_conflict(
                    "Cannot delete entity, must remove user from all groups first."
                )
            key = entity_key(ctx.account_id, user.name)
            ops: list[Op] = [Delete(USERS, key, expect=stored.version)]
            return ops + await self.change_boundary(ctx, user.boundary, ""), None

        await self.write(ctx, build)
        return {}

    async def tag_user(self, ctx: RequestContext, params: Params) -> Result:
        new = check_tags(params["Tags"])
        await self._retag_user(ctx, params["UserName"], lambda tags: merge_tags(tags, new))
        return {}

    async def untag_user(self, ctx: RequestContext, params: Params) -> Result:
        keys = params["TagKeys"]
        await self._retag_user(ctx, params["UserName"], lambda tags: remove_tags(tags, keys))
        return {}

    async def list_user_tags(self, ctx: RequestContext, params: Params) -> Result:
        user = (await self.user(ctx, params["UserName"])).record
        chosen, more = page(tag_list(user.tags), params, lambda t: str(t["Key"]))
        return {"Tags": chosen, **more}

    async def _retag_user(self, ctx: RequestContext, name: str, change: TagChange) -> None:
        def retag(user: UserRecord) -> None:
            user.tags = change(user.tags)

        await self.rewrite(ctx, USERS, lambda: self.user(ctx, name), retag)

    async def put_user_permissions_boundary(self, ctx: RequestContext, params: Params) -> Result:
        await self._set_user_boundary(ctx, params["UserName"], params["PermissionsBoundary"])
        return {}

    async def delete_user_permissions_boundary(self, ctx: RequestContext, params: Params) -> Result:
        await self._set_user_boundary(ctx, params["UserName"], "")
        return {}

    async def _set_user_boundary(self, ctx: RequestContext, name: str, arn: str) -> None:
        async def build() -> tuple[list[Op], None]:
            stored = await self.user(ctx, name)
            ops = await self.change_boundary(ctx, stored.record.boundary, arn)
            stored.record.boundary = arn
            key = entity_key(ctx.account_id, stored.record.name)
            ops.append(Put(USERS, key, stored.record.encode(), expect=stored.version))
            return ops, None

        await self.write(ctx, build)
