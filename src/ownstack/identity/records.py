"""How IAM keeps its entities in the metadata port. Existing data dirs depend on it.

Namespaces and keys (every entity is scoped by its account; names are unique in an account
without regard to case, as IAM's are, so keys hold the lower-cased name):
  USERS       <acct>/<name>     -> UserRecord (inline policies, attachments, groups, key ids)
  GROUPS      <acct>/<name>     -> GroupRecord (inline policies, attachments, member names)
  ROLES       <acct>/<name>     -> RoleRecord
  POLICIES    <acct>/<name>     -> PolicyRecord (a customer managed policy and its versions)
  PROFILES    <acct>/<name>     -> InstanceProfileRecord
  KEYS        <access key id>   -> AccessKeyRecord (global: the directory looks keys up by id)
  KEY_USE     <access key id>   -> KeyUseRecord (written lazily, apart from the key itself)
  ACCOUNTS    <acct>            -> AccountRecord (aliases)
  ALIASES     <alias>           -> AliasRecord (aliases are unique across all accounts)
  PASSWORD_POLICIES <acct>      -> PasswordPolicyRecord (the account's password policy)
  CREDENTIAL_REPORTS <acct>     -> CredentialReportRecord (the last credential report made)
  ROLE_DELETIONS <acct>/<task>  -> RoleDeletionRecord (DeleteServiceLinkedRole's task status)

Membership and attachments are kept on both sides where IAM needs both directions (a user's
groups and a group's members; an entity's attached ARNs and a policy's attachment count) and
every change commits both sides at once, each with its version expected.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ownstack.core.records import JsonRecord

USERS = "iam:users"
GROUPS = "iam:groups"
ROLES = "iam:roles"
POLICIES = "iam:policies"
PROFILES = "iam:profiles"
KEYS = "iam:keys"
KEY_USE = "iam:keyuse"
ACCOUNTS = "iam:accounts"
ALIASES = "iam:aliases"
PASSWORD_POLICIES = "iam:passwordpolicies"  # noqa: S105 (a namespace, not a password)
CREDENTIAL_REPORTS = "iam:credentialreports"
ROLE_DELETIONS = "iam:roledeletions"


def entity_key(account_id: str, name: str) -> str:
    return f"{account_id}/{name.lower()}"


@dataclass(slots=True)
class UserRecord(JsonRecord):
    name: str
    path: str
    id: str
    arn: str
    created: float
    tags: dict[str, str] = field(default_factory=dict)
    boundary: str = ""
    """The permissions boundary's policy ARN ("" for none)."""
    inline: dict[str, str] = field(default_factory=dict)
    """Inline policy name -> document text, as given."""
    attached: list[str] = field(default_factory=list)
    groups: list[str] = field(default_factory=list)
    keys: list[str] = field(default_factory=list)
    """The user's access key ids (at most two)."""


@dataclass(slots=True)
class GroupRecord(JsonRecord):
    name: str
    path: str
    id: str
    arn: str
    created: float
    inline: dict[str, str] = field(default_factory=dict)
    attached: list[str] = field(default_factory=list)
    members: list[str] = field(default_factory=list)


@dataclass(slots=True)
class RoleRecord(JsonRecord):
    name: str
    path: str
    id: str
    arn: str
    created: float
    trust: str
    description: str = ""
    max_session: int = 3600
    tags: dict[str, str] = field(default_factory=dict)
    boundary: str = ""
    inline: dict[str, str] = field(default_factory=dict)
    attached: list[str] = field(default_factory=list)
    profiles: list[str] = field(default_factory=list)
    """Names of the instance profiles holding this role."""
    last_used: float = 0.0
    last_used_region: str = ""


@dataclass(slots=True)
class PolicyVersionRecord(JsonRecord):
    id: str
    document: str
    created: float


@dataclass(slots=True)
class PolicyRecord(JsonRecord):
    name: str
    path: str
    id: str
    arn: str
    created: float
    updated: float
    default_version: str
    versions: list[PolicyVersionRecord] = field(default_factory=list)
    next_version: int = 2
    description: str = ""
    attachments: int = 0
    boundary_uses: int = 0
    tags: dict[str, str] = field(default_factory=dict)

    def version(self, version_id: str) -> PolicyVersionRecord | None:
        return next((v for v in self.versions if v.id == version_id), None)

    @property
    def document(self) -> str:
        found = self.version(self.default_version)
        return found.document if found else ""


@dataclass(slots=True)
class InstanceProfileRecord(JsonRecord):
    name: str
    path: str
    id: str
    arn: str
    created: float
    roles: list[str] = field(default_factory=list)
    tags: dict[str, str] = field(default_factory=dict)


@dataclass(slots=True)
class AccessKeyRecord(JsonRecord):
    id: str
    account_id: str
    user: str
    """The owning user's name (as created; UpdateUser renaming the user rewrites it)."""
    user_id: str
    user_arn: str
    secret: str
    created: float
    active: bool = True


@dataclass(slots=True)
class KeyUseRecord(JsonRecord):
    when: float
    service: str
    region: str


@dataclass(slots=True)
class AccountRecord(JsonRecord):
    aliases: list[str] = field(default_factory=list)


@dataclass(slots=True)
class AliasRecord(JsonRecord):
    account_id: str


@dataclass(slots=True)
class PasswordPolicyRecord(JsonRecord):
    """UpdateAccountPasswordPolicy's members; 0 stands for a member not given (no expiry, no
    reuse prevention), None for a HardExpiry not given."""

    minimum_length: int = 6
    require_symbols: bool = False
    require_numbers: bool = False
    require_uppercase: bool = False
    require_lowercase: bool = False
    allow_users_to_change: bool = False
    max_age: int = 0
    reuse_prevention: int = 0
    hard_expiry: bool | None = None


@dataclass(slots=True)
class CredentialReportRecord(JsonRecord):
    generated: float
    content: str
    """The CSV text, as GetCredentialReport returns it."""


@dataclass(slots=True)
class RoleDeletionRecord(JsonRecord):
    """A DeleteServiceLinkedRole task. The deletion is done when the call commits, so a task
    that exists has succeeded."""

    role_name: str
    status: str
    started: float
