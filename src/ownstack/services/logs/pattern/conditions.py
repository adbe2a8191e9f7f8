"""Conditions of JSON and space-delimited patterns: comparisons and IS tests on a subject (a
JSON selector, a field's name), combined with && and || (&& binding tighter) and parentheses."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from .lexer import AND, LPAREN, OP, OR, REGEX, RPAREN, STRING, WORD, Cursor, Token
from .regex import compile_regex
from .values import ABSENT, Literal, PatternError, check_operator, compare, literal

MAX_REGEXES = 2
"""A JSON or space-delimited pattern may hold two regular expressions at most."""
_TESTS = {"TRUE", "FALSE", "NULL"}


@dataclass(frozen=True, slots=True)
class Compare:
    subject: str
    op: str
    value: Literal


@dataclass(frozen=True, slots=True)
class Test:
    subject: str
    what: str
    """TRUE, FALSE, NULL (IS ...) or NOT EXISTS."""


@dataclass(frozen=True, slots=True)
class AllOf:
    parts: tuple[Node, ...]


@dataclass(frozen=True, slots=True)
class AnyOf:
    parts: tuple[Node, ...]


Node = Compare | Test | AllOf | AnyOf
Lookup = Callable[[str], Any]


def evaluate(node: Node, lookup: Lookup) -> bool:
    if isinstance(node, Compare):
        return compare(node.op, node.value, lookup(node.subject))
    if isinstance(node, Test):
        return _test(node.what, lookup(node.subject))
    if isinstance(node, AllOf):
        return all(evaluate(part, lookup) for part in node.parts)
    return any(evaluate(part, lookup) for part in node.parts)


def _test(what: str, found: Any) -> bool:
    if what == "NOT EXISTS":
        return found is ABSENT
    if what == "NULL":
        return found is None
    return found is (what == "TRUE")


class ConditionParser:
    """Parses `a op v && (b op v || c IS NULL)`; `subject` checks a subject's token and
    answers its key (JSON: the selector; delimited: the field name)."""

    def __init__(self, cursor: Cursor, subject: Callable[[Token], str]) -> None:
        self.cursor = cursor
        self._subject = subject
        self.regexes = 0

    def expression(self) -> Node:
        parts = [self._all()]
        while self.cursor.accept(OR):
            parts.append(self._all())
        return parts[0] if len(parts) == 1 else AnyOf(tuple(parts))

    def _all(self) -> Node:
        parts = [self._unit()]
        while self.cursor.accept(AND):
            parts.append(self._unit())
        return parts[0] if len(parts) == 1 else AllOf(tuple(parts))

    def _unit(self) -> Node:
        if self.cursor.accept(LPAREN):
            inner = self.expression()
            if not self.cursor.accept(RPAREN):
                raise PatternError("a parenthesis is not closed")
            return inner
        subject = self._subject(self.cursor.take("a selector"))
        token = self.cursor.take("a comparison")
        if token.kind == WORD and token.text.upper() in ("IS", "NOT"):
            return Test(subject, self._test_kind(token))
        if token.kind != OP:
            raise PatternError(f"expected a comparison after {subject}, not {token.text!r}")
        value = self._value(self.cursor.take("a value"))
        check_operator(token.text, value)
        return Compare(subject, token.text, value)

    def _test_kind(self, token: Token) -> str:
        word = self.cursor.take("IS or NOT's operand")
        if token.text.upper() == "NOT":
            if word.kind == WORD and word.text.upper() == "EXISTS":
                return "NOT EXISTS"
            raise PatternError("NOT must be followed by EXISTS")
        if word.kind == WORD and word.text.upper() in _TESTS:
            return word.text.upper()
        raise PatternError("IS must be followed by TRUE, FALSE or NULL")

    def _value(self, token: Token) -> Literal:
        if token.kind == STRING:
            return literal(token.text, quoted=True)
        if token.kind == REGEX:
            self.regexes += 1
            if self.regexes > MAX_REGEXES:
                raise PatternError(f"a pattern may hold at most {MAX_REGEXES} regular expressions")
            return literal(token.text, regex=compile_regex(token.text))
        if token.kind == WORD:
            return literal(token.text)
        raise PatternError(f"expected a value, not {token.text!r}")
