"""Per-request state, passed explicitly to every service call (no globals)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

ROOT = "root"
USER = "user"
ASSUMED_ROLE = "assumed-role"
FEDERATED_USER = "federated-user"
ANONYMOUS = "anonymous"
SERVICE = "service"
"""Principal kinds. A service principal (lambda.amazonaws.com) is ownstack itself acting for
one service toward another (S3 -> SQS, SNS -> Lambda)."""


@dataclass(frozen=True, slots=True)
class Session:
    """What a temporary credential carries (STS): sealed inside its session token, so the
    gateway needs no table lookup to know it. Times are epoch seconds."""

    expires: float
    issued: float = 0.0
    policy: str = ""
    """The inline session policy (JSON text), empty for none."""
    policy_arns: tuple[str, ...] = ()
    """Managed session policies by ARN, resolved at each request (as AWS does)."""
    tags: Mapping[str, str] = field(default_factory=dict)
    transitive_tag_keys: tuple[str, ...] = ()
    source_identity: str = ""
    chained: bool = False
    """Made by a role session assuming a role (role chaining: at most one hour)."""
    mfa: bool = False
    token_kind: str = ""
    """Which STS call made it: AssumeRole, GetSessionToken or GetFederationToken."""

    @property
    def has_policies(self) -> bool:
        return bool(self.policy or self.policy_arns)


@dataclass(frozen=True, slots=True)
class Principal:
    """Who signed the request. `arn` is the IAM identity (root: arn:aws:iam::<acct>:root; a
    role session: arn:aws:sts::<acct>:assumed-role/<role>/<session>)."""

    account_id: str
    arn: str
    user_id: str
    access_key: str
    kind: str = ROOT
    name: str = ""
    """The user's name (aws:username), the role session's name, the federated user's name."""
    source_arn: str = ""
    """A role session's role ARN; a federated user's or GetSessionToken's IAM user ARN."""
    session: Session | None = None

    @property
    def is_anonymous(self) -> bool:
        return not self.access_key

    @property
    def is_root(self) -> bool:
        return self.kind == ROOT and bool(self.access_key)


@dataclass(slots=True)
class RequestContext:
    request_id: str
    account_id: str
    region: str
    principal: Principal
    service: str = ""
    operation: str = ""
    host: str = ""
    """The Host header as the client sent it (used to build URLs such as a queue's)."""
    scheme: str = "http"
    extra: dict[str, str] = field(default_factory=dict)
    granted_accounts: frozenset[str] = frozenset()
    """Accounts other than the caller's whose resources this request may reach: the gateway
    found a resource policy there that allows it. Services check ownership with `may_use`."""
    source_ip: str = ""
    denied_items: frozenset[str] = frozenset()
    """Resources of a multi-item operation (S3 DeleteObjects) the gateway found the caller
    may not touch: the service answers each with its own AccessDenied entry, as S3 does."""

    def may_use(self, owner_account: str) -> bool:
        """True when a resource of `owner_account` is the caller's, or reachable through a
        resource policy the gateway has already evaluated."""
        return owner_account == self.account_id or owner_account in self.granted_accounts
