"""Term patterns: `ERROR`, `ERROR ARGUMENTS` (both), `"INTERNAL SERVER ERROR"` (a phrase),
`ERROR -ARGUMENTS` (the first, not the second), `?ERROR ?WARN` (either).

Matching is case sensitive. A bare term matches a whole word of the message: where it occurs
with no letter or digit right before or right after it (so ERROR matches `[ERROR 400]` and
`ERROR:` but not `ERRORS`; use a %regex% for parts of words). A quoted phrase matches where its
exact text occurs. Bare terms may not hold quotes, brackets, braces, parentheses or operators:
AWS asks for such terms to be quoted.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from .values import PatternError

_FORBIDDEN = frozenset("\"'()[]{}<>=!|&%*\\^~`")


@dataclass(frozen=True, slots=True)
class _Term:
    text: str
    phrase: bool
    pattern: re.Pattern[str]

    def found_in(self, message: str) -> bool:
        if self.phrase:
            return self.text in message
        return self.pattern.search(message) is not None


def compile_terms(text: str) -> Callable[[str], bool]:
    required: list[_Term] = []
    excluded: list[_Term] = []
    optional: list[_Term] = []
    for sign, term in _split(text):
        {"": required, "-": excluded, "?": optional}[sign].append(term)

    def matches(message: str) -> bool:
        if not all(t.found_in(message) for t in required):
            return False
        if any(t.found_in(message) for t in excluded):
            return False
        return not optional or any(t.found_in(message) for t in optional)

    return matches


def _split(text: str) -> list[tuple[str, _Term]]:
    """(sign, term) for each whitespace-separated term; sign is "", "-" or "?"."""
    found: list[tuple[str, _Term]] = []
    index = 0
    while index < len(text):
        if text[index].isspace():
            index += 1
            continue
        sign = text[index] if text[index] in "-?" else ""
        start = index + len(sign)
        if text.startswith('"', start):
            phrase, index = _phrase(text, start)
            found.append((sign, _Term(phrase, True, re.compile(re.escape(phrase)))))
            continue
        index = start
        while index < len(text) and not text[index].isspace():
            index += 1
        found.append((sign, _word(text[start:index])))
    return found


def _word(word: str) -> _Term:
    if not word or any(char in _FORBIDDEN for char in word):
        raise PatternError(f"Invalid character(s) in term '{word}'")
    # No letter or digit may touch the term on either side ([^\W_] is a letter or digit).
    pattern = re.compile(rf"(?<![^\W_]){re.escape(word)}(?![^\W_])")
    return _Term(word, False, pattern)


def _phrase(text: str, start: int) -> tuple[str, int]:
    """The phrase quoted at `start` (backslash escapes a quote) and where it ends."""
    out: list[str] = []
    index = start + 1
    while index < len(text):
        char = text[index]
        if char == "\\" and index + 1 < len(text):
            out.append(text[index + 1])
            index += 2
        elif char == '"':
            return "".join(out), index + 1
        else:
            out.append(char)
            index += 1
    raise PatternError("a quoted phrase is missing its closing quote")
