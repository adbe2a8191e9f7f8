"""The statements SQS's and SNS's AddPermission write into a resource policy: pure helpers over
a policy document (a dict), shared so both services write AWS's shape the same way."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any


def with_statement_list(policy: dict[str, Any]) -> dict[str, Any]:
    """`policy` with its Statement as a list (AWS accepts a single statement object too)."""
    statements = policy.get("Statement")
    if isinstance(statements, dict):
        statements = [statements]
    policy["Statement"] = statements if isinstance(statements, list) else []
    return policy


def account_grant(
    sid: str, accounts: Sequence[str], actions: Sequence[str], resource: str
) -> dict[str, Any]:
    """Allow `actions` (already prefixed: "SQS:SendMessage") on `resource` to the accounts'
    roots, written as AWS writes it: one principal or action as a string, several as a list."""
    principals = [f"arn:aws:iam::{account}:root" for account in accounts]
    return {
        "Sid": sid,
        "Effect": "Allow",
        "Principal": {"AWS": principals[0] if len(principals) == 1 else principals},
        "Action": actions[0] if len(actions) == 1 else list(actions),
        "Resource": resource,
    }
