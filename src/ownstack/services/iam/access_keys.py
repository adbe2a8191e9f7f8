"""Access keys: CreateAccessKey, DeleteAccessKey, UpdateAccessKey, ListAccessKeys,
GetAccessKeyLastUsed. Two keys per user; every change reaches the directory's key index."""

from __future__ import annotations

from ownstack.core.context import USER, RequestContext
from ownstack.core.service import Params, Result
from ownstack.identity.keys import access_key_id, secret_access_key
from ownstack.identity.records import KEYS, USERS, AccessKeyRecord, entity_key
from ownstack.identity.store import Stored
from ownstack.ports.meta import ABSENT, Delete, Op, Put

from .base import IamBase
from .errors import limit_exceeded, no_such_entity, validation_error
from .paging import page
from .shapes import key_shape

MAX_KEYS = 2


def key_missing(key_id: str) -> Exception:
    return no_such_entity(f"The Access Key with id {key_id} cannot be found.")


class AccessKeyOps(IamBase):
    def _user_name(self, ctx: RequestContext, params: Params) -> str:
        """UserName, or the calling user's own name (as IAM defaults it)."""
        name = params.get("UserName")
        if name:
            return str(name)
        if ctx.principal.kind != USER:
            raise validation_error("Must specify userName when calling with non-User credentials")
        return ctx.principal.name

    async def create_access_key(self, ctx: RequestContext, params: Params) -> Result:
        name = self._user_name(ctx, params)

        async def build() -> tuple[list[Op], AccessKeyRecord]:
            stored = await self.user(ctx, name)
            user = stored.record
            if len(user.keys) >= MAX_KEYS:
                raise limit_exceeded(f"Cannot exceed quota for AccessKeysPerUser: {MAX_KEYS}")
            key = AccessKeyRecord(
                id=access_key_id(),
                account_id=ctx.account_id,
                user=user.name,
                user_id=user.id,
                user_arn=user.arn,
                secret=secret_access_key(),
                created=self.clock.now(),
            )
            user.keys.append(key.id)
            return [
                Put(USERS, entity_key(ctx.account_id, user.name), user.encode(), stored.version),
                Put(KEYS, key.id, key.encode(), ABSENT),
            ], key

        key = await self.write(ctx, build)
        self.directory.key_written(key)
        shape = key_shape(key)
        shape["SecretAccessKey"] = key.secret
        return {"AccessKey": shape}

    async def _owned_key(
        self, ctx: RequestContext, params: Params
    ) -> tuple[Stored[AccessKeyRecord], str]:
        key_id = params["AccessKeyId"]
        name = self._user_name(ctx, params)
        await self.user(ctx, name)
        stored = await self.store.key(key_id)
        if (
            stored is None
            or stored.record.account_id != ctx.account_id
            or stored.record.user.lower() != name.lower()
        ):
            raise key_missing(key_id)
        return stored, name

    async def delete_access_key(self, ctx: RequestContext, params: Params) -> Result:
        async def build() -> tuple[list[Op], str]:
            key, name = await self._owned_key(ctx, params)
            user = await self.user(ctx, name)
            user.record.keys = [k for k in user.record.keys if k != key.record.id]
            ukey = entity_key(ctx.account_id, user.record.name)
            return [
                Delete(KEYS, key.record.id, expect=key.version),
                Put(USERS, ukey, user.record.encode(), expect=user.version),
            ], key.record.id

        key_id = await self.write(ctx, build)
        self.directory.key_removed(key_id)
        return {}

    async def update_access_key(self, ctx: RequestContext, params: Params) -> Result:
        status = params["Status"]
        if status not in ("Active", "Inactive"):
            raise validation_error(
                f"1 validation error detected: Value '{status}' at 'status' failed to satisfy"
                " constraint: Member must satisfy enum value set: [Active, Inactive]"
            )

        async def build() -> tuple[list[Op], AccessKeyRecord]:
            key, _ = await self._owned_key(ctx, params)
            key.record.active = status == "Active"
            return [Put(KEYS, key.record.id, key.record.encode(), expect=key.version)], key.record

        self.directory.key_written(await self.write(ctx, build))
        return {}

    async def list_access_keys(self, ctx: RequestContext, params: Params) -> Result:
        user = (await self.user(ctx, self._user_name(ctx, params))).record
        keys = []
        for key_id in user.keys:
            stored = await self.store.key(key_id)
            if stored is not None:
                keys.append(stored.record)
        chosen, more = page(keys, params, lambda k: f"{k.created:020.6f}{k.id}")
        return {"AccessKeyMetadata": [key_shape(k) for k in chosen], **more}

    async def get_access_key_last_used(self, ctx: RequestContext, params: Params) -> Result:
        key_id = params["AccessKeyId"]
        stored = await self.store.key(key_id)
        if stored is None or stored.record.account_id != ctx.account_id:
            raise key_missing(key_id)
        use = await self.directory.key_last_used(key_id)
        if use is None:
            last: dict[str, object] = {"ServiceName": "N/A", "Region": "N/A"}
        else:
            last = {"LastUsedDate": use.when, "ServiceName": use.service, "Region": use.region}
        return {"UserName": stored.record.user, "AccessKeyLastUsed": last}
