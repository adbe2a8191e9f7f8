"""Checks of IAM's request members, worded as IAM words them: names and paths against the
model's constraints (ValidationError), policy documents (MalformedPolicyDocument), sizes and
tags (LimitExceeded, InvalidInput)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from ownstack.policy import Policy, PolicyError, PolicyKind, parse_policy
from ownstack.policy.document import CURRENT_VERSION, policy_size
from ownstack.policy.grammar import VERSION_TOO_OLD

from .errors import invalid_input, limit_exceeded, malformed_policy, validation_error

NAME_PATTERN = r"[\w+=,.@-]+"
PATH_PATTERN = r"(\u002F)|(\u002F[\u0021-\u007E]+\u002F)"
PATH_PREFIX_PATTERN = r"\u002F[\u0021-\u007F]*"
_NAME = re.compile(NAME_PATTERN)
_PATH = re.compile(PATH_PATTERN)
_PATH_PREFIX = re.compile(PATH_PREFIX_PATTERN)
_TAG = re.compile(r"[\w\s.:/=+\-@]*")
MAX_TAGS = 50


def _constraint(value: str, member: str, constraint: str) -> Exception:
    return validation_error(
        f"1 validation error detected: Value '{value}' at '{member}' failed to satisfy"
        f" constraint: {constraint}"
    )


def check_name(value: str, member: str, max_length: int) -> str:
    """`member` as AWS names it in the message (userName, roleName, policyName...)."""
    if len(value) > max_length:
        raise _constraint(
            value, member, f"Member must have length less than or equal to {max_length}"
        )
    if not _NAME.fullmatch(value):
        raise _constraint(
            value, member, f"Member must satisfy regular expression pattern: {NAME_PATTERN}"
        )
    return value


def check_path(value: str | None, member: str = "path") -> str:
    if value is None:
        return "/"
    if len(value) > 512:
        raise _constraint(value, member, "Member must have length less than or equal to 512")
    if not _PATH.fullmatch(value):
        raise _constraint(
            value, member, f"Member must satisfy regular expression pattern: {PATH_PATTERN}"
        )
    return value


def check_path_prefix(value: str | None) -> str:
    if not value:
        return "/"
    if len(value) > 512 or not _PATH_PREFIX.fullmatch(value):
        raise _constraint(
            value,
            "pathPrefix",
            f"Member must satisfy regular expression pattern: {PATH_PREFIX_PATTERN}",
        )
    return value


def check_document(
    text: str, kind: PolicyKind, source_id: str = "", *, managed: bool = False
) -> Policy:
    """The document compiled; MalformedPolicyDocument with the policy package's message.
    A managed policy's document must say Version 2012-10-17 (inline ones need not)."""
    try:
        policy = parse_policy(text, kind, source_id)
    except PolicyError as exc:
        raise malformed_policy(exc.message) from None
    if managed and policy.version != CURRENT_VERSION:
        raise malformed_policy(VERSION_TOO_OLD)
    return policy


def check_managed_size(text: str) -> None:
    if policy_size(text) > 6144:
        raise limit_exceeded("Cannot exceed quota for PolicySize: 6144")


def check_trust_size(text: str) -> None:
    if policy_size(text) > 2048:
        raise limit_exceeded("Cannot exceed quota for ACLSizePerRole: 2048")


def check_max_items(value: int | None) -> int:
    if value is None:
        return 100
    if not 1 <= value <= 1000:
        raise _constraint(
            str(value), "maxItems", "Member must have value less than or equal to 1000"
        )
    return value


def check_tags(tags: Sequence[dict[str, Any]] | None) -> dict[str, str]:
    """The Tags list as a dict; AWS's errors for duplicate, bad or too many tags."""
    out: dict[str, str] = {}
    for tag in tags or ():
        key, value = str(tag.get("Key", "")), str(tag.get("Value", ""))
        if key.lower() in (k.lower() for k in out):
            raise invalid_input(
                "Duplicate tag keys found. Please note that Tag keys are case insensitive."
            )
        if not 1 <= len(key) <= 128 or not _TAG.fullmatch(key):
            raise _constraint(
                key, "tags.member.key", "Member must have length less than or equal to 128"
            )
        if len(value) > 256 or not _TAG.fullmatch(value):
            raise _constraint(
                value, "tags.member.value", "Member must have length less than or equal to 256"
            )
        if key.lower().startswith("aws:"):
            raise invalid_input(
                "User is not authorized to perform: iam:TagResource on resource with"
                " reserved prefix aws:"
            )
        out[key] = value
    check_tag_count(len(out))
    return out


def check_tag_count(count: int) -> None:
    if count > MAX_TAGS:
        raise limit_exceeded("The number of tags has reached the maximum limit.")


def merge_tags(current: dict[str, str], new: dict[str, str]) -> dict[str, str]:
    """Tags after TagX: keys compare without case, and a new value replaces the old."""
    lowered = {k.lower() for k in new}
    merged = {k: v for k, v in current.items() if k.lower() not in lowered}
    merged.update(new)
    check_tag_count(len(merged))
    return merged


def remove_tags(current: dict[str, str], keys: Sequence[str]) -> dict[str, str]:
    gone = {k.lower() for k in keys}
    return {k: v for k, v in current.items() if k.lower() not in gone}
