"""The policy grammar: JSON shape checks in IAM's order, with IAM's MalformedPolicyDocument
words (IAM User Guide, "Grammar of the IAM JSON policy language"). The checks that depend on
values (ARN formats, action prefixes, principals) are in `validate.py`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from .conditions import parse_operator

SYNTAX = "Syntax errors in policy."
INVALID_JSON = "This policy contains invalid Json"
VERSIONS = ("2012-10-17", "2008-10-17")
VERSION_TOO_OLD = "Policy document must be version 2012-10-17 or greater."
"""IAM's answer to a managed policy (CreatePolicy/CreatePolicyVersion) that is not 2012-10-17;
the IAM service raises it when `Policy.version` says so."""

TOP_FIELDS = frozenset({"Version", "Id", "Statement"})
STATEMENT_FIELDS = frozenset(
    {
        "Sid",
        "Effect",
        "Action",
        "NotAction",
        "Resource",
        "NotResource",
        "Principal",
        "NotPrincipal",
        "Condition",
    }
)


class GrammarError(ValueError):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True, slots=True)
class RawStatement:
    """One statement, shape-checked, values still as written (strings)."""

    sid: str | None
    effect: str
    action: list[str] | None
    not_action: list[str] | None
    resource: list[str] | None
    not_resource: list[str] | None
    principal: object
    not_principal: object
    condition: list[tuple[str, str, list[str]]]


@dataclass(frozen=True, slots=True)
class RawDocument:
    version: str
    statements: list[RawStatement]


def read_document(text: str, *, trust: bool, unknown_field_words: bool) -> RawDocument:
    """`unknown_field_words`: say "Unknown field X" (resource policies) instead of IAM's
    generic syntax error."""
    try:
        doc = json.loads(text)
    except (ValueError, RecursionError):
        raise GrammarError(INVALID_JSON if trust else SYNTAX) from None
    if not isinstance(doc, dict):
        raise GrammarError(SYNTAX)
    _check_fields(doc, TOP_FIELDS, unknown_field_words)
    version = doc.get("Version", "")
    if "Version" in doc and version not in VERSIONS:
        raise GrammarError(SYNTAX)
    if not isinstance(doc.get("Id", ""), str):
        raise GrammarError(SYNTAX)
    body = doc.get("Statement")
    items = [body] if isinstance(body, dict) else body
    if not isinstance(items, list) or not items:
        raise GrammarError(SYNTAX)
    return RawDocument(version, [_statement(item, unknown_field_words) for item in items])


def _check_fields(obj: dict[str, Any], allowed: frozenset[str], unknown_words: bool) -> None:
    for name in obj:
        if name not in allowed:
            raise GrammarError(f"Unknown field {name}" if unknown_words else SYNTAX)


def _statement(item: object, unknown_words: bool) -> RawStatement:
    if not isinstance(item, dict):
        raise GrammarError(SYNTAX)
    _check_fields(item, STATEMENT_FIELDS, unknown_words)
    for first, second in (("Action", "NotAction"), ("Resource", "NotResource")):
        if first in item and second in item:
            raise GrammarError(SYNTAX)
    if "Principal" in item and "NotPrincipal" in item:
        raise GrammarError(SYNTAX)
    effect = item.get("Effect")
    if not isinstance(effect, str) or effect.lower() not in ("allow", "deny"):
        raise GrammarError(SYNTAX)
    sid = item.get("Sid")
    if sid is not None and not isinstance(sid, str):
        raise GrammarError(SYNTAX)
    for name in ("Principal", "NotPrincipal"):
        if name in item:
            _check_principal_shape(item[name])
    return RawStatement(
        sid=sid,
        effect=effect,
        action=_strings(item, "Action"),
        not_action=_strings(item, "NotAction"),
        resource=_strings(item, "Resource"),
        not_resource=_strings(item, "NotResource"),
        principal=item.get("Principal"),
        not_principal=item.get("NotPrincipal"),
        condition=_condition(item.get("Condition", {})),
    )


def _strings(item: dict[str, Any], name: str) -> list[str] | None:
    if name not in item:
        return None
    value = item[name]
    values = [value] if isinstance(value, str) else value
    if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
        raise GrammarError(SYNTAX)
    return values


def _check_principal_shape(value: object) -> None:
    if isinstance(value, str):
        return
    if not isinstance(value, dict):
        raise GrammarError(SYNTAX)
    for entry in value.values():
        entries = [entry] if isinstance(entry, str) else entry
        if not isinstance(entries, list) or not all(isinstance(e, str) for e in entries):
            raise GrammarError(SYNTAX)


def scalar_text(value: object) -> str:
    """A condition value as AWS reads it: numbers and booleans become their text."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return value
    if isinstance(value, int | float):
        return json.dumps(value)
    raise GrammarError(SYNTAX)


def _condition(block: object) -> list[tuple[str, str, list[str]]]:
    if not isinstance(block, dict):
        raise GrammarError(SYNTAX)
    out: list[tuple[str, str, list[str]]] = []
    for name, keys in block.items():
        if not isinstance(keys, dict):
            raise GrammarError(SYNTAX)
        # IAM accepts an unknown operator only with nothing under it.
        if keys and parse_operator(name) is None:
            raise GrammarError(SYNTAX)
        for key, raw in keys.items():
            values = raw if isinstance(raw, list) else [raw]
            out.append((name, key, [scalar_text(v) for v in values]))
    return out
