"""Authorisation: after authentication, before the handler, every request is checked against
the IAM policies that apply to it.

operation -> requirements (AuthorizationMap: IAM action, resource ARN, request condition keys,
from AWS's Service Authorization Reference) -> for each: the principal's identity policies,
boundary and session policies (the Directory), the resource's policy, owner and tags (the
owning service's `resource_facts` hook) -> `ownstack.policy.evaluate`. An operation without a
mapping is refused (fail closed). A denial answers in the service's own AccessDenied shape
with AWS's explanatory message.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from ownstack.core.access import ResourceFacts
from ownstack.core.clock import Clock
from ownstack.core.context import ANONYMOUS, ROOT, SERVICE, USER, RequestContext
from ownstack.core.http import BytesBody, Headers, Request
from ownstack.identity.model import Directory, IdentityPolicies
from ownstack.policy import AccessRequest, Decision, Policy, PolicyError, parse_policy

from .authz import AuthorizationMap, Requirement
from .authz.model import NO_CONTEXT, Context
from .authz.s3_acl import acl_decision
from .authz_context import ConditionContext, RequestFacts, ResourceBound
from .decisions import DecisionCache
from .denials import Denial, access_denied

log = logging.getLogger("ownstack.gateway")
_NO_POLICIES = IdentityPolicies()
_POLICY_CACHE_MAX = 4096
_PER_ITEM = frozenset({("s3", "DeleteObjects")})
"""Operations AWS authorises item by item, answering a denied item in the result rather than
refusing the request."""
_S3_OBJECT = "arn:aws:s3:::"
_EXISTING_TAG = "s3:existingobjecttag/"
_ROOT_KEEPS = frozenset({"s3:GetBucketPolicy", "s3:PutBucketPolicy", "s3:DeleteBucketPolicy"})
"""What the owning account's root may always do, whatever the bucket policy says: S3 lets it
undo a policy that locks everyone out."""


class Authorizer:
    def __init__(
        self,
        amap: AuthorizationMap,
        directory: Directory,
        services: Mapping[str, object],
        clock: Clock,
    ) -> None:
        self.map = amap
        self._directory = directory
        self._services = services
        self._clock = clock
        self.decisions = DecisionCache()
        self._compiled: dict[str, Policy | None] = {}
        """Resource policy text -> compiled policy (None: a stored text that does not parse).
        Keyed by the text, so a changed policy is a new entry and nothing goes stale."""

    async def authorize(
        self, ctx: RequestContext, req: Request, operation: str, params: Mapping[str, Any]
    ) -> tuple[Requirement, ...]:
        """The requirements that were checked; raises the service's AccessDenied."""
        principal = ctx.principal
        found = self.map.requirements(
            ctx.service,
            operation,
            params,
            account=ctx.account_id,
            region=ctx.region,
            caller=principal.arn if principal.kind == USER else None,
        )
        if found is None:
            raise access_denied(ctx, f"{ctx.service}:{operation}", "*", "")
        if not found:
            return found
        policies = await self._policies(ctx)
        facts = RequestFacts(ctx, req, self._clock.now(), policies.principal_tags)
        resources: dict[str, ResourceFacts | None] = {}
        per_item = (ctx.service, operation) in _PER_ITEM
        denied: set[str] = set()
        for requirement in found:
            try:
                await self._check(ctx, requirement, policies, facts, resources)
            except Denial:
                if not per_item:
                    raise
                denied.add(requirement.resource)  # the service answers for this item alone
        ctx.denied_items = frozenset(denied)
        return found

    async def authorize_action(
        self, ctx: RequestContext, action: str, resource: str, context: Context = NO_CONTEXT
    ) -> None:
        """One more permission a service needs for what a request does beyond its operation's
        own (Lambda: iam:PassRole on a function's role, s3:GetObject on its package), evaluated
        as the request's own requirements are. Raises ctx.service's AccessDenied."""
        req = Request("GET", "/", "", Headers(), BytesBody(b""), remote=ctx.source_ip)
        policies = await self._policies(ctx)
        facts = RequestFacts(ctx, req, self._clock.now(), policies.principal_tags)
        await self._check(ctx, Requirement(action, resource, context), policies, facts, {})

    async def resource_exists(self, ctx: RequestContext, arn: str) -> bool:
        """Whether the service owning `arn` knows the resource it names (it has facts)."""
        return await self._resource(ctx, arn, {}) is not None

    async def _policies(self, ctx: RequestContext) -> IdentityPolicies:
        principal = ctx.principal
        if principal.kind in (ROOT, ANONYMOUS, SERVICE):
            return _NO_POLICIES  # root needs none; the others only have resource policies
        return await self._directory.policies(principal)

    async def _check(
        self,
        ctx: RequestContext,
        requirement: Requirement,
        policies: IdentityPolicies,
        facts: RequestFacts,
        resources: dict[str, ResourceFacts | None],
    ) -> None:
        resource = await self._resource(ctx, requirement.resource, resources)
        if resource is None and _missing_is_the_handlers_answer(ctx, requirement):
            return  # an anonymous request for a bucket that does not exist: NoSuchBucket
        owner = resource.owner if resource is not None else _arn_account(requirement.resource)
        if _root_at_home(ctx, owner, resource) or _root_keeps(ctx, requirement, owner):
            return
        if resource is not None and resource.arn and resource.arn != requirement.resource:
            requirement = replace(requirement, resource=resource.arn)
        decision = await self._decide(ctx, requirement, policies, facts, resource, owner)
        if not decision.allowed and resource is not None and ctx.service == "s3":
            found = resource  # S3 ACLs grant too (authz/s3_acl.py)
            decision = await acl_decision(
                ctx,
                requirement,
                decision,
                self._services.get("s3"),
                lambda text: self._decide(
                    ctx, requirement, policies, facts, replace(found, policy=text), owner
                ),
            )
        if not decision.allowed:
            cross = owner is not None and owner != ctx.principal.account_id
            raise access_denied(
                ctx, requirement.action, requirement.resource, decision.reason, cross=cross
            )
        if owner and owner != ctx.account_id:
            ctx.granted_accounts = ctx.granted_accounts | {owner}

    async def _decide(
        self,
        ctx: RequestContext,
        requirement: Requirement,
        policies: IdentityPolicies,
        facts: RequestFacts,
        resource: ResourceFacts | None,
        owner: str | None,
    ) -> Decision:
        if not policies.exists:
            action = requirement.action
            return Decision(False, f"because no identity-based policy allows the {action} action")
        tags = resource.tags if resource is not None else {}
        resource_policy = self._compile(resource.policy) if resource is not None else None
        own = await self._with_object_tags(ctx, requirement, policies, resource_policy)
        if isinstance(own, ResourceBound):
            own = own.bind(resource)
        context = ConditionContext(facts, own, tags, owner)
        request = AccessRequest(ctx.principal, requirement.action, requirement.resource, context)
        return self.decisions.decide(
            request,
            identity=policies.identity,
            boundary=policies.boundary,
            session=policies.session,
            resource_policy=resource_policy,
            resource_account=owner,
        )

    async def _with_object_tags(
        self,
        ctx: RequestContext,
        requirement: Requirement,
        policies: IdentityPolicies,
        resource_policy: Policy | None,
    ) -> Mapping[str, tuple[str, ...]]:
        """The requirement's own keys, plus s3:ExistingObjectTag/<key> when a policy reads
        one: the object's tags are fetched only then (it costs a read of the object)."""
        own = requirement.context
        if not requirement.resource.startswith(_S3_OBJECT) or "/" not in requirement.resource:
            return own
        applicable = (*policies.identity, *(policies.session or ()), policies.boundary)
        if not any(
            key.startswith(_EXISTING_TAG)
            for policy in (*applicable, resource_policy)
            if policy is not None
            for key in policy.context_keys
        ):
            return own
        hook = getattr(self._services.get("s3"), "existing_object_tags", None)
        found = await hook(ctx, requirement.resource) if hook is not None else None
        tags = {f"{_EXISTING_TAG}{k.lower()}": (v,) for k, v in (found or {}).items()}
        return {**own, **tags}

    async def _resource(
        self, ctx: RequestContext, arn: str, seen: dict[str, ResourceFacts | None]
    ) -> ResourceFacts | None:
        if arn == "*" or not arn.startswith("arn:"):
            return None
        key = _policy_holder(arn)
        if key in seen:
            return seen[key]
        parts = arn.split(":", 3)
        if len(parts) < 4:
            # Not an ARN at all ("arn:not/a/good/format"): nothing holds it, and the
            # operation itself answers the malformed ARN with AWS's error.
            return None
        service = self._services.get(parts[2])
        hook = getattr(service, "resource_facts", None)
        found: ResourceFacts | None = await hook(ctx, key) if hook is not None else None
        seen[key] = found
        return found

    def _compile(self, text: str) -> Policy | None:
        if not text:
            return None
        if text in self._compiled:
            return self._compiled[text]
        if len(self._compiled) >= _POLICY_CACHE_MAX:
            self._compiled.clear()
        try:
            compiled: Policy | None = parse_policy(text, "resource")
        except PolicyError as exc:
            # Stored before validation existed, or by an older version: it grants nothing.
            log.warning("ignoring a resource policy that does not parse: %s", exc.message)
            compiled = None
        self._compiled[text] = compiled
        return compiled


