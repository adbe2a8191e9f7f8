"""The schedule's execution role, as Scheduler uses it at each delivery: the role must exist
and trust scheduler.amazonaws.com (sts:AssumeRole, with aws:SourceArn = the schedule and
aws:SourceAccount = its account, for trust policies that guard against the confused deputy);
the delivery is then authorised as a call by a session of that role."""

from __future__ import annotations

import re

from ownstack.core.context import ASSUMED_ROLE, SERVICE, Principal, RequestContext, Session
from ownstack.policy import AccessRequest, PolicyError, evaluate, parse_policy

from .base import RoleOf

SCHEDULER_PRINCIPAL = Principal(
    account_id="", arn="scheduler.amazonaws.com", user_id="", access_key="", kind=SERVICE
)
_ROLE = re.compile(r"arn:aws[a-zA-Z-]*:iam::(\d{12}):role/(?:.*/)?([^/]+)")
SESSION_S = 3600


class RoleProblem(Exception):
    """Scheduler cannot act as the role (it is gone, or does not trust Scheduler)."""


async def role_session(
    role_of: RoleOf,
    role_arn: str,
    schedule_arn: str,
    *,
    region: str,
    service: str,
    execution_id: str,
    now: float,
) -> RequestContext:
    """A request context whose principal is a session of the execution role; raises
    RoleProblem."""
    found = _ROLE.fullmatch(role_arn)
    if found is None:
        raise RoleProblem(f"{role_arn} is not a role ARN")
    account, name = found[1], found[2]
    role = await role_of(account, name)
    if role is None or role.arn != role_arn:
        raise RoleProblem(f"The role {role_arn} does not exist.")
    schedule_account = schedule_arn.split(":")[4]
    if not _trusts_scheduler(role.trust_policy, role.arn, schedule_arn, schedule_account):
        raise RoleProblem(f"EventBridge Scheduler is not authorized to assume the role {role_arn}.")
    kind = "AssumeRole"  # the STS call a role session comes from
    principal = Principal(
        account_id=account,
        arn=f"arn:aws:sts::{account}:assumed-role/{name}/{execution_id}",
        user_id=f"{role.role_id}:{execution_id}",
        access_key="",
        kind=ASSUMED_ROLE,
        name=execution_id,
        source_arn=role.arn,
        session=Session(expires=now + SESSION_S, issued=now, token_kind=kind),
    )
    return RequestContext(
        request_id=execution_id,
        account_id=account,
        region=region,
        principal=principal,
        service=service,
    )


def _trusts_scheduler(trust_policy: str, role_arn: str, schedule_arn: str, account: str) -> bool:
    try:
        trust = parse_policy(trust_policy, "trust", "scheduler/trust-check")
    except PolicyError:
        return False
    context = {"aws:sourcearn": (schedule_arn,), "aws:sourceaccount": (account,)}
    request = AccessRequest(SCHEDULER_PRINCIPAL, "sts:AssumeRole", role_arn, context)
    return evaluate(request, resource_policy=trust, resource_account="").allowed
