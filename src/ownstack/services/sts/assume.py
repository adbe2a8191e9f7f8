"""AssumeRole: who may assume a role (its trust policy, and the caller's own policies where
AWS requires them), for how long, and what the session carries."""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from ownstack.core.context import ASSUMED_ROLE, FEDERATED_USER, ROOT, USER, Principal, Session
from ownstack.identity.model import IdentityPolicies, RoleInfo
from ownstack.policy import AccessRequest, Policy, PolicyError, evaluate, parse_policy

from .validate import access_denied, not_authorized, validation_error

ROLE_ARN_RE = re.compile(r"^arn:aws:iam::(\d{12}):role/(?:[\x21-\x7e]*/)?([\w+=,.@-]{1,64})$")
CHAINED_MAX = 3600
DEFAULT_DURATION = 3600
PRINCIPAL_TYPES = {
    ROOT: "Account",
    USER: "User",
    ASSUMED_ROLE: "AssumedRole",
    FEDERATED_USER: "FederatedUser",
}


def parse_role_arn(arn: str) -> tuple[str, str]:
    """(account, role name) of a role ARN; ValidationError as STS words it otherwise."""
    match = ROLE_ARN_RE.match(arn)
    if match is None:
        raise validation_error("Request ARN is invalid")
    return match.group(1), match.group(2)


def assumed_role_duration(params: Mapping[str, Any], role: RoleInfo, chained: bool) -> int:
    duration = int(params.get("DurationSeconds") or DEFAULT_DURATION)
    if chained and duration > CHAINED_MAX:
        raise validation_error(
            "The requested DurationSeconds exceeds the 1 hour session limit for roles assumed"
            " by role chaining."
        )
    if duration > role.max_session_duration:
        raise validation_error(
            "The requested DurationSeconds exceeds the MaxSessionDuration set for this role."
        )
    return duration


def principal_context(principal: Principal, tags: Mapping[str, str]) -> dict[str, list[str]]:
    """The aws:Principal* keys a trust policy may test about the caller."""
    principal_arn = principal.source_arn if principal.kind == ASSUMED_ROLE else principal.arn
    context = {
        "aws:principalarn": [principal_arn],
        "aws:principalaccount": [principal.account_id],
        "aws:principaltype": [PRINCIPAL_TYPES.get(principal.kind, principal.kind)],
        "aws:userid": [principal.user_id],
    }
    if principal.kind == USER:
        context["aws:username"] = [principal.name]
    for key, value in tags.items():
        context[f"aws:principaltag/{key.lower()}"] = [value]
    session = principal.session
    if session is not None and session.source_identity:
        context["aws:sourceidentity"] = [session.source_identity]
    return context


def request_context(
    params: Mapping[str, Any], caller: Principal, policies: IdentityPolicies, now: float
) -> dict[str, list[str]]:
    context = principal_context(caller, policies.principal_tags)
    context["sts:rolesessionname"] = [params["RoleSessionName"]]
    if params.get("ExternalId") is not None:
        context["sts:externalid"] = [params["ExternalId"]]
    if params.get("SourceIdentity"):
        context["sts:sourceidentity"] = [params["SourceIdentity"]]
    tags = params.get("Tags") or ()
    if tags:
        context["aws:tagkeys"] = [t["Key"] for t in tags]
        for tag in tags:
            context[f"aws:requesttag/{tag['Key'].lower()}"] = [tag.get("Value", "")]
    if params.get("TransitiveTagKeys"):
        context["sts:transitivetagkeys"] = list(params["TransitiveTagKeys"])
    context["aws:currenttime"] = [_iso(now)]
    context["aws:epochtime"] = [str(int(now))]
    return context


def check_trust(
    caller: Principal,
    role: RoleInfo,
    actions: Sequence[str],
    context: Mapping[str, Sequence[str]],
    policies: IdentityPolicies,
) -> None:
    """Every action (sts:AssumeRole, and sts:TagSession / sts:SetSourceIdentity when asked
    for) must be allowed by the role's trust policy — whoever the caller is, the account's
    root included — and then by AWS's evaluation logic with the caller's own policies (within
    the role's account a trust policy naming the caller itself suffices; one naming only the
    account, or a caller from another account, needs the caller's policies to allow it)."""
    try:
        trust = parse_policy(role.trust_policy, "trust", f"role/{role.name}/trust")
    except PolicyError as exc:  # stored trust policies were validated; refuse, never allow
        raise not_authorized(caller.arn, actions[0], role.arn) from exc
    if not policies.exists:
        raise not_authorized(caller.arn, actions[0], role.arn)
    for action in actions:
        request = AccessRequest(caller, action, role.arn, context)
        # The trust policy alone: evaluated as if across accounts with an identity side that
        # allows everything, it allows exactly when it names the caller (or its account) and
        # denies nothing. (Within one account the root, or an identity policy, would
        # otherwise be allowed without the trust policy's consent.)
        trusted = evaluate(
            request, identity=(_allow_all(),), resource_policy=trust, resource_account=""
        )
        decision = evaluate(
            request,
            identity=policies.identity,
            boundary=policies.boundary,
            session=policies.session,
            resource_policy=trust,
            resource_account=role.account_id,
        )
        if not (trusted.allowed and decision.allowed):
            raise not_authorized(caller.arn, action, role.arn)


@functools.cache
def _allow_all() -> Policy:
    text = '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}'
    return parse_policy(text, "identity", "sts/trust-check")


def check_source_identity(caller: Principal, requested: str | None) -> str:
    """A source identity, once set, travels down a role chain unchanged."""
    inherited = caller.session.source_identity if caller.session else ""
    if inherited and requested and requested != inherited:
        raise access_denied(
            "Cannot change the source identity of a role session that already has one."
        )
    return inherited or (requested or "")


def role_session(
    role: RoleInfo,
    session_name: str,
    session: Session,
) -> Principal:
    return Principal(
        account_id=role.account_id,
        arn=f"arn:aws:sts::{role.account_id}:assumed-role/{role.name}/{session_name}",
        user_id=f"{role.role_id}:{session_name}",
        access_key="",
        kind=ASSUMED_ROLE,
        name=session_name,
        source_arn=role.arn,
        session=session,
    )


def _iso(now: float) -> str:
    return datetime.fromtimestamp(now, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
