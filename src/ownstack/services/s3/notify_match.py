"""Which notification configurations an object change matches, fast: a bucket's configuration
is stored as JSON text on its record (notify_config.py); `compiled` turns that text into
matchers once, and keeps them while the text stays the same."""

from __future__ import annotations

import functools
from dataclasses import dataclass

from .notify_rules import NotificationConfig, Rule, key_bounds


@dataclass(frozen=True, slots=True)
class Matcher:
    rule: Rule
    prefix: str
    suffix: str
    events: frozenset[str]
    wildcards: tuple[str, ...]
    """The categories of its wildcard events, with their colon: ("s3:ObjectCreated:",)."""

    def matches(self, event: str, key: str) -> bool:
        """`event` without "s3:", as event records name it."""
        named = f"s3:{event}"
        if named not in self.events and not any(named.startswith(w) for w in self.wildcards):
            return False
        return key.startswith(self.prefix) and key.endswith(self.suffix)


@dataclass(frozen=True, slots=True)
class Compiled:
    matchers: tuple[Matcher, ...]
    eventbridge: bool

    def rules_for(self, event: str, key: str) -> list[Rule]:
        return [m.rule for m in self.matchers if m.matches(event, key)]


def _matcher(rule: Rule) -> Matcher:
    prefix, suffix = key_bounds(rule)
    wildcards = tuple(e[:-1] for e in rule.events if e.endswith(":*"))
    return Matcher(rule, prefix, suffix, frozenset(rule.events), wildcards)


@functools.lru_cache(maxsize=256)
def compiled(text: str) -> Compiled:
    """The matchers of a stored configuration (its JSON text); memoised by the text."""
    config = NotificationConfig.decode(text.encode())
    return Compiled(tuple(_matcher(r) for r in config.rules), config.eventbridge)
