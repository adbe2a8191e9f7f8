"""AWS's policy evaluation logic. (Interface stub: the policy helper replaces the bodies.)"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from ownstack.core.context import Principal

from .document import Policy


@dataclass(frozen=True, slots=True)
class AccessRequest:
    principal: Principal
    action: str
    """`service:Action` as the Service Authorization Reference spells it (s3:GetObject)."""
    resource: str
    """The resource's ARN, or `*` for actions without a resource."""
    context: Mapping[str, Sequence[str]]
    """Condition keys (names lower-cased) -> values; an absent key is absent here too."""


@dataclass(frozen=True, slots=True)
class MatchedStatement:
    source_id: str
    kind: str
    effect: str
    sid: str = ""


@dataclass(frozen=True, slots=True)
class Decision:
    allowed: bool
    reason: str = ""
    matched: tuple[MatchedStatement, ...] = ()


def evaluate(
    request: AccessRequest,
    *,
    identity: Sequence[Policy] = (),
    boundary: Policy | None = None,
    session: Sequence[Policy] | None = None,
    resource_policy: Policy | None = None,
    resource_account: str | None = None,
) -> Decision:
    raise NotImplementedError
