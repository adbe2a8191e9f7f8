"""GetContextKeysForCustomPolicy and GetContextKeysForPrincipalPolicy: the condition keys a
policy's Condition blocks and `${...}` variables read. `Policy.context_keys` holds them
lower-cased (for the decision cache); AWS answers with them as the policy spells them, so they
are read again from the document, each once whatever its case."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from ownstack.core.context import RequestContext
from ownstack.core.service import Params, Result
from ownstack.identity.compiled import name_of
from ownstack.policy import Policy, PolicyError, parse_policy

from .base import IamBase
from .errors import invalid_input

_VARIABLE = re.compile(r"\$\{([^}]*)\}")
_SPECIAL_VARIABLES = frozenset({"*", "?", "$"})
"""`${*}`, `${?}`, `${$}`: the literal characters, not context keys."""


def _statements(document: Any) -> list[Any]:
    found = document.get("Statement") if isinstance(document, dict) else None
    if isinstance(found, dict):
        return [found]
    return found if isinstance(found, list) else []


def _condition_keys(text: str) -> Iterator[str]:
    for statement in _statements(json.loads(text)):
        condition = statement.get("Condition") if isinstance(statement, dict) else None
        if not isinstance(condition, dict):
            continue
        for tests in condition.values():
            if isinstance(tests, dict):
                yield from tests.keys()


def _variable_keys(text: str) -> Iterator[str]:
    for match in _VARIABLE.finditer(text):
        key = match.group(1).split(",", 1)[0].strip()
        if key and key not in _SPECIAL_VARIABLES:
            yield key


def context_keys(texts: Iterable[str]) -> list[str]:
    """Every key the documents read, in the order they first appear, as first spelled."""
    seen: dict[str, str] = {}
    for text in texts:
        for key in (*_condition_keys(text), *_variable_keys(text)):
            seen.setdefault(key.lower(), key)
    return list(seen.values())


def _checked(texts: Sequence[str]) -> list[str]:
    """The documents of PolicyInputList, each a valid policy (InvalidInput otherwise)."""
    for text in texts:
        try:
            parse_policy(text, "identity")
        except PolicyError as exc:
            raise invalid_input(exc.message) from None
    return list(texts)


class ContextKeyOps(IamBase):
    async def get_context_keys_for_custom_policy(
        self, ctx: RequestContext, params: Params
    ) -> Result:
        return {"ContextKeyNames": context_keys(_checked(params["PolicyInputList"]))}

    async def get_context_keys_for_principal_policy(
        self, ctx: RequestContext, params: Params
    ) -> Result:
        given = _checked(params.get("PolicyInputList") or ())
        stored = await self._principal_policies(ctx, params["PolicySourceArn"])
        return {"ContextKeyNames": context_keys([p.text for p in stored] + given)}

    async def _principal_policies(self, ctx: RequestContext, arn: str) -> list[Policy]:
        """A user's policies (its groups' included), a group's or a role's."""
        prefix = f"arn:aws:iam::{ctx.account_id}:"
        kind = arn[len(prefix) :].split("/", 1)[0] if arn.startswith(prefix) else ""
        compiler = self.directory.compiler
        name = name_of(arn)
        if kind == "user":
            return await compiler.user_policies((await self.user(ctx, name)).record)
        if kind == "role":
            return await compiler.role_policies((await self.role(ctx, name)).record)
        if kind == "group":
            return await compiler.group_policies((await self.group(ctx, name)).record)
        raise invalid_input(f"Invalid ARN: {arn}")
