"""Policy documents: grammar, validation with IAM's wording, compilation."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Literal

from .grammar import GrammarError, read_document
from .principals import InvalidPrincipal
from .statement import ActionIndex, Statement, compile_statement
from .validate import check_document

PolicyKind = Literal["identity", "resource", "trust", "boundary", "session"]
CURRENT_VERSION = "2012-10-17"
_VARIABLE = re.compile(r"\$\{([^}]*)\}")
"""A policy variable anywhere in the text (a superset of those substituted: safe for keys)."""


class PolicyError(ValueError):
    """A document IAM would refuse. `message` is IAM's MalformedPolicyDocument text."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True, slots=True)
class Policy:
    """A parsed, validated, compiled policy. `source_id` names it in Simulate* answers and
    denials (a managed policy's ARN, `user/bob/inline-name`, ...)."""

    text: str
    kind: PolicyKind
    source_id: str = ""
    version: str = ""
    """As written; "" when the document has none (then `${...}` is not substituted)."""
    statements: tuple[Statement, ...] = field(default=(), compare=False, repr=False)
    index: ActionIndex = field(
        default_factory=lambda: ActionIndex((), ()), compare=False, repr=False
    )
    context_keys: frozenset[str] = field(default=frozenset(), compare=False)
    """Every context key the policy's conditions and `${...}` variables read (lower-cased): a
    decision depends on the request's context through these keys only, so a cache of
    decisions keys on their values."""
    named_principals: tuple[str, ...] = field(default=(), compare=False)
    """IAM user and role ARNs in Principal/NotPrincipal: IAM refuses a trust policy naming one
    that does not exist ('Invalid principal in policy: "AWS":"<arn>"')."""


def parse_policy(text: str, kind: PolicyKind, source_id: str = "") -> Policy:
    """Validate `text` as IAM validates a `kind` policy and compile it; PolicyError otherwise.

    Version rules: "2012-10-17" and "2008-10-17" are accepted, and so is no Version (IAM
    accepts that for inline policies); CreatePolicy refuses anything but 2012-10-17 with
    `grammar.VERSION_TOO_OLD`, which the IAM service checks on `Policy.version`.
    """
    try:
        raw = read_document(text, trust=kind == "trust", unknown_field_words=kind == "resource")
        check_document(raw, kind)
        variables = raw.version == CURRENT_VERSION
        statements = tuple(compile_statement(st, variables) for st in raw.statements)
    except GrammarError as exc:
        raise PolicyError(exc.message) from None
    except InvalidPrincipal as exc:
        detail = "" if kind == "resource" else f": {exc.detail}"
        raise PolicyError(f"Invalid principal in policy{detail}") from None
    named = sorted({a for s in statements if s.principals for a in s.principals.named_arns})
    keys = {c.key for s in statements for c in s.conditions}
    keys.update(m.group(1).split(",", 1)[0].strip().lower() for m in _VARIABLE.finditer(text))
    return Policy(
        text=text,
        kind=kind,
        source_id=source_id,
        version=raw.version,
        statements=statements,
        index=ActionIndex(statements, raw.statements),
        context_keys=frozenset(keys),
        named_principals=tuple(named),
    )


def policy_size(text: str) -> int:
    """Characters IAM counts against its size quotas: all but whitespace (2,048 for a user's
    inline policies, 5,120 a group's, 10,240 a role's, 6,144 a managed policy)."""
    return sum(1 for ch in text if not ch.isspace())
