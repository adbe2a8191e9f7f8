"""Helpers for the authorisation tests: IAM users with policies, clients signed as them."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from typing import Any

from accountskit import (  # noqa: F401 (the tests here import them from this kit)
    ACCOUNTS_YAML,
    ALT_ACCESS_KEY,
    ALT_ACCOUNT,
    ALT_SECRET_KEY,
    THIRD_ACCESS_KEY,
    THIRD_ACCOUNT,
    THIRD_SECRET_KEY,
)


def unique(prefix: str = "t") -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


def doc(*statements: dict[str, Any]) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


def allow(action: str | list[str], resource: str | list[str] = "*", **extra: Any) -> dict[str, Any]:
    return {"Effect": "Allow", "Action": action, "Resource": resource, **extra}


def deny(action: str | list[str], resource: str | list[str] = "*", **extra: Any) -> dict[str, Any]:
    return {"Effect": "Deny", "Action": action, "Resource": resource, **extra}


@dataclass
class Keys:
    access_key: str
    secret_key: str
    token: str | None = None
    arn: str = ""

    def client(self, server: Any, service: str, **kw: Any) -> Any:
        kw.setdefault("aws_access_key_id", self.access_key)
        kw.setdefault("aws_secret_access_key", self.secret_key)
        if self.token:
            kw.setdefault("aws_session_token", self.token)
        return server.client(service, **kw)


def make_user(
    iam: Any,
    *,
    managed: list[str] = (),  # type: ignore[assignment]
    inline: str | None = None,
    boundary: str | None = None,
    name: str | None = None,
) -> Keys:
    """A new IAM user with the given policies and one access key."""
    name = name or unique("user")
    arn = iam.create_user(UserName=name)["User"]["Arn"]
    for policy_arn in managed:
        iam.attach_user_policy(UserName=name, PolicyArn=policy_arn)
    if inline is not None:
        iam.put_user_policy(UserName=name, PolicyName="inline", PolicyDocument=inline)
    if boundary is not None:
        iam.put_user_permissions_boundary(UserName=name, PermissionsBoundary=boundary)
    key = iam.create_access_key(UserName=name)["AccessKey"]
    return Keys(key["AccessKeyId"], key["SecretAccessKey"], arn=arn)


def error_code(exc: Any) -> str:
    return str(exc.response["Error"]["Code"])


def simulated(
    iam: Any,
    source_arn: str,
    action: str,
    resource: str,
    *,
    resource_policy: str | None = None,
    owner: str | None = None,
    context: dict[str, tuple[str, str]] | None = None,
) -> str:
    """IAM's SimulatePrincipalPolicy decision (allowed / explicitDeny / implicitDeny)."""
    kw: dict[str, Any] = {
        "PolicySourceArn": source_arn,
        "ActionNames": [action],
        "ResourceArns": [resource],
    }
    if resource_policy is not None:
        kw["ResourcePolicy"] = resource_policy
    if owner is not None:
        kw["ResourceOwner"] = f"arn:aws:iam::{owner}:root"
    if context:
        kw["ContextEntries"] = [
            {"ContextKeyName": k, "ContextKeyValues": [v], "ContextKeyType": t}
            for k, (v, t) in context.items()
        ]
    result = iam.simulate_principal_policy(**kw)["EvaluationResults"][0]
    return str(result["EvalDecision"])
