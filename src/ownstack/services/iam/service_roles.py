"""Service-linked roles: CreateServiceLinkedRole, DeleteServiceLinkedRole,
GetServiceLinkedRoleDeletionStatus. The service names the role and owns its trust policy, so
DeleteRole and UpdateAssumeRolePolicy refuse it (roles.py); only DeleteServiceLinkedRole
removes it."""

from __future__ import annotations

import json
import uuid

from ownstack.core.context import RequestContext
from ownstack.core.service import Params, Result
from ownstack.identity.keys import ROLE_ID, unique_id
from ownstack.identity.records import (
    PROFILES,
    ROLE_DELETIONS,
    ROLES,
    RoleDeletionRecord,
    RoleRecord,
    entity_key,
)
from ownstack.ports.meta import ABSENT, Delete, Op, Put

from .errors import invalid_input, no_such_entity, not_found
from .linked_services import LINKED_SERVICES, ROLE_PREFIX, SERVICE_ROLE_PATH, is_service_linked
from .refs import PolicyRefs
from .roles import check_description
from .shapes import role_shape
from .validate import check_name

_TASK_PREFIX = "task" + SERVICE_ROLE_PATH
SUCCEEDED = "SUCCEEDED"


def linked_trust(service: str) -> str:
    """The trust policy AWS gives a service-linked role: its service may assume it."""
    statement = {"Effect": "Allow", "Principal": {"Service": service}, "Action": "sts:AssumeRole"}
    return json.dumps({"Version": "2012-10-17", "Statement": [statement]})


def linked_role_name(service: str, suffix: str | None) -> str:
    known = LINKED_SERVICES.get(service)
    if known is None:
        raise invalid_input(f"Unrecognized service principal: {service}")
    name = ROLE_PREFIX + known.role_name
    if suffix is None:
        return name
    if not known.custom_suffix:
        raise invalid_input(f"Custom suffix is not allowed for {service}")
    return check_name(f"{name}_{suffix}", "roleName", 64)


def _task_key(account_id: str, task_id: str) -> str:
    return f"{account_id}/{task_id}"


class ServiceRoleOps(PolicyRefs):
    async def create_service_linked_role(self, ctx: RequestContext, params: Params) -> Result:
        service = params["AWSServiceName"]
        name = linked_role_name(service, params.get("CustomSuffix"))
        path = f"{SERVICE_ROLE_PATH}{service}/"
        role = RoleRecord(
            name=name,
            path=path,
            id=unique_id(ROLE_ID),
            arn=self.arn(ctx, "role", path, name),
            created=self.clock.now(),
            trust=linked_trust(service),
            description=check_description(params.get("Description") or ""),
        )

        async def build() -> tuple[list[Op], None]:
            if await self.store.role(ctx.account_id, name) is not None:
                raise invalid_input(
                    f"Service role name {name} has been taken in this account, please try a"
                    " different suffix."
                )
            return [Put(ROLES, entity_key(ctx.account_id, name), role.encode(), ABSENT)], None

        await self.write(ctx, build)
        shape = role_shape(role)
        shape.pop("RoleLastUsed", None)
        return {"Role": shape}

    async def delete_service_linked_role(self, ctx: RequestContext, params: Params) -> Result:
        """Deletes at once (no resource of another service can still use the role here) and
        records the task as SUCCEEDED for GetServiceLinkedRoleDeletionStatus."""
        name = params["RoleName"]

        async def build() -> tuple[list[Op], str]:
            stored = await self.role(ctx, name)
            role = stored.record
            if not is_service_linked(role.path):
                raise not_found("role", name)
            service = role.path[len(SERVICE_ROLE_PATH) :].strip("/")
            task_id = f"{_TASK_PREFIX}{service}/{role.name}/{uuid.uuid4()}"
            task = RoleDeletionRecord(role.name, SUCCEEDED, self.clock.now())
            ops: list[Op] = [
                Delete(ROLES, entity_key(ctx.account_id, role.name), expect=stored.version),
                Put(ROLE_DELETIONS, _task_key(ctx.account_id, task_id), task.encode(), ABSENT),
            ]
            ops += await self._release(ctx, role)
            return ops, task_id

        return {"DeletionTaskId": await self.write(ctx, build)}

    async def _release(self, ctx: RequestContext, role: RoleRecord) -> list[Op]:
        """What the role held: its managed policies' counters, its boundary's, its place in
        instance profiles."""
        ops: list[Op] = []
        for arn in role.attached:
            ops += await self.count_use(ctx, arn, attachments=-1)
        ops += await self.change_boundary(ctx, role.boundary, "")
        for profile_name in role.profiles:
            profile = await self.store.profile(ctx.account_id, profile_name)
            if profile is None:
                continue
            profile.record.roles = [r for r in profile.record.roles if r != role.name]
            key = entity_key(ctx.account_id, profile.record.name)
            ops.append(Put(PROFILES, key, profile.record.encode(), expect=profile.version))
        return ops

    async def get_service_linked_role_deletion_status(
        self, ctx: RequestContext, params: Params
    ) -> Result:
        task_id = params["DeletionTaskId"]
        if not task_id.startswith(_TASK_PREFIX):
            raise invalid_input(f"Invalid deletion task id: {task_id}")
        key = _task_key(ctx.account_id, task_id)
        found = await self.store.read(ROLE_DELETIONS, key, RoleDeletionRecord)
        if found is None:
            raise no_such_entity(f"Deletion task {task_id} cannot be found.")
        return {"Status": found.record.status}
