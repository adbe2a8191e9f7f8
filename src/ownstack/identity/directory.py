"""The Directory the gateway asks who signed a request. (Minimal: root keys only; the IAM
helper adds users, their keys and policies, and the STS helper's sessions.)"""

from __future__ import annotations

from ownstack.core.clock import Clock
from ownstack.core.context import ROOT, Principal
from ownstack.policy import Policy
from ownstack.ports.meta import MetaStore

from .model import AccountBook, IdentityPolicies, KeyGrant, RoleInfo, UserInfo
from .sessions import SessionSealer


class IdentityDirectory:
    def __init__(self, meta: MetaStore, accounts: AccountBook, clock: Clock) -> None:
        self.meta = meta
        self.accounts = accounts
        self.clock = clock
        self.sessions = SessionSealer(meta, clock)

    async def open(self) -> None:
        """Before the first request: the sealing key, and the IAM keys index."""
        await self.sessions.open()

    def credential(self, access_key: str, session_token: str | None) -> KeyGrant | None:
        if access_key.startswith("ASIA"):
            return self.sessions.credential(access_key, session_token)
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
        return IdentityPolicies()

    def note_use(self, access_key: str, service: str, region: str, when: float) -> None:
        return None

    async def user(self, account_id: str, name: str) -> UserInfo | None:
        return None

    async def role(self, account_id: str, name: str) -> RoleInfo | None:
        return None

    async def managed_policy(self, arn: str) -> Policy | None:
        return None
