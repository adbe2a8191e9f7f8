"""Property: evaluate() agrees with a naive reference model on random small policies.

The reference loops over raw statement dicts with fnmatch and spells the evaluation logic out
case by case (IAM User Guide, "Policy evaluation logic"); it shares no code with the evaluator.
"""

from __future__ import annotations

import json
from fnmatch import fnmatchcase
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st
from policykit import ACCOUNT, OTHER, role_session, user

from ownstack.core.context import ASSUMED_ROLE, Principal
from ownstack.policy import AccessRequest, evaluate, parse_policy

ACTIONS = ["s3:GetObject", "s3:PutObject", "sqs:SendMessage"]
ACTION_PATTERNS = ["*", "s3:*", "s3:Get*", "S3:getobject", "sqs:*", "s3:?utObject"]
RESOURCES = ["arn:aws:s3:::b/a", "arn:aws:s3:::b/b", "arn:aws:s3:::c/a"]
RESOURCE_PATTERNS = [
    "*",
    "arn:aws:s3:::b/*",
    "arn:aws:s3:::b/a",
    "arn:aws:s3:::*/a",
    "arn:aws:s3:::c/?",
]
PRINCIPALS = [user(), role_session(), user("eve", OTHER)]
NAMES = [
    "*",
    ACCOUNT,
    OTHER,
    f"arn:aws:iam::{ACCOUNT}:user/bob",
    f"arn:aws:iam::{ACCOUNT}:role/R",
    f"arn:aws:sts::{ACCOUNT}:assumed-role/R/s",
    f"arn:aws:iam::{OTHER}:user/eve",
]
CONDITIONS = [
    None,
    {"StringEquals": {"k": "x"}},
    {"StringNotEquals": {"k": ["x", "y"]}},
    {"StringLike": {"k": "?"}},
    {"Null": {"k": "true"}},
    {"ForAnyValue:StringEquals": {"k": "y"}},
]
CONTEXTS: list[dict[str, list[str]]] = [{}, {"k": ["x"]}, {"k": ["y"]}, {"k": ["x", "y"]}]


@st.composite
def statements(draw: Any, with_principal: bool) -> dict[str, Any]:
    stmt: dict[str, Any] = {"Effect": draw(st.sampled_from(["Allow", "Allow", "Deny"]))}
    stmt["NotAction" if draw(st.booleans()) and draw(st.booleans()) else "Action"] = draw(
        st.lists(st.sampled_from(ACTION_PATTERNS), min_size=1, max_size=2)
    )
    stmt["NotResource" if draw(st.integers(0, 4)) == 0 else "Resource"] = draw(
        st.lists(st.sampled_from(RESOURCE_PATTERNS), min_size=1, max_size=2)
    )
    if with_principal:
        stmt["Principal"] = {"AWS": draw(st.lists(st.sampled_from(NAMES), min_size=1, max_size=2))}
    condition = draw(st.sampled_from(CONDITIONS))
    if condition is not None:
        stmt["Condition"] = condition
    return stmt


def policy_lists(with_principal: bool, max_size: int) -> Any:
    return st.lists(statements(with_principal), min_size=1, max_size=max_size)


# ----------------------------------------------------------------- the reference model


def ref_condition(condition: dict[str, Any] | None, ctx: dict[str, list[str]]) -> bool:
    if condition is None:
        return True
    ((op, keys),) = condition.items()
    ((_key, raw),) = keys.items()
    wanted = raw if isinstance(raw, list) else [raw]
    got = ctx.get("k", [])
    if op == "Null":
        return (not got) == (wanted == ["true"])
    if op == "StringEquals":
        return any(v in wanted for v in got)
    if op == "StringNotEquals":
        return not any(v in wanted for v in got)
    if op == "StringLike":
        return any(fnmatchcase(v, w) for v in got for w in wanted)
    if op == "ForAnyValue:StringEquals":
        return any(v in wanted for v in got)
    raise AssertionError(op)


