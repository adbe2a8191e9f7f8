"""Policy variables (`${aws:username}`, `${aws:PrincipalTag/team, 'default'}`, `${*}`), as the
IAM User Guide's "IAM policy elements: Variables and tags" describes them.

Only 2012-10-17 documents substitute them; in older ones `${...}` is plain text. A variable whose
key the request lacks (and that has no default) makes its element not match.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from .wildcard import glob_to_regex

Lookup = Callable[[str], Sequence[str] | None]
"""Condition key (lower-cased) -> its values, None when the request has no such key."""

_VARIABLE = re.compile(r"\$\{([^}]*)\}")
_LITERALS = {"*": "*", "?": "?", "$": "$"}


@dataclass(frozen=True, slots=True)
class Variable:
    key: str
    default: str | None = None


@dataclass(frozen=True, slots=True)
class Literal:
    """A `${*}`, `${?}` or `${$}`: the character itself, never a wildcard."""

    text: str


Part = str | Variable | Literal


def parse_template(text: str) -> tuple[Part, ...] | None:
    """The parts of `text`, or None when it holds no variable (the common, fast case)."""
    if "${" not in text:
        return None
    parts: list[Part] = []
    pos = 0
    for match in _VARIABLE.finditer(text):
        if match.start() > pos:
            parts.append(text[pos : match.start()])
        parts.append(_parse_variable(match.group(1)))
        pos = match.end()
    if pos < len(text):
        parts.append(text[pos:])
    if all(isinstance(part, str) for part in parts):
        return None
    return tuple(parts)


def _parse_variable(inner: str) -> Part:
    stripped = inner.strip()
    if stripped in _LITERALS:
        return Literal(_LITERALS[stripped])
    key, comma, default = stripped.partition(",")
    if not comma:
        return Variable(key.strip().lower())
    default = default.strip()
    if len(default) >= 2 and default[0] == default[-1] == "'":
        default = default[1:-1]
    return Variable(key.strip().lower(), default)


def _value(var: Variable, lookup: Lookup) -> str | None:
    values = lookup(var.key)
    # A multivalued key cannot stand in a variable: AWS treats it as absent.
    if values is not None and len(values) == 1:
        return values[0]
    return var.default


def render_text(parts: tuple[Part, ...], lookup: Lookup) -> str | None:
    """The template with its variables filled in, None when a key is missing."""
    out: list[str] = []
    for part in parts:
        if isinstance(part, str):
            out.append(part)
        elif isinstance(part, Literal):
            out.append(part.text)
        else:
            value = _value(part, lookup)
            if value is None:
                return None
            out.append(value)
    return "".join(out)


class GlobTemplate:
    """A template whose own text is a wildcard pattern, turned into regex pieces once: per
    request only the substituted values are escaped and joined."""

    __slots__ = ("_pieces",)

    def __init__(self, parts: tuple[Part, ...], *, arn: bool = False) -> None:
        self._pieces: tuple[str | Variable, ...] = tuple(
            glob_to_regex(part, arn=arn)
            if isinstance(part, str)
            else re.escape(part.text)
            if isinstance(part, Literal)
            else part
            for part in parts
        )

    def regex(self, lookup: Lookup) -> str | None:
        """The regex body for this request, None when a key is missing."""
        out: list[str] = []
        for piece in self._pieces:
            if isinstance(piece, str):
                out.append(piece)
                continue
            value = _value(piece, lookup)
            if value is None:
                return None
            out.append(re.escape(value))
        return "".join(out)
