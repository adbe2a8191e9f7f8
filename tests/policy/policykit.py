"""Helpers for the policy tests: documents as Python data, principals of each kind."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from ownstack.core.context import (
    ANONYMOUS,
    ASSUMED_ROLE,
    FEDERATED_USER,
    ROOT,
    SERVICE,
    USER,
    Principal,
)
from ownstack.policy import AccessRequest, Decision, Policy, PolicyKind, evaluate, parse_policy

ACCOUNT = "111122223333"
OTHER = "444455556666"


def doc(*statements: Mapping[str, Any], version: str | None = "2012-10-17") -> str:
    body: dict[str, Any] = {"Statement": list(statements)}
    if version is not None:
        body = {"Version": version, **body}
    return json.dumps(body)


def policy(kind: PolicyKind, *statements: Mapping[str, Any], **kw: Any) -> Policy:
    return parse_policy(doc(*statements, **kw), kind, f"{kind}-policy")


def allow(action: Any, resource: Any = "*", **extra: Any) -> dict[str, Any]:
    return {"Effect": "Allow", "Action": action, "Resource": resource, **extra}


def deny(action: Any, resource: Any = "*", **extra: Any) -> dict[str, Any]:
    return {"Effect": "Deny", "Action": action, "Resource": resource, **extra}


def user(name: str = "bob", account: str = ACCOUNT) -> Principal:
    arn = f"arn:aws:iam::{account}:user/{name}"
    return Principal(account, arn, f"AIDA{name.upper()}", "AKIAUSER", USER, name)


def role_session(role: str = "R", session: str = "s", account: str = ACCOUNT) -> Principal:
    return Principal(
        account,
        f"arn:aws:sts::{account}:assumed-role/{role}/{session}",
        f"AROAROLE:{session}",
        "ASIAROLE",
        ASSUMED_ROLE,
        session,
        source_arn=f"arn:aws:iam::{account}:role/{role}",
    )


def federated(name: str = "fed", owner: str = "bob", account: str = ACCOUNT) -> Principal:
    return Principal(
        account,
        f"arn:aws:sts::{account}:federated-user/{name}",
        f"{account}:{name}",
        "ASIAFED",
        FEDERATED_USER,
        name,
        source_arn=f"arn:aws:iam::{account}:user/{owner}",
    )


def root(account: str = ACCOUNT) -> Principal:
    return Principal(account, f"arn:aws:iam::{account}:root", account, "AKIAROOT", ROOT)


def anonymous() -> Principal:
    return Principal(ACCOUNT, "", "", "", ANONYMOUS)


def service(name: str = "sqs.amazonaws.com") -> Principal:
    return Principal("", name, "", "", SERVICE)


def check(
    principal: Principal,
    action: str = "s3:GetObject",
    resource: str = "arn:aws:s3:::bucket/key",
    context: Mapping[str, Sequence[str]] | None = None,
    **policies: Any,
) -> Decision:
    request = AccessRequest(principal, action, resource, context or {})
    return evaluate(request, **policies)
