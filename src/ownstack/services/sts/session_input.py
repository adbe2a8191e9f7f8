"""What a caller may put into a new session: session policies (inline and by ARN) and session
tags, with STS's packed-size limit, and how the issued credentials are answered."""

from __future__ import annotations

import json
import math
import zlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Protocol

from ownstack.core.errors import ServiceError
from ownstack.identity.sessions import TemporaryCredential
from ownstack.policy import Policy, PolicyError, parse_policy

from .validate import POLICY_PATTERN, Violations, validation_error

MAX_POLICY_ARNS = 10
PACKED_LIMIT = 2048
"""Bytes of compressed session policy, policy ARNs and tags that make 100% of the packed
allowance (AWS does not publish its own; an inline policy at its 2,048-character limit packs
well under it, 50 tags of full size do not)."""


class PolicyLookup(Protocol):
    async def managed_policy(self, arn: str) -> Policy | None: ...


@dataclass(frozen=True, slots=True)
class SessionInput:
    policy: str = ""
    policy_arns: tuple[str, ...] = ()
    tags: Mapping[str, str] = field(default_factory=dict)
    transitive_tag_keys: tuple[str, ...] = ()
    packed_percent: int | None = None
    """PackedPolicySize, answered only when a session policy or tags were passed."""


def check_policy_params(params: Mapping[str, Any], v: Violations) -> None:
    policy = params.get("Policy")
    v.length(policy, "policy", 1, 2048)
    v.pattern(policy, "policy", POLICY_PATTERN)
    arns = params.get("PolicyArns")
    if arns is not None:
        for index, item in enumerate(arns, start=1):
            v.length(item.get("arn"), f"policyArns.{index}.member.arn", 20, 2048)


async def session_input(
    params: Mapping[str, Any],
    lookup: PolicyLookup,
    inherited: Mapping[str, str] | None = None,
) -> SessionInput:
    """The session policies and tags `params` ask for (tags `inherited` through role chaining
    come first and cannot be overridden). Raises MalformedPolicyDocument, ValidationError or
    PackedPolicyTooLarge as STS does."""
    policy = params.get("Policy") or ""
    if policy:
        try:
            parse_policy(policy, "session")
        except PolicyError as exc:
            raise ServiceError("MalformedPolicyDocument", exc.message, 400) from exc
    arns = tuple(item.get("arn", "") for item in params.get("PolicyArns") or ())
    if len(arns) > MAX_POLICY_ARNS:
        raise validation_error(
            f"The number of session policy ARNs ({len(arns)}) exceeds the limit of"
            f" {MAX_POLICY_ARNS}."
        )
    for arn in arns:
        if await lookup.managed_policy(arn) is None:
            raise validation_error(f"Policy {arn} does not exist or is not attachable.")
    requested = {t["Key"]: t.get("Value", "") for t in params.get("Tags") or ()}
    transitive = tuple(params.get("TransitiveTagKeys") or ())
    _check_tags(params.get("Tags") or (), requested, transitive, inherited or {})
    tags = {**requested, **(inherited or {})}
    passed = bool(policy or arns or requested)
    percent = _packed_percent(policy, arns, requested) if passed else None
    if percent is not None and percent > 100:
        raise ServiceError(
            "PackedPolicyTooLarge",
            f"Packed policy consumes {percent}% of allotted space, please use smaller policy"
            " for session.",
            400,
        )
    return SessionInput(policy, arns, tags, transitive, percent)


def _check_tags(
    raw: Any,
    requested: Mapping[str, str],
    transitive: tuple[str, ...],
    inherited: Mapping[str, str],
) -> None:
    lowered = [str(t["Key"]).lower() for t in raw]
    if len(set(lowered)) != len(lowered):
        raise validation_error(
            "Duplicate tag keys found. Please note that Tag keys are case insensitive."
        )
    missing = [k for k in transitive if k not in requested]
    if missing:
        raise validation_error(
            "The specified transitive tag key must be included in the requested tags."
        )
    inherited_lower = {k.lower() for k in inherited}
    if any(k.lower() in inherited_lower for k in requested):
        raise validation_error(
            "One of the specified transitive tag keys can't be set because it conflicts with a"
            " transitive tag key from the calling session."
        )


def _packed_percent(policy: str, arns: tuple[str, ...], tags: Mapping[str, str]) -> int:
    minified = json.dumps(json.loads(policy), separators=(",", ":")) if policy else ""
    packed = zlib.compress(
        "\n".join([minified, *arns, *(f"{k}={v}" for k, v in sorted(tags.items()))]).encode()
    )
    return max(1, math.ceil(len(packed) * 100 / PACKED_LIMIT))


def credentials_result(credential: TemporaryCredential) -> dict[str, Any]:
    return {
        "AccessKeyId": credential.access_key_id,
        "SecretAccessKey": credential.secret_access_key,
        "SessionToken": credential.session_token,
        "Expiration": datetime.fromtimestamp(credential.expiration, UTC),
    }
