"""The Directory the gateway asks who signed a request and what that principal may do.

Root keys come from the AccountBook, IAM users' active keys from an in-memory index loaded at
`open()` and kept current by the IAM service's writes (`key_written`, `key_removed`), and
temporary keys (ASIA...) from the session sealer. Compiled policies are cached per principal
until IAM changes anything in its account (`changed` bumps the account's generation).

The index and caches live in this process: a second ownstack process sharing the same meta
store sees another's IAM writes only when it restarts.
"""

from __future__ import annotations

import asyncio
import hmac
import logging

from ownstack.core.clock import Clock
from ownstack.core.context import ASSUMED_ROLE, FEDERATED_USER, ROOT, USER, Principal
from ownstack.policy import Policy
from ownstack.ports.meta import MetaStore, Put

from .compiled import PolicyCompiler, name_of
from .managed import AwsManagedPolicies
from .model import AccountBook, IdentityPolicies, KeyGrant, RoleInfo, UserInfo
from .records import KEY_USE, AccessKeyRecord, KeyUseRecord
from .sessions import SessionSealer
from .store import IamStore

log = logging.getLogger("ownstack.identity")
KEY_USE_INTERVAL = 60.0
"""Seconds between two writes of one key's last use: the rest only update memory."""
_CACHE_LIMIT = 10_000


class IdentityDirectory:
    def __init__(self, meta: MetaStore, accounts: AccountBook, clock: Clock) -> None:
        self.meta = meta
        self.accounts = accounts
        self.clock = clock
        self.sessions = SessionSealer(meta, clock)
        self.store = IamStore(meta)
        self.aws_policies = AwsManagedPolicies()
        self.compiler = PolicyCompiler(self.store, self.aws_policies)
        self._keys: dict[str, KeyGrant] = {}
        self._generations: dict[str, int] = {}
        self._cache: dict[tuple[str, str], tuple[int, IdentityPolicies]] = {}
        self._uses: dict[str, KeyUseRecord] = {}
        self._use_written: dict[str, float] = {}
        self._writes: set[asyncio.Task[None]] = set()

    async def open(self) -> None:
        """Before the first request: the sealing key, and the IAM keys index."""
        await self.sessions.open()
        for stored in await self.store.all_keys():
            self.key_written(stored.record)

    # -- what IAM's writes tell the directory

    def key_written(self, key: AccessKeyRecord) -> None:
        if not key.active:
            self.key_removed(key.id)
            return
        principal = Principal(
            account_id=key.account_id,
            arn=key.user_arn,
            user_id=key.user_id,
            access_key=key.id,
            kind=USER,
            name=key.user,
        )
        self._keys[key.id] = KeyGrant(key.secret, principal)

    def key_removed(self, key_id: str) -> None:
        self._keys.pop(key_id, None)

    def changed(self, account_id: str) -> None:
        """IAM changed something in `account_id`: every cached policy set there is stale."""
        self._generations[account_id] = self._generations.get(account_id, 0) + 1

    # -- Directory

    def credential(self, access_key: str, session_token: str | None) -> KeyGrant | None:
        if access_key.startswith("ASIA"):
            return self.sessions.credential(access_key, session_token)
        grant = self._keys.get(access_key)
        if grant is not None and hmac.compare_digest(grant.principal.access_key, access_key):
            return grant
        account = self.accounts.by_access_key(access_key)
        if account is None:
            return None
        principal = Principal(
            account_id=account.id,
            arn=f"arn:aws:iam::{account.id}:root",
            user_id=account.id,
            access_key=access_key,
            kind=ROOT,
        )
        return KeyGrant(account.root_secret_key, principal)

    async def policies(self, principal: Principal) -> IdentityPolicies:
        if principal.kind not in (USER, ASSUMED_ROLE, FEDERATED_USER):
            return IdentityPolicies()
        generation = self._generations.get(principal.account_id, 0)
        cache_key = (principal.arn, principal.access_key)
        cached = self._cache.get(cache_key)
        if cached is not None and cached[0] == generation:
            return cached[1]
        found = await self._gather(principal)
        if len(self._cache) >= _CACHE_LIMIT:
            self._cache.clear()
        self._cache[cache_key] = (generation, found)
        return found

    async def _gather(self, principal: Principal) -> IdentityPolicies:
        account_id = principal.account_id
        if principal.kind == ASSUMED_ROLE:
            role = await self.store.role(account_id, name_of(principal.source_arn))
            if role is None or role.record.arn != principal.source_arn:
                return IdentityPolicies(exists=False)
            return await self.compiler.for_role(role.record, principal)
        user_arn = principal.arn if principal.kind == USER else principal.source_arn
        if user_arn == f"arn:aws:iam::{account_id}:root":
            return await self.compiler.for_root_session(principal)
        user = await self.store.user(account_id, name_of(user_arn))
        if user is None or user.record.arn != user_arn:
            return IdentityPolicies(exists=False)
        if principal.kind == USER and user.record.id != principal.user_id:
            return IdentityPolicies(exists=False)  # a new user of the same name
        return await self.compiler.for_user(user.record, principal)

    def note_use(self, access_key: str, service: str, region: str, when: float) -> None:
        if access_key not in self._keys:
            return  # root keys and temporary keys have no AccessKeyLastUsed
        use = self._uses[access_key] = KeyUseRecord(when, service, region)
        if when - self._use_written.get(access_key, 0.0) < KEY_USE_INTERVAL:
            return
        self._use_written[access_key] = when
        try:
            task = asyncio.get_running_loop().create_task(self._write_use(access_key, use))
        except RuntimeError:  # no loop (a synchronous caller): memory only
            return
        self._writes.add(task)
        task.add_done_callback(self._writes.discard)

    async def _write_use(self, access_key: str, use: KeyUseRecord) -> None:
        try:
            await self.meta.commit([Put(KEY_USE, access_key, use.encode())])
        except Exception:  # a lost last-used stamp must never surface to a request
            log.exception("recording the last use of an access key failed")

    async def key_last_used(self, key_id: str) -> KeyUseRecord | None:
        """The freshest last use of an IAM key: this process's memory, else the stored one."""
        if key_id in self._uses:
            return self._uses[key_id]
        stored = await self.store.read(KEY_USE, key_id, KeyUseRecord)
        return stored.record if stored else None

    # -- IdentityReader

    async def user(self, account_id: str, name: str) -> UserInfo | None:
        stored = await self.store.user(account_id, name)
        if stored is None:
            return None
        u = stored.record
        return UserInfo(account_id, u.name, u.path, u.id, u.arn, dict(u.tags))

    async def role(self, account_id: str, name: str) -> RoleInfo | None:
        stored = await self.store.role(account_id, name)
        if stored is None:
            return None
        r = stored.record
        return RoleInfo(
            account_id, r.name, r.path, r.id, r.arn, r.trust, r.max_session, dict(r.tags)
        )

    async def managed_policy(self, arn: str) -> Policy | None:
        return await self.compiler.managed(arn)
