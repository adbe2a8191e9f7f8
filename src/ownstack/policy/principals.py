"""The Principal / NotPrincipal element: parsing, validation and matching a request's principal
(IAM User Guide, "AWS JSON policy elements: Principal").

Matching answers how strongly a statement names the principal, because the evaluation logic
treats the ways differently within one account: naming only the account grants nothing by
itself, naming a role lets the session policy and boundary still limit, naming the user, the
role session or everyone grants directly.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from enum import IntEnum

from ownstack.core.context import (
    ANONYMOUS,
    ASSUMED_ROLE,
    FEDERATED_USER,
    ROOT,
    SERVICE,
    USER,
    Principal,
)

_PARTITION = r"arn:aws(?:-cn|-us-gov|-iso|-iso-b)?"
_ACCOUNT_ID = re.compile(r"\d{12}")
_ROOT = re.compile(_PARTITION + r":iam::(\d{12}):root")
_USER = re.compile(_PARTITION + r":iam::\d{12}:user/[^*?]+")
_ROLE = re.compile(_PARTITION + r":iam::\d{12}:role/[^*?]+")
_SESSION = re.compile(
    _PARTITION + r":sts::\d{12}:(?:assumed-role/[^/*?]+/[^*?]+|federated-user/[^*?]+)"
)
PRINCIPAL_TYPES = ("AWS", "Service", "Federated", "CanonicalUser")
_IAM_KINDS = frozenset({ROOT, USER, ASSUMED_ROLE, FEDERATED_USER})


class Naming(IntEnum):
    """How a statement names a principal, weakest first."""

    NONE = 0
    ACCOUNT = 1
    ROLE = 2
    DIRECT = 3


@dataclass(frozen=True, slots=True)
class PrincipalSpec:
    everyone: bool = False
    accounts: frozenset[str] = frozenset()
    users: frozenset[str] = frozenset()
    roles: frozenset[str] = frozenset()
    sessions: frozenset[str] = frozenset()
    services: frozenset[str] = frozenset()
    """Federated and CanonicalUser entries parse but name nothing ownstack issues."""

    def naming(self, principal: Principal) -> Naming:
        if self.everyone:
            return Naming.DIRECT
        kind = principal.kind
        if kind == SERVICE:
            return Naming.DIRECT if principal.arn in self.services else Naming.NONE
        if kind == ANONYMOUS or kind not in _IAM_KINDS:
            return Naming.NONE
        if kind == USER and (principal.arn in self.users or principal.source_arn in self.users):
            return Naming.DIRECT
        if principal.arn in self.sessions and kind in (ASSUMED_ROLE, FEDERATED_USER):
            return Naming.DIRECT
        if kind == ASSUMED_ROLE and principal.source_arn in self.roles:
            return Naming.ROLE
        if principal.account_id in self.accounts:
            return Naming.ACCOUNT
        return Naming.NONE

    @property
    def named_arns(self) -> tuple[str, ...]:
        """The IAM user and role ARNs named (IAM checks they exist when a policy is saved)."""
        return tuple(sorted(self.users | self.roles))


class InvalidPrincipal(ValueError):
    def __init__(self, kind: str, value: str) -> None:
        super().__init__(f'"{kind}":"{value}"')
        self.detail = f'"{kind}":"{value}"'


def parse_principal(element: object) -> PrincipalSpec:
    """`element` has passed the grammar: a string, or a map of type to string or strings."""
    if element == "*":
        return PrincipalSpec(everyone=True)
    if not isinstance(element, dict):
        raise InvalidPrincipal("AWS", str(element))
    parts: dict[str, set[str]] = {
        n: set() for n in ("accounts", "users", "roles", "sessions", "services")
    }
    everyone = False
    for kind, raw in element.items():
        values: Sequence[str] = [raw] if isinstance(raw, str) else raw
        for value in values:
            if kind not in PRINCIPAL_TYPES or not value:
                raise InvalidPrincipal(kind, value)
            if kind == "Service":
                parts["services"].add(value.lower())
            elif kind == "AWS":
                everyone = _add_aws(value, parts) or everyone
    return PrincipalSpec(everyone, **{n: frozenset(v) for n, v in parts.items()})


def _add_aws(value: str, parts: dict[str, set[str]]) -> bool:
    """Files an `"AWS"` entry; True when it is `*`."""
    if value == "*":
        return True
    root = _ROOT.fullmatch(value)
    if _ACCOUNT_ID.fullmatch(value) or root:
        parts["accounts"].add(root.group(1) if root else value)
    elif _USER.fullmatch(value):
        parts["users"].add(value)
    elif _ROLE.fullmatch(value):
        parts["roles"].add(value)
    elif _SESSION.fullmatch(value):
        parts["sessions"].add(value)
    else:
        raise InvalidPrincipal("AWS", value)
    return False
