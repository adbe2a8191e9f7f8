"""State every IAM operation mixin shares: the store, the directory, the clock; loading the
caller's entities (NoSuchEntity when absent) and committing changes atomically."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

from ownstack.core.clock import Clock
from ownstack.core.context import RequestContext
from ownstack.identity.directory import IdentityDirectory
from ownstack.identity.records import (
    GROUPS,
    ROLES,
    USERS,
    GroupRecord,
    InstanceProfileRecord,
    PolicyRecord,
    RoleRecord,
    UserRecord,
    entity_key,
)
from ownstack.identity.store import Stored
from ownstack.ports.errors import ConditionFailed
from ownstack.ports.meta import MetaStore, Op, Put

from .errors import (
    concurrent_modification,
    no_such_entity,
    not_found,
    policy_not_found,
    protected_role,
)
from .linked_services import is_service_linked

T = TypeVar("T")
E = TypeVar("E", bound="UserRecord | GroupRecord | RoleRecord")
N = TypeVar(
    "N", bound="UserRecord | GroupRecord | RoleRecord | PolicyRecord | InstanceProfileRecord"
)
_ATTEMPTS = 8

Entity = UserRecord | GroupRecord | RoleRecord


@dataclass(frozen=True, slots=True)
class EntityKind(Generic[E]):
    """What users, groups and roles share for inline and attached policies."""

    label: str
    """user, group, role: as AWS's messages and ARNs say it."""
    ns: str
    cls: type[E]
    param: str
    """The request member naming it (UserName, GroupName, RoleName)."""
    inline_quota: int
    attach_quota: str
    """The name of its managed-policies quota (PoliciesPerUser...)."""


USER_KIND = EntityKind("user", USERS, UserRecord, "UserName", 2048, "PoliciesPerUser")
GROUP_KIND = EntityKind("group", GROUPS, GroupRecord, "GroupName", 5120, "PoliciesPerGroup")
ROLE_KIND = EntityKind("role", ROLES, RoleRecord, "RoleName", 10240, "PoliciesPerRole")


class IamBase:
    def __init__(self, meta: MetaStore, directory: IdentityDirectory, clock: Clock) -> None:
        self.meta = meta
        self.directory = directory
        self.store = directory.store
        self.clock = clock

    @staticmethod
    def arn(ctx: RequestContext, kind: str, path: str, name: str) -> str:
        return f"arn:aws:iam::{ctx.account_id}:{kind}{path}{name}"

    async def write(
        self, ctx: RequestContext, build: Callable[[], Awaitable[tuple[Sequence[Op], T]]]
    ) -> T:
        """Commit what `build` reads and decides, all or nothing. Each op expects the version
        `build` read, so a concurrent change makes it read and decide again."""
        for _ in range(_ATTEMPTS):
            ops, result = await build()
            try:
                await self.store.commit(ops)
            except ConditionFailed:
                continue
            self.directory.changed(ctx.account_id)
            return result
        raise concurrent_modification()

    async def rewrite(
        self,
        ctx: RequestContext,
        ns: str,
        load: Callable[[], Awaitable[Stored[N]]],
        change: Callable[[N], None],
    ) -> N:
        """Load one record, let `change` modify it, and write it back (again from the load if
        someone else wrote it meanwhile). Returns the record as written."""

        async def build() -> tuple[list[Op], N]:
            stored = await load()
            change(stored.record)
            key = entity_key(ctx.account_id, stored.record.name)
            return [Put(ns, key, stored.record.encode(), expect=stored.version)], stored.record

        return await self.write(ctx, build)

    async def modifiable(self, ctx: RequestContext, kind: EntityKind[E], name: str) -> Stored[E]:
        """`entity`, for a change: a service-linked role is changed only by its service
        (UnmodifiableEntity, as IAM answers)."""
        stored = await self.entity(ctx, kind, name)
        record = stored.record
        if isinstance(record, RoleRecord) and is_service_linked(record.path):
            raise protected_role(record.name)
        return stored

    async def entity(self, ctx: RequestContext, kind: EntityKind[E], name: str) -> Stored[E]:
        found = await self.store.read(kind.ns, entity_key(ctx.account_id, name), kind.cls)
        if found is None:
            raise not_found(kind.label, name)
        return found

    async def user(self, ctx: RequestContext, name: str) -> Stored[UserRecord]:
        return await self.entity(ctx, USER_KIND, name)

    async def group(self, ctx: RequestContext, name: str) -> Stored[GroupRecord]:
        return await self.entity(ctx, GROUP_KIND, name)

    async def role(self, ctx: RequestContext, name: str) -> Stored[RoleRecord]:
        return await self.entity(ctx, ROLE_KIND, name)

    async def customer_policy(self, ctx: RequestContext, arn: str) -> Stored[PolicyRecord]:
        """The caller's managed policy `arn`; NoSuchEntity otherwise."""
        found = None
        if arn.startswith(f"arn:aws:iam::{ctx.account_id}:policy/"):
            found = await self.store.policy(ctx.account_id, arn.rsplit("/", 1)[-1])
        if found is None or found.record.arn != arn:
            raise policy_not_found(arn)
        return found

    async def profile(self, ctx: RequestContext, name: str) -> Stored[InstanceProfileRecord]:
        found = await self.store.profile(ctx.account_id, name)
        if found is None:
            raise no_such_entity(f"Instance Profile {name} cannot be found.")
        return found
