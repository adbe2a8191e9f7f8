"""IAM's records in the metadata port: typed reads, account-wide scans, atomic commits."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

from ownstack.core.records import JsonRecord
from ownstack.ports.meta import MetaStore, Op, prefix_end

from .generations import bump_ops, touched_accounts
from .records import (
    ACCOUNTS,
    GROUPS,
    KEYS,
    POLICIES,
    PROFILES,
    ROLES,
    USERS,
    AccessKeyRecord,
    AccountRecord,
    GroupRecord,
    InstanceProfileRecord,
    PolicyRecord,
    RoleRecord,
    UserRecord,
    entity_key,
)

R = TypeVar("R", bound=JsonRecord)
_SCAN_CHUNK = 1000


@dataclass(slots=True)
class Stored(Generic[R]):
    """A record and the version it was read at (what a commit then expects)."""

    record: R
    version: int


class IamStore:
    def __init__(self, meta: MetaStore) -> None:
        self.meta = meta

    async def read(self, ns: str, key: str, cls: type[R]) -> Stored[R] | None:
        raw = await self.meta.get(ns, key)
        return None if raw is None else Stored(cls.decode(raw.value), raw.version)

    async def scan(self, ns: str, prefix: str, cls: type[R]) -> list[Stored[R]]:
        """Every record whose key starts with `prefix`, in key order."""
        out: list[Stored[R]] = []
        cursor, end = prefix, prefix_end(prefix)
        while True:
            page = await self.meta.scan(ns, start=cursor, end=end, limit=_SCAN_CHUNK)
            out.extend(Stored(cls.decode(r.value), r.version) for r in page)
            if len(page) < _SCAN_CHUNK:
                return out
            cursor = page[-1].key + "\x00"

    async def commit(self, ops: Sequence[Op], accounts: Iterable[str] | None = None) -> None:
        """Commit `ops` together with the generation bump of every account they change (see
        generations.py: how other processes sharing the store learn of the write). `accounts`
        names them; None reads them off the ops."""
        changed = touched_accounts(ops) if accounts is None else set(accounts)
        await self.meta.commit([*ops, *bump_ops(changed)])

    async def user(self, account_id: str, name: str) -> Stored[UserRecord] | None:
        return await self.read(USERS, entity_key(account_id, name), UserRecord)

    async def group(self, account_id: str, name: str) -> Stored[GroupRecord] | None:
        return await self.read(GROUPS, entity_key(account_id, name), GroupRecord)

    async def role(self, account_id: str, name: str) -> Stored[RoleRecord] | None:
        return await self.read(ROLES, entity_key(account_id, name), RoleRecord)

    async def policy(self, account_id: str, name: str) -> Stored[PolicyRecord] | None:
        return await self.read(POLICIES, entity_key(account_id, name), PolicyRecord)

    async def profile(self, account_id: str, name: str) -> Stored[InstanceProfileRecord] | None:
        return await self.read(PROFILES, entity_key(account_id, name), InstanceProfileRecord)

    async def key(self, key_id: str) -> Stored[AccessKeyRecord] | None:
        return await self.read(KEYS, key_id, AccessKeyRecord)

    async def account(self, account_id: str) -> Stored[AccountRecord] | None:
        return await self.read(ACCOUNTS, account_id, AccountRecord)

    async def users(self, account_id: str) -> list[Stored[UserRecord]]:
        return await self.scan(USERS, account_id + "/", UserRecord)

    async def groups(self, account_id: str) -> list[Stored[GroupRecord]]:
        return await self.scan(GROUPS, account_id + "/", GroupRecord)

    async def roles(self, account_id: str) -> list[Stored[RoleRecord]]:
        return await self.scan(ROLES, account_id + "/", RoleRecord)

    async def policies(self, account_id: str) -> list[Stored[PolicyRecord]]:
        return await self.scan(POLICIES, account_id + "/", PolicyRecord)

    async def profiles(self, account_id: str) -> list[Stored[InstanceProfileRecord]]:
        return await self.scan(PROFILES, account_id + "/", InstanceProfileRecord)

    async def all_keys(self) -> list[Stored[AccessKeyRecord]]:
        return await self.scan(KEYS, "", AccessKeyRecord)
