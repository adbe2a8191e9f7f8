"""The execution role: it must exist in the function's account and trust Lambda
(lambda.amazonaws.com may sts:AssumeRole), and the caller must be allowed to pass it
(iam:PassRole), as AWS checks at CreateFunction and whenever the Role changes."""

from __future__ import annotations

import re

from ownstack.core.context import SERVICE, Principal, RequestContext
from ownstack.identity.model import IdentityReader
from ownstack.policy import AccessRequest, PolicyError, evaluate, parse_policy

from .errors import invalid
from .s3_source import Authorize

LAMBDA_PRINCIPAL = Principal(
    account_id="", arn="lambda.amazonaws.com", user_id="", access_key="", kind=SERVICE
)
_ROLE = re.compile(r"arn:aws[a-zA-Z-]*:iam::(\d{12}):role/(?:.*/)?([^/]+)")


def cannot_assume() -> Exception:
    return invalid("The role defined for the function cannot be assumed by Lambda.")


async def check_role(
    ctx: RequestContext,
    role_arn: str,
    account: str,
    identity: IdentityReader | None,
    authorize: Authorize | None,
) -> None:
    if authorize is not None:
        await authorize(ctx, "iam:PassRole", role_arn)
    if identity is None:
        return
    found = _ROLE.fullmatch(role_arn)
    if found is None or found[1] != account:
        raise cannot_assume()
    role = await identity.role(account, found[2])
    if role is None or role.arn != role_arn:
        raise cannot_assume()
    if not trusts_lambda(role.trust_policy, role.arn):
        raise cannot_assume()


def trusts_lambda(trust_policy: str, role_arn: str) -> bool:
    try:
        trust = parse_policy(trust_policy, "trust", "lambda/trust-check")
    except PolicyError:
        return False
    request = AccessRequest(LAMBDA_PRINCIPAL, "sts:AssumeRole", role_arn, {})
    return evaluate(request, resource_policy=trust, resource_account="").allowed