def ref_applies(stmt: dict[str, Any], action: str, resource: str, ctx: dict[str, Any]) -> bool:
    if "Action" in stmt:
        action_ok = any(fnmatchcase(action.lower(), a.lower()) for a in stmt["Action"])
    else:
        action_ok = not any(fnmatchcase(action.lower(), a.lower()) for a in stmt["NotAction"])
    if "Resource" in stmt:
        resource_ok = any(fnmatchcase(resource, r) for r in stmt["Resource"])
    else:
        resource_ok = not any(fnmatchcase(resource, r) for r in stmt["NotResource"])
    return action_ok and resource_ok and ref_condition(stmt.get("Condition"), ctx)


def ref_naming(names: list[str], p: Principal) -> int:
    """0 none, 1 account, 2 role, 3 direct."""
    best = 0
    for name in names:
        if name == "*" or name == p.arn:
            best = max(best, 3)
        elif p.kind == ASSUMED_ROLE and name == p.source_arn:
            best = max(best, 2)
        elif name == p.account_id:
            best = max(best, 1)
    return best


def reference(
    p: Principal,
    action: str,
    resource: str,
    ctx: dict[str, Any],
    identity: list[list[dict[str, Any]]],
    boundary: list[dict[str, Any]] | None,
    resource_policy: list[dict[str, Any]] | None,
) -> tuple[bool, str]:
    def effects(stmts: list[dict[str, Any]]) -> tuple[bool, bool]:
        hits = [s["Effect"] for s in stmts if ref_applies(s, action, resource, ctx)]
        return "Allow" in hits, "Deny" in hits

    id_allow = id_deny = False
    for doc in identity:
        a, d = effects(doc)
        id_allow, id_deny = id_allow or a, id_deny or d
    b_allow, b_deny = effects(boundary) if boundary is not None else (True, False)
    naming, r_deny = 0, False
    for stmt in resource_policy or []:
        n = ref_naming(stmt["Principal"]["AWS"], p)
        if n and ref_applies(stmt, action, resource, ctx):
            if stmt["Effect"] == "Deny":
                r_deny = True
            else:
                naming = max(naming, n)
    if id_deny:
        return False, "with an explicit deny in an identity-based policy"
    if r_deny:
        return False, "with an explicit deny in a resource-based policy"
    if b_deny:
        return False, "with an explicit deny in a permissions boundary"
    no = "because no {} allows the " + action + " action"
    same_account = p.account_id == ACCOUNT
    if same_account:
        if id_allow and b_allow:
            return True, ""
        if naming == 3 or (naming == 2 and b_allow):
            return True, ""
        if naming != 2 and not id_allow:
            return False, no.format("identity-based policy")
        return False, no.format("permissions boundary")
    if not id_allow:
        return False, no.format("identity-based policy")
    if not b_allow:
        return False, no.format("permissions boundary")
    if naming == 0:
        return False, no.format("resource-based policy")
    return True, ""


@settings(max_examples=600, deadline=None)
@given(
    principal=st.sampled_from(PRINCIPALS),
    action=st.sampled_from(ACTIONS),
    resource=st.sampled_from(RESOURCES),
    ctx=st.sampled_from(CONTEXTS),
    identity=st.lists(policy_lists(False, 3), max_size=2),
    boundary=st.none() | policy_lists(False, 2),
    resource_policy=st.none() | policy_lists(True, 3),
)
def test_evaluate_matches_the_reference_model(
    principal: Principal,
    action: str,
    resource: str,
    ctx: dict[str, list[str]],
    identity: list[list[dict[str, Any]]],
    boundary: list[dict[str, Any]] | None,
    resource_policy: list[dict[str, Any]] | None,
) -> None:
    def parse(stmts: list[dict[str, Any]], kind: Any) -> Any:
        return parse_policy(json.dumps({"Version": "2012-10-17", "Statement": stmts}), kind)

    decision = evaluate(
        AccessRequest(principal, action, resource, ctx),
        identity=[parse(doc, "identity") for doc in identity],
        boundary=None if boundary is None else parse(boundary, "boundary"),
        resource_policy=None if resource_policy is None else parse(resource_policy, "resource"),
        resource_account=ACCOUNT,
    )
    expected = reference(principal, action, resource, ctx, identity, boundary, resource_policy)
    assert (decision.allowed, decision.reason) == expected
