"""STS session tokens. (Interface stub: the STS helper implements sealing.)"""

from __future__ import annotations

from dataclasses import dataclass

from ownstack.core.clock import Clock
from ownstack.core.context import Principal
from ownstack.ports.meta import MetaStore

from .model import KeyGrant


@dataclass(frozen=True, slots=True)
class TemporaryCredential:
    access_key_id: str
    secret_access_key: str
    session_token: str
    expiration: float


class SessionSealer:
    def __init__(self, meta: MetaStore, clock: Clock) -> None:
        self.meta = meta
        self.clock = clock

    async def open(self) -> None:
        """Load (or create, once) the sealing key kept in the meta port."""

    def issue(self, principal: Principal) -> TemporaryCredential:
        """New temporary keys for `principal` (whose `session` says until when and with what
        session policies and tags), sealed into a self-contained session token."""
        raise NotImplementedError

    def credential(self, access_key: str, token: str | None) -> KeyGrant | None:
        """The grant a temporary key stands for; raises CredentialError for an expired or
        tampered token, or one that does not belong to `access_key`."""
        return None
