"""The Directory the gateway asks who signed a request and what that principal may do.

Root keys come from the AccountBook, IAM users' active keys from an in-memory index loaded at
`open()` and kept current by the IAM service's writes (`key_written`, `key_removed`), and
temporary keys (ASIA...) from the session sealer. Compiled policies are cached per principal
until IAM changes anything in its account (`changed` bumps the account's generation).

The index and caches live in this process, and other processes may share the meta store: every
IAM commit also moves its account's generation record (generations.py), and the watcher
(watcher.py) calls `catch_up` on a timer, which drops the caches of the accounts whose record
moved and reloads their keys. The request path (`credential`, a cached `policies`) reads
nothing from the store.
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
from .generations import ALL_ACCOUNTS, GenerationTracker
from .managed import AwsManagedPolicies
from .model import Account, AccountBook, IdentityPolicies, KeyGrant, RoleInfo, UserInfo
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
        self._root_grants: dict[str, tuple[Account, KeyGrant]] = {}
        """Root keys' grants, each with the account record it was made from (a book that
        reloads its accounts hands out new records: the grant is made again then)."""
        self._generations: dict[str, int] = {}
        self._epoch = 0
        """Moved when every account's cached policies are stale at once."""
        self._cache: dict[tuple[str, str], tuple[tuple[int, int], IdentityPolicies]] = {}
        self._uses: dict[str, KeyUseRecord] = {}
        self._use_written: dict[str, float] = {}
        self._writes: set[asyncio.Task[None]] = set()
        self.generations = GenerationTracker(meta)
        self._touched: set[str] | None = None
        """Key ids this process wrote while `catch_up` was reading (its scan may predate them)."""

    async def open(self) -> None:
        """Before the first request: the sealing key, and the IAM keys index."""
        await self.sessions.open()
        # Generations first: a write landing during the key scan moves one, caught up later.
        self.generations.accept(await self.generations.read())
        for stored in await self.store.all_keys():
            self.key_written(stored.record)

    async def catch_up(self) -> set[str]:
        """Act on the IAM writes other processes made since the last call: drop the cached
        policies of each account whose generation moved and reload its keys. Returns those
        accounts (ALL_ACCOUNTS among them: every account)."""
        current = await self.generations.read()
        moved = self.generations.moved(current)
        if not moved:
            return moved
        everyone = ALL_ACCOUNTS in moved
        self._drop_cached(moved, everyone)
        self._touched = set()
        try:
            scanned = [s.record for s in await self.store.all_keys()]
            self._reindex(scanned, moved, everyone, self._touched)
        finally:
            self._touched = None
        self.generations.accept(current)
        return moved

    def _drop_cached(self, accounts: set[str], everyone: bool) -> None:
        if everyone:
            # Not just clear(): a lookup in flight would put its stale answer back.
            self._epoch += 1
            self._cache.clear()
            return
        for account_id in accounts:
            self.changed(account_id)

    def _reindex(
        self, scanned: list[AccessKeyRecord], accounts: set[str], everyone: bool, keep: set[str]
    ) -> None:
        """Replace the index entries of `accounts` with `scanned`, except the keys in `keep`
        (written here after the scan began: this process's own word is newer)."""

        def ours(account_id: str) -> bool:
            return everyone or account_id in accounts

        for key_id, grant in list(self._keys.items()):
            if ours(grant.principal.account_id) and key_id not in keep:
                del self._keys[key_id]
        for key in scanned:
            if ours(key.account_id) and key.id not in keep:
                self._index(key)

    # -- what IAM's writes tell the directory

    def key_written(self, key: AccessKeyRecord) -> None:
        if self._touched is not None:
            self._touched.add(key.id)
        self._index(key)

    def _index(self, key: AccessKeyRecord) -> None:
        if not key.active:
            self._keys.pop(key.id, None)
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
        if self._touched is not None:
            self._touched.add(key_id)
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
        known = self._root_grants.get(access_key)
        if known is not None and known[0] is account:
            return known[1]  # the same account record: its grant is the same too
        principal = Principal(
            account_id=account.id,
            arn=f"arn:aws:iam::{account.id}:root",
            user_id=account.id,
            access_key=access_key,
            kind=ROOT,
        )
        grant = KeyGrant(account.root_secret_key, principal)
        self._root_grants[access_key] = (account, grant)
        return grant

    async def policies(self, principal: Principal) -> IdentityPolicies:
        if principal.kind not in (USER, ASSUMED_ROLE, FEDERATED_USER):
            return IdentityPolicies()
        generation = (self._epoch, self._generations.get(principal.account_id, 0))
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
