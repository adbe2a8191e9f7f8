"""Tokens of JSON and space-delimited patterns: words, "quoted strings", %regexes%, the
comparisons, && ||, parentheses, commas and the ellipsis `...`."""

from __future__ import annotations

from dataclasses import dataclass

from .values import PatternError

WORD = "word"
STRING = "string"
REGEX = "regex"
OP = "op"
AND = "and"
OR = "or"
LPAREN = "("
RPAREN = ")"
COMMA = ","
ELLIPSIS = "..."

_BREAKS = frozenset(' \t\r\n"%(),=!<>&|')
_PUNCT = {"(": LPAREN, ")": RPAREN, ",": COMMA}


@dataclass(frozen=True, slots=True)
class Token:
    kind: str
    text: str


def tokenize(text: str) -> list[Token]:
    tokens: list[Token] = []
    index = 0
    while index < len(text):
        char = text[index]
        if char.isspace():
            index += 1
        elif char == '"':
            value, index = _quoted(text, index)
            tokens.append(Token(STRING, value))
        elif char == "%":
            end = text.find("%", index + 1)
            if end < 0:
                raise PatternError("a regular expression is missing its closing %")
            tokens.append(Token(REGEX, text[index + 1 : end]))
            index = end + 1
        elif char in _PUNCT:
            tokens.append(Token(_PUNCT[char], char))
            index += 1
        else:
            token, index = _symbol(text, index)
            tokens.append(token)
    return tokens


def _symbol(text: str, index: int) -> tuple[Token, int]:
    two = text[index : index + 2]
    if two in ("&&", "||"):
        return Token(AND if two == "&&" else OR, two), index + 2
    if two in ("!=", "<=", ">="):
        return Token(OP, two), index + 2
    if text[index] in "=<>":
        return Token(OP, text[index]), index + 1
    if text.startswith("...", index):
        return Token(ELLIPSIS, "..."), index + 3
    end = index
    while end < len(text) and text[end] not in _BREAKS:
        end += 1
    if end == index:
        raise PatternError(f"unexpected {text[index]!r}")
    return Token(WORD, text[index:end]), end


def _quoted(text: str, index: int) -> tuple[str, int]:
    """The unescaped text of the quoted string starting at `index`, and where it ends."""
    out: list[str] = []
    index += 1
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
    raise PatternError("a quoted string is missing its closing quote")


class Cursor:
    """Reads tokens one at a time, for the recursive-descent parsers."""

    def __init__(self, tokens: list[Token]) -> None:
        self._tokens = tokens
        self._index = 0

    def peek(self, ahead: int = 0) -> Token | None:
        at = self._index + ahead
        return self._tokens[at] if at < len(self._tokens) else None

    def take(self, what: str) -> Token:
        token = self.peek()
        if token is None:
            raise PatternError(f"the pattern ends where {what} was expected")
        self._index += 1
        return token

    def accept(self, kind: str) -> bool:
        token = self.peek()
        if token is not None and token.kind == kind:
            self._index += 1
            return True
        return False

    @property
    def done(self) -> bool:
        return self._index >= len(self._tokens)
