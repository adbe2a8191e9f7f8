"""AWS's policy evaluation logic (IAM User Guide, "Policy evaluation logic": "Policy evaluation
for requests within a single account", "Cross-account policy evaluation logic", "Permissions
boundaries for IAM entities", "Session policies").

1. An explicit Deny in any applicable policy (identity, resource, boundary, session) denies.
2. The account's root, acting on its own account's resources, is allowed.
3. A service principal or an anonymous caller is allowed only by a resource policy.
4. Within one account: allowed when the identity side allows (identity policies AND the
   boundary, when one is set, AND the session policies, when the credential has them), or when
   the resource policy names the principal: naming the IAM user, the role session or everyone
   grants by itself; naming the role is still limited by the boundary and session policies;
   naming only the account grants nothing by itself.
5. Across accounts: the identity side must allow AND the resource policy must name the
   principal (naming its account suffices).

Trust policies (STS AssumeRole): evaluate with `resource_policy=<the role's trust policy>`,
the action `sts:AssumeRole` (then `sts:TagSession` / `sts:SetSourceIdentity` when the call
passes tags or a source identity), `resource=<the role's ARN>` and
`resource_account=<the role's account>`, plus the caller's identity/boundary/session policies.
Within the role's account a trust policy naming the user or role session suffices; one naming
the account needs the caller's identity policies to allow sts:AssumeRole, as on AWS.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from ownstack.core.context import ANONYMOUS, ASSUMED_ROLE, ROOT, SERVICE, USER, Principal

from .document import Policy
from .principals import Naming
from .statement import Statement
from .variables import Lookup


@dataclass(frozen=True, slots=True)
class AccessRequest:
    principal: Principal
    action: str
    """`service:Action` as the Service Authorization Reference spells it (s3:GetObject)."""
    resource: str
    """The resource's ARN, or `*` for actions without a resource."""
    context: Mapping[str, Sequence[str]]
    """Condition keys (names lower-cased) -> values; an absent key is absent here too.
    aws:username, aws:userid, aws:principalarn, aws:principalaccount and aws:principaltype
    default to the principal's own when the caller leaves them out."""


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
    """The words AWS puts after the resource in AccessDenied ("because no identity-based policy
    allows the s3:GetObject action", "with an explicit deny in a resource-based policy"...)."""
    matched: tuple[MatchedStatement, ...] = ()


_DENY_WORDS = {
    "identity": "with an explicit deny in an identity-based policy",
    "resource": "with an explicit deny in a resource-based policy",
    "trust": "with an explicit deny in a resource-based policy",
    "boundary": "with an explicit deny in a permissions boundary",
    "session": "with an explicit deny in a session policy",
}
_NO_ALLOW_WORDS = {
    "identity": "because no identity-based policy allows the {} action",
    "resource": "because no resource-based policy allows the {} action",
    "boundary": "because no permissions boundary allows the {} action",
    "session": "because no session policy allows the {} action",
}
_PRINCIPAL_TYPES = {
    ROOT: "Account",
    USER: "User",
    ASSUMED_ROLE: "AssumedRole",
    "federated-user": "FederatedUser",
}

Hit = tuple[Policy, Statement]


def evaluate(
    request: AccessRequest,
    *,
    identity: Sequence[Policy] = (),
    boundary: Policy | None = None,
    session: Sequence[Policy] | None = None,
    resource_policy: Policy | None = None,
    resource_account: str | None = None,
) -> Decision:
    """The decision for `request`; `session=()` is a session policy that allows nothing
    (GetFederationToken without a policy), `session=None` no session policy at all."""
    principal = request.principal
    action = request.action.lower()
    lookup = _lookup_for(request)
    r_deny, r_allow = _scan_resource(resource_policy, action, request.resource, lookup, principal)
    kind = principal.kind
    same_account = resource_account is None or resource_account == principal.account_id
    if (kind == ROOT and same_account) or kind in (SERVICE, ANONYMOUS):
        if r_deny:
            return _denied(_DENY_WORDS["resource"], r_deny)
        if r_allow or kind == ROOT:
            return _allowed([hit for hit, _ in r_allow])
        return Decision(False, _NO_ALLOW_WORDS["resource"].format(request.action))
    return _evaluate_iam(
        request, action, lookup, identity, boundary, session, (r_deny, r_allow), same_account
    )


