"""Expression text -> tokens for parser.py. Never fails: a character the grammar has no use
for becomes a one-character token, so the parser can name it in AWS's words
("Syntax error; token: \"*\", near: \"numx * :v\"")."""

from __future__ import annotations

from dataclasses import dataclass

NAME = "name"  # attr, list_append, AND (keywords are told apart by the parser)
ATTR_NAME = "attr_name"  # #placeholder
ATTR_VALUE = "attr_value"  # :placeholder
NUMBER = "number"  # digits: only list indexes use them
SYMBOL = "symbol"  # = <> < <= > >= ( ) [ ] , . + - and any other single character
EOF = "eof"

_TWO_CHAR_SYMBOLS = ("<>", "<=", ">=")
_WHITESPACE = " \t\r\n"


@dataclass(frozen=True, slots=True)
class Token:
    kind: str
    text: str
    start: int
    end: int


def _is_letter(char: str) -> bool:
    return char.isascii() and char.isalpha()


def is_name_char(char: str) -> bool:
    """What may follow the first letter of a name, or a placeholder's '#' or ':'."""
    return char.isascii() and (char.isalnum() or char == "_")


def _scan(text: str, start: int) -> int:
    end = start
    while end < len(text) and is_name_char(text[end]):
        end += 1
    return end


def _scan_digits(text: str, start: int) -> int:
    end = start
    while end < len(text) and text[end].isascii() and text[end].isdigit():
        end += 1
    return end


def _token_at(text: str, start: int) -> Token:
    char = text[start]
    if _is_letter(char):
        end = _scan(text, start + 1)
        return Token(NAME, text[start:end], start, end)
    if char in "#:":
        end = _scan(text, start + 1)
        if end > start + 1:
            kind = ATTR_NAME if char == "#" else ATTR_VALUE
            return Token(kind, text[start:end], start, end)
    if char.isascii() and char.isdigit():
        end = _scan_digits(text, start)
        return Token(NUMBER, text[start:end], start, end)
    if text[start : start + 2] in _TWO_CHAR_SYMBOLS:
        return Token(SYMBOL, text[start : start + 2], start, start + 2)
    return Token(SYMBOL, char, start, start + 1)


def tokenize(text: str) -> list[Token]:
    """The tokens of `text`, ending with one EOF token (text "<EOF>", as AWS names it)."""
    tokens: list[Token] = []
    position = 0
    while position < len(text):
        if text[position] in _WHITESPACE:
            position += 1
            continue
        token = _token_at(text, position)
        tokens.append(token)
        position = token.end
    tokens.append(Token(EOF, "<EOF>", len(text), len(text)))
    return tokens
