"""The values the authorisation map hands the gateway, and the small callables it is built from."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

Params = Mapping[str, Any]
Context = Mapping[str, tuple[str, ...]]

NO_CONTEXT: Context = MappingProxyType({})
"""Shared by every requirement without request-specific condition keys (read-only)."""


@dataclass(frozen=True, slots=True)
class Requirement:
    """One permission a request needs: `action` on `resource`, with the condition keys the
    request itself carries (names lower-cased, values as strings)."""

    action: str
    """`prefix:Action` as the Service Authorization Reference spells it (s3:GetObject)."""
    resource: str
    """The resource's ARN, or `*` when the action has no resource type (or none can be named)."""
    context: Context = field(default_factory=lambda: NO_CONTEXT)


@dataclass(frozen=True, slots=True)
class Scope:
    """Who asks, where: fills ${Account} and ${Region}; `caller` (the principal's ARN) names the
    user of IAM operations whose UserName is optional and omitted (the caller's own user)."""

    account: str
    region: str
    caller: str | None = None


Resolver = Callable[[Params, Scope], "str | None"]
"""The ARN of one resource type from a request, or None when the request does not name it."""

ConditionFn = Callable[[Params, dict[str, tuple[str, ...]]], None]
"""Adds the condition keys it knows, when the request carries them, to the dict."""

Builder = Callable[[Params, Scope], tuple[Requirement, ...]]
"""What one operation needs, from its parsed parameters."""
