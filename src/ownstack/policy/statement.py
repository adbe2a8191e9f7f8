"""Compiled statements and the per-policy action index.

Compilation happens once per document: actions become a dict of exact names plus the few
wildcard patterns, resources become equality/prefix/regex tests, conditions become closures.
At request time the index answers "which statements name this action?" from a small cache.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from .conditions import Condition, compile_condition
from .grammar import RawStatement
from .principals import PrincipalSpec, parse_principal
from .variables import GlobTemplate, Lookup, parse_template
from .wildcard import Test, compile_glob, has_wildcard

ResourceTest = Callable[[str, Lookup], bool]
_CACHE_LIMIT = 2048


@dataclass(frozen=True, slots=True)
class Statement:
    sid: str
    allow: bool
    resources: tuple[ResourceTest, ...] | None
    """None: the statement has no Resource element (trust policies) and covers any resource."""
    not_resource: bool
    principals: PrincipalSpec | None
    not_principal: bool
    conditions: tuple[Condition, ...]

    def covers(self, resource: str, lookup: Lookup) -> bool:
        if self.resources is None:
            return True
        hit = any(test(resource, lookup) for test in self.resources)
        return hit != self.not_resource

    def holds(self, lookup: Lookup) -> bool:
        return all(condition.test(lookup) for condition in self.conditions)


def compile_statement(raw: RawStatement, variables: bool) -> Statement:
    element = raw.principal if raw.principal is not None else raw.not_principal
    resources = raw.resource if raw.resource is not None else raw.not_resource
    return Statement(
        sid=raw.sid or "",
        allow=raw.effect == "Allow",
        resources=None if resources is None else tuple(_resource(r, variables) for r in resources),
        not_resource=raw.resource is None and raw.not_resource is not None,
        principals=None if element is None else parse_principal(element),
        not_principal=raw.not_principal is not None,
        conditions=tuple(
            compile_condition(op, key, values, variables) for op, key, values in raw.condition
        ),
    )


def _resource(pattern: str, variables: bool) -> ResourceTest:
    template = parse_template(pattern) if variables else None
    if template is None:
        test = compile_glob(pattern, arn=True)
        return lambda resource, _lookup: test(resource)

    glob = GlobTemplate(template, arn=True)

    def templated(resource: str, lookup: Lookup) -> bool:
        body = glob.regex(lookup)
        return body is not None and _fullmatch(body, resource)

    return templated


def _fullmatch(body: str, value: str) -> bool:
    # The re module caches compiled patterns: a repeated body costs a dict lookup.
    return re.fullmatch(body, value, re.DOTALL) is not None


class ActionIndex:
    """Statements by action: exact names in a dict, wildcard and NotAction tests in a list."""

    __slots__ = ("_cache", "_exact", "_patterns", "_statements")

    def __init__(self, statements: Sequence[Statement], raws: Sequence[RawStatement]) -> None:
        self._statements = tuple(statements)
        self._exact: dict[str, list[int]] = {}
        self._patterns: list[tuple[int, Test]] = []
        self._cache: dict[str, tuple[Statement, ...]] = {}
        for i, raw in enumerate(raws):
            if raw.not_action is not None:
                self._patterns.append((i, _none_of(raw.not_action)))
                continue
            for action in raw.action or ():
                name = action.lower()
                if has_wildcard(name):
                    self._patterns.append((i, compile_glob(name, ignore_case=True)))
                else:
                    self._exact.setdefault(name, []).append(i)

    def lookup(self, action: str) -> tuple[Statement, ...]:
        """The statements whose Action/NotAction covers `action` (lower-cased), in order."""
        found = self._cache.get(action)
        if found is not None:
            return found
        hits = set(self._exact.get(action, ()))
        hits.update(i for i, test in self._patterns if test(action))
        found = tuple(self._statements[i] for i in sorted(hits))
        if len(self._cache) >= _CACHE_LIMIT:
            self._cache.clear()
        self._cache[action] = found
        return found


def _none_of(patterns: Sequence[str]) -> Test:
    tests = [compile_glob(p.lower(), ignore_case=True) for p in patterns]
    return lambda action: not any(test(action) for test in tests)
