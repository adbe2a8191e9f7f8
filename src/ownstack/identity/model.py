"""The shapes the gateway, IAM and STS exchange about identities."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Protocol

from ownstack.core.context import Principal
from ownstack.policy import Policy


@dataclass(frozen=True, slots=True)
class Account:
    """An account: a namespace for IAM identities and resources, with its root's keys."""

    name: str
    id: str
    root_access_key: str
    root_secret_key: str


class AccountBook(Protocol):
    """Every account this server holds. Lookups are in memory (called on every request)."""

    @property
    def default(self) -> Account: ...

    def by_access_key(self, access_key: str) -> Account | None: ...

    def by_id(self, account_id: str) -> Account | None: ...

    def all(self) -> list[Account]: ...


class CredentialError(Exception):
    """A credential that cannot be used: `code` is AWS's (ExpiredToken, InvalidClientTokenId,
    InvalidAccessKeyId); the gateway words it in the request's protocol."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message


@dataclass(frozen=True, slots=True)
class KeyGrant:
    """What an access key id stands for: the secret to verify its signature with and the
    principal a verified request acts as."""

    secret: str
    principal: Principal


@dataclass(frozen=True, slots=True)
class IdentityPolicies:
    """A principal's policies as the evaluator takes them, compiled."""

    identity: tuple[Policy, ...] = ()
    boundary: Policy | None = None
    session: tuple[Policy, ...] | None = None
    """None: the credential carries no session policy (nothing narrows it)."""
    principal_tags: Mapping[str, str] = field(default_factory=dict)
    exists: bool = True
    """False when the user or role behind the principal has been deleted."""


class Directory(Protocol):
    def credential(self, access_key: str, session_token: str | None) -> KeyGrant | None:
        """The grant for an access key (None: unknown or inactive key). Temporary keys
        (ASIA...) need their session token; a bad or expired one raises CredentialError.
        In memory: called on every request."""
        ...

    async def policies(self, principal: Principal) -> IdentityPolicies:
        """The principal's identity policies, boundary, session policies and tags, compiled
        and cached until IAM changes them."""
        ...

    def note_use(self, access_key: str, service: str, region: str, when: float) -> None:
        """Record an access key's last use (GetAccessKeyLastUsed); cheap, written lazily."""
        ...


@dataclass(frozen=True, slots=True)
class UserInfo:
    account_id: str
    name: str
    path: str
    user_id: str
    """AIDA... (AWS's unique id)."""
    arn: str
    tags: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class RoleInfo:
    account_id: str
    name: str
    path: str
    role_id: str
    """AROA... (AWS's unique id)."""
    arn: str
    trust_policy: str
    max_session_duration: int = 3600
    tags: Mapping[str, str] = field(default_factory=dict)


class IdentityReader(Protocol):
    """What STS (and the gateway) read of IAM's entities."""

    async def user(self, account_id: str, name: str) -> UserInfo | None: ...

    async def role(self, account_id: str, name: str) -> RoleInfo | None: ...

    async def managed_policy(self, arn: str) -> Policy | None:
        """The default version of a managed policy (the account's or AWS's), compiled as an
        identity policy; None when there is no such policy."""
        ...
