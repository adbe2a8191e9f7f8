"""The policy the gateway evaluates for a bus: its own (PutPermission's statements, as AWS
writes them) plus what AWS implies. EventBridge itself delivers for an account (a rule's bus
target in another account), so an account the policy lets put events may also have
events.amazonaws.com deliver for it (aws:SourceAccount); and AWS services deliver to the buses
of the account they act for (S3's EventBridge notifications) without any policy."""

from __future__ import annotations

import json
from typing import Any

from .records import BusRecord

ACTION = "events:PutEvents"
SERVICES = ("events.amazonaws.com", "s3.amazonaws.com", "lambda.amazonaws.com")
"""The service principals that deliver to buses of the account they act for."""


def effective_policy(bus: BusRecord) -> str:
    """The bus's policy plus the implied statements (module docstring), as JSON text."""
    doc = doc_of(bus.policy)
    implied = [_service_statement(bus.arn, [bus.account], {}, "OwnAccountServices", SERVICES)]
    for statement in doc.get("Statement", []):
        accounts = _granted_accounts(statement)
        if accounts:
            implied.append(
                _service_statement(
                    bus.arn,
                    accounts,
                    statement.get("Condition") or {},
                    "",
                    ("events.amazonaws.com",),
                )
            )
    return json.dumps({"Version": "2012-10-17", "Statement": doc.get("Statement", []) + implied})


def doc_of(text: str) -> dict[str, Any]:
    if not text:
        return {"Version": "2012-10-17", "Statement": []}
    doc = json.loads(text)
    statements = doc.get("Statement", [])
    doc["Statement"] = statements if isinstance(statements, list) else [statements]
    return dict(doc)


def _granted_accounts(statement: dict[str, Any]) -> list[str]:
    """The accounts (or "*") an Allow statement lets put events on the bus."""
    if statement.get("Effect") != "Allow":
        return []
    actions = statement.get("Action", [])
    actions = actions if isinstance(actions, list) else [actions]
    if not any(a in (ACTION, "events:*", "*") for a in actions):
        return []
    principal = statement.get("Principal")
    if principal == "*":
        return ["*"]
    named = principal.get("AWS", []) if isinstance(principal, dict) else []
    named = named if isinstance(named, list) else [named]
    return [_account_of(str(p)) for p in named]


def _account_of(principal: str) -> str:
    if principal == "*":
        return "*"
    return principal.split(":")[4] if principal.startswith("arn:") else principal


def _service_statement(
    arn: str, accounts: list[str], condition: dict[str, Any], sid: str, services: tuple[str, ...]
) -> dict[str, Any]:
    merged = {op: dict(keys) for op, keys in condition.items()}
    if "*" not in accounts:
        merged.setdefault("StringEquals", {})["aws:SourceAccount"] = accounts
    statement: dict[str, Any] = {
        "Effect": "Allow",
        "Principal": {"Service": list(services)},
        "Action": ACTION,
        "Resource": arn,
    }
    if sid:
        statement["Sid"] = sid
    if merged:
        statement["Condition"] = merged
    return statement