def _evaluate_iam(
    request: AccessRequest,
    action: str,
    lookup: Lookup,
    identity: Sequence[Policy],
    boundary: Policy | None,
    session: Sequence[Policy] | None,
    resource_hits: tuple[list[Hit], list[tuple[Hit, Naming]]],
    same_account: bool,
) -> Decision:
    resource = request.resource
    r_deny, r_allow = resource_hits
    id_deny, id_allow = _scan(identity, action, resource, lookup)
    b_deny, b_allow = _scan((boundary,) if boundary else (), action, resource, lookup)
    s_deny, s_allow = _scan(session or (), action, resource, lookup)
    denials = (("identity", id_deny), ("resource", r_deny), ("boundary", b_deny))
    for kind, denies in (*denials, ("session", s_deny)):
        if denies:
            return _denied(_DENY_WORDS[kind], denies)
    # A foreign account's root has its own account's full permissions on the identity side.
    identity_ok = bool(id_allow) or request.principal.kind == ROOT
    boundary_ok = boundary is None or bool(b_allow)
    session_ok = session is None or bool(s_allow)
    limits = b_allow + s_allow
    naming = max((n for _, n in r_allow), default=Naming.NONE)
    granted = [hit for hit, _ in r_allow]
    identity_side = identity_ok and boundary_ok and session_ok
    if same_account:
        if identity_side:
            return _allowed(id_allow + limits + granted)
        if naming == Naming.DIRECT:
            return _allowed([hit for hit, n in r_allow if n == Naming.DIRECT])
        if naming == Naming.ROLE and boundary_ok and session_ok:
            return _allowed(limits + granted)
        missing = _first_missing(naming != Naming.ROLE and not identity_ok, boundary_ok)
    elif not identity_side:
        missing = _first_missing(not identity_ok, boundary_ok)
    elif naming == Naming.NONE:
        missing = "resource"
    else:
        return _allowed(id_allow + limits + granted)
    return Decision(False, _NO_ALLOW_WORDS[missing].format(request.action))


def _first_missing(identity_missing: bool, boundary_ok: bool) -> str:
    if identity_missing:
        return "identity"
    return "session" if boundary_ok else "boundary"


def _scan(
    policies: Sequence[Policy], action: str, resource: str, lookup: Lookup
) -> tuple[list[Hit], list[Hit]]:
    denies: list[Hit] = []
    allows: list[Hit] = []
    for policy in policies:
        for st in policy.index.lookup(action):
            if st.covers(resource, lookup) and st.holds(lookup):
                (allows if st.allow else denies).append((policy, st))
    return denies, allows


def _scan_resource(
    policy: Policy | None, action: str, resource: str, lookup: Lookup, principal: Principal
) -> tuple[list[Hit], list[tuple[Hit, Naming]]]:
    denies: list[Hit] = []
    allows: list[tuple[Hit, Naming]] = []
    if policy is None:
        return denies, allows
    for st in policy.index.lookup(action):
        naming = _naming(st, principal)
        if naming == Naming.NONE or not st.covers(resource, lookup) or not st.holds(lookup):
            continue
        if st.allow:
            allows.append(((policy, st), naming))
        else:
            denies.append((policy, st))
    return denies, allows


def _naming(st: Statement, principal: Principal) -> Naming:
    if st.principals is None:
        return Naming.NONE
    naming = st.principals.naming(principal)
    if st.not_principal:
        # NotPrincipal applies to everyone it does not name, as "*" would.
        return Naming.DIRECT if naming == Naming.NONE else Naming.NONE
    return naming


def _lookup_for(request: AccessRequest) -> Lookup:
    context = request.context
    principal = request.principal

    def lookup(key: str) -> Sequence[str] | None:
        values = context.get(key)
        if values is not None:
            return values
        return _principal_key(principal, key)

    return lookup


def _principal_key(principal: Principal, key: str) -> Sequence[str] | None:
    """The global keys every signed request carries, from the principal itself."""
    kind = principal.kind
    if kind in (SERVICE, ANONYMOUS) or not key.startswith("aws:"):
        return None
    if key == "aws:username":
        return (principal.name,) if kind == USER and principal.name else None
    if key == "aws:userid":
        return (principal.user_id,) if principal.user_id else None
    if key == "aws:principalarn":
        return (principal.source_arn if kind == ASSUMED_ROLE else principal.arn,)
    if key == "aws:principalaccount":
        return (principal.account_id,)
    if key == "aws:principaltype":
        kind_name = _PRINCIPAL_TYPES.get(kind)
        return (kind_name,) if kind_name else None
    return None


def _matched(hits: Sequence[Hit]) -> tuple[MatchedStatement, ...]:
    return tuple(
        MatchedStatement(p.source_id, p.kind, "Allow" if s.allow else "Deny", s.sid)
        for p, s in hits
    )


def _allowed(hits: Sequence[Hit]) -> Decision:
    return Decision(True, "", _matched(hits))


def _denied(reason: str, hits: Sequence[Hit]) -> Decision:
    return Decision(False, reason, _matched(hits))