def _policy_holder(arn: str) -> str:
    """The ARN whose facts apply: an S3 object's bucket (the bucket policy covers its
    objects); everything else is its own holder."""
    if arn.startswith("arn:aws:s3:::"):
        return arn.split("/", 1)[0]
    return arn


def _arn_account(arn: str) -> str | None:
    """The account an ARN names; None when it names none, or names AWS itself (AWS managed
    policies are every account's to read)."""
    parts = arn.split(":", 5)
    if len(parts) < 5 or parts[4] in ("", "aws"):
        return None
    return parts[4]


def _root_at_home(ctx: RequestContext, owner: str | None, resource: ResourceFacts | None) -> bool:
    """The account's root, on its own resource, with no resource policy that could deny it:
    allowed without evaluating anything (root pays nothing for authorisation)."""
    principal = ctx.principal
    if not principal.is_root or (owner is not None and owner != principal.account_id):
        return False
    return resource is None or not resource.policy


def _root_keeps(ctx: RequestContext, requirement: Requirement, owner: str | None) -> bool:
    principal = ctx.principal
    return principal.is_root and owner == principal.account_id and requirement.action in _ROOT_KEEPS


def _missing_is_the_handlers_answer(ctx: RequestContext, requirement: Requirement) -> bool:
    """S3 tells an anonymous caller that a bucket does not exist (NoSuchBucket) rather than
    AccessDenied; only creating one needs a permission."""
    return (
        ctx.principal.kind == ANONYMOUS
        and requirement.resource.startswith("arn:aws:s3:::")
        and requirement.action != "s3:CreateBucket"
    )
