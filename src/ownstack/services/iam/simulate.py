"""SimulatePrincipalPolicy and SimulateCustomPolicy: the gateway's own evaluator
(`ownstack.policy.evaluate`) over the policies given or stored, so what a simulation says is
what a request gets."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ownstack.core.context import ASSUMED_ROLE, USER, Principal, RequestContext
from ownstack.core.service import Params, Result
from ownstack.identity.compiled import name_of
from ownstack.identity.managed import AWS_POLICY_PREFIX
from ownstack.policy import AccessRequest, Decision, MatchedStatement, Policy, evaluate

from .base import IamBase
from .context_keys import context_keys
from .errors import invalid_input
from .paging import page
from .validate import check_document

Shape = dict[str, Any]


def _context(entries: Sequence[dict[str, Any]] | None) -> dict[str, list[str]]:
    """ContextEntries as the evaluator takes them: lower-cased key names -> values."""
    out: dict[str, list[str]] = {}
    for entry in entries or ():
        name = str(entry.get("ContextKeyName") or "").lower()
        if name:
            out.setdefault(name, []).extend(str(v) for v in entry.get("ContextKeyValues") or ())
    return out


def _statement(match: MatchedStatement) -> Shape:
    """A matched statement named as IAM's simulator names it: the policy's name and type."""
    source = match.source_id
    if source.startswith(("user/", "group/", "role/")):
        return {
            "SourcePolicyId": source.rsplit("/", 1)[-1],
            "SourcePolicyType": source.split("/")[0],
        }
    if source.startswith(AWS_POLICY_PREFIX):
        return {"SourcePolicyId": name_of(source), "SourcePolicyType": "aws-managed"}
    if source.startswith("arn:aws:iam::"):
        return {"SourcePolicyId": name_of(source), "SourcePolicyType": "user-managed"}
    if source == "ResourcePolicy":
        return {"SourcePolicyId": source, "SourcePolicyType": "resource"}
    return {"SourcePolicyId": source}


def _outcome(decision: Decision) -> tuple[str, list[Shape]]:
    if decision.allowed:
        return "allowed", [_statement(m) for m in decision.matched if m.effect == "Allow"]
    denies = [m for m in decision.matched if m.effect == "Deny"]
    if denies:
        return "explicitDeny", [_statement(m) for m in denies]
    return "implicitDeny", []


def _account_of(arn: str) -> str:
    parts = arn.split(":")
    return parts[4] if len(parts) > 4 else ""


class SimulateOps(IamBase):
    async def simulate_custom_policy(self, ctx: RequestContext, params: Params) -> Result:
        caller = params.get("CallerArn") or f"arn:aws:iam::{ctx.account_id}:root"
        principal = Principal(
            ctx.account_id, caller, ctx.account_id, "simulated", USER, name_of(caller)
        )
        return self._simulate(ctx, params, principal, [])

    async def simulate_principal_policy(self, ctx: RequestContext, params: Params) -> Result:
        source = params["PolicySourceArn"]
        principal, stored, boundary = await self._source(ctx, source)
        if params.get("CallerArn"):
            caller = params["CallerArn"]
            principal = Principal(
                ctx.account_id, caller, principal.user_id, "simulated", USER, name_of(caller)
            )
        return self._simulate(ctx, params, principal, stored, boundary)

    async def _source(
        self, ctx: RequestContext, arn: str
    ) -> tuple[Principal, list[Policy], Policy | None]:
        """The principal a PolicySourceArn stands for, its policies and its boundary."""
        prefix = f"arn:aws:iam::{ctx.account_id}:"
        kind = arn[len(prefix) :].split("/", 1)[0] if arn.startswith(prefix) else ""
        compiler = self.directory.compiler
        name = name_of(arn)
        if kind == "user":
            user = (await self.user(ctx, name)).record
            principal = Principal(ctx.account_id, user.arn, user.id, "simulated", USER, user.name)
            return (
                principal,
                await compiler.user_policies(user),
                await compiler.boundary(user.boundary),
            )
        if kind == "role":
            role = (await self.role(ctx, name)).record
            principal = Principal(
                ctx.account_id, role.arn, role.id, "simulated", ASSUMED_ROLE, role.name, role.arn
            )
            return (
                principal,
                await compiler.role_policies(role),
                await compiler.boundary(role.boundary),
            )
        if kind == "group":
            group = (await self.group(ctx, name)).record
            principal = Principal(
                ctx.account_id, group.arn, group.id, "simulated", USER, group.name
            )
            return principal, await compiler.group_policies(group), None
        raise invalid_input(f"Invalid ARN: {arn}")

    def _simulate(
        self,
        ctx: RequestContext,
        params: Params,
        principal: Principal,
        stored: list[Policy],
        boundary: Policy | None = None,
    ) -> Result:
        identity = list(stored)
        for i, text in enumerate(params.get("PolicyInputList") or (), start=1):
            identity.append(check_document(text, "identity", f"PolicyInputList.{i}"))
        boundaries: list[Policy | None] = [boundary] if boundary is not None else []
        given = params.get("PermissionsBoundaryPolicyInputList") or ()
        if given:  # the boundaries given replace the entity's own
            boundaries = [
                check_document(text, "boundary", f"PermissionsBoundaryPolicyInputList.{i}")
                for i, text in enumerate(given, start=1)
            ]
        resource_policy = None
        resource_account = None
        if params.get("ResourcePolicy"):
            resource_policy = check_document(params["ResourcePolicy"], "resource", "ResourcePolicy")
            resource_account = _account_of(params.get("ResourceOwner") or "") or ctx.account_id
        context = _context(params.get("ContextEntries"))
        read = [*identity, *boundaries, resource_policy]
        missing = missing_context_values(read, context)
        results = []
        for action in params["ActionNames"]:
            for resource in params.get("ResourceArns") or ["*"]:
                decisions = [
                    evaluate(
                        AccessRequest(principal, action, resource, context),
                        identity=identity,
                        boundary=one,
                        resource_policy=resource_policy,
                        resource_account=resource_account,
                    )
                    for one in boundaries or [None]
                ]
                results.append(_result(action, resource, _all_of(decisions), missing))
        ordered = [(f"{i:06d}", r) for i, r in enumerate(results)]
        chosen, more = page(ordered, params, lambda item: item[0])
        return {"EvaluationResults": [r for _, r in chosen], **more}


def missing_context_values(
    policies: Sequence[Policy | None], context: dict[str, list[str]]
) -> list[str]:
    """The keys the policies read that ContextEntries did not give, as the policies spell
    them."""
    texts = (p.text for p in policies if p is not None)
    return [k for k in context_keys(texts) if k.lower() not in context]


def _all_of(decisions: Sequence[Decision]) -> Decision:
    """Each permissions boundary limits on its own: allowed only if every one allows, and an
    explicit deny is the answer when any has one."""
    denied = [d for d in decisions if not d.allowed]
    if not denied:
        return decisions[0]
    explicit = [d for d in denied if any(m.effect == "Deny" for m in d.matched)]
    return (explicit or denied)[0]


def _result(action: str, resource: str, decision: Decision, missing: list[str]) -> Shape:
    """AWS lists missing context values at the top for the resource "*" and, for named
    resources, in ResourceSpecificResults instead."""
    verdict, matched = _outcome(decision)
    wildcard = resource == "*"
    return {
        "EvalActionName": action,
        "EvalResourceName": resource,
        "EvalDecision": verdict,
        "MatchedStatements": matched,
        "MissingContextValues": list(missing) if wildcard else [],
        "ResourceSpecificResults": [
            {
                "EvalResourceName": resource,
                "EvalResourceDecision": verdict,
                "MatchedStatements": matched,
                "MissingContextValues": [] if wildcard else list(missing),
            }
        ],
    }
