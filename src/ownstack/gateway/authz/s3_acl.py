"""S3 ACLs in authorisation: a request the IAM policies do not allow (and no policy explicitly
denies) may still be allowed by a grant of the bucket's or the object's ACL, when the bucket
has ACLs enabled (services/s3/acl_ops.py says what is granted and to whom).

A grant is a resource-based permission: it is evaluated as a resource policy statement
allowing the action, naming the grantee (Principal "*" for the AllUsers and
AuthenticatedUsers groups, the caller's account for a grant to its canonical user id), through
the same evaluator, so IAM's rules hold: across accounts the caller's identity policies must
allow the action too, an anonymous caller needs no more, and within the owner's account a
grant to the account grants nothing by itself. The statement's resource is the bucket, or
every object of it, so that its compiled form is shared by all the bucket's requests.

An object's ACL is in its record: for the operations whose handler reads it anyway
(acl_ops._DEFERRED) the request goes on marked with the kinds of grant that would let it in
(acl.PENDING), and the handler decides.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable

from ownstack.core.context import RequestContext
from ownstack.policy import Decision
from ownstack.services.s3.acl import ACCOUNT_KIND, GROUP_KIND, PENDING

from .model import Requirement

Decide = Callable[[str], Awaitable[Decision]]
"""Evaluate the request's requirement again with this resource policy text in place of the
bucket policy."""

_ALLOWED = Decision(True, "granted by an object ACL (checked when the object is read)")


async def acl_decision(
    ctx: RequestContext, requirement: Requirement, denied: Decision, s3: object, decide: Decide
) -> Decision:
    """`denied`, or the decision an ACL grant gives instead."""
    if any(m.effect == "Deny" for m in denied.matched):
        return denied  # an explicit deny: no grant overrides it
    grantees = getattr(s3, "acl_grantees", None)
    if grantees is None:
        return denied
    match = await grantees(ctx, requirement.resource, requirement.action)
    if match is None or not match.kinds:
        return denied
    allowed = ""
    for kind in (GROUP_KIND, ACCOUNT_KIND):
        if kind not in match.kinds:
            continue
        decision = await decide(_grant_policy(ctx, requirement, kind))
        if decision.allowed and not match.deferred:
            return decision
        if decision.allowed:
            allowed += kind
    if not allowed:
        return denied
    ctx.extra[PENDING] = allowed
    return _ALLOWED


def _grant_policy(ctx: RequestContext, requirement: Requirement, kind: str) -> str:
    """A resource policy allowing the requirement's action to the grantee of `kind`."""
    principal: object = "*"
    if kind == ACCOUNT_KIND:
        principal = {"AWS": f"arn:aws:iam::{ctx.principal.account_id}:root"}
    bucket, slash, _ = requirement.resource.partition("/")
    resource = f"{bucket}/*" if slash else bucket
    statement = {
        "Sid": "AccessControlList",
        "Effect": "Allow",
        "Principal": principal,
        "Action": requirement.action,
        "Resource": resource,
    }
    return json.dumps({"Version": "2012-10-17", "Statement": [statement]})
