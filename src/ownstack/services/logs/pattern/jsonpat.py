"""JSON patterns: `{ $.level = "ERROR" && ($.latency > 500 || $.user.id IS NULL) }`.

The message must be JSON; a selector walks it from `$` by `.name` (object members) and `[n]`
(array elements). A condition on a selector that names nothing is false, except NOT EXISTS.
https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/FilterAndPatternSyntax.html
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

from .conditions import ConditionParser, evaluate
from .lexer import WORD, Cursor, Token, tokenize
from .values import ABSENT, PatternError

_SELECTOR = re.compile(r"\$(?:\.[^.\[\]\s]+|\[\d+\])*")
_STEP = re.compile(r"\.([^.\[\]\s]+)|\[(\d+)\]")


def compile_json(text: str) -> Callable[[str], bool]:
    if not text.endswith("}"):
        raise PatternError("a JSON pattern must end with }")
    cursor = Cursor(tokenize(text[1:-1]))
    if cursor.done:
        raise PatternError("a JSON pattern has no condition")
    paths: dict[str, list[str | int]] = {}

    def selector(token: Token) -> str:
        if token.kind != WORD or not _SELECTOR.fullmatch(token.text):
            raise PatternError(f"{token.text!r} is not a selector ($.name, $.list[0] ...)")
        paths[token.text] = _steps(token.text)
        return token.text

    tree = ConditionParser(cursor, selector).expression()
    if not cursor.done:
        raise PatternError(f"unexpected {cursor.take('').text!r} in the JSON pattern")

    def matches(message: str) -> bool:
        try:
            document = json.loads(message)
        except ValueError:
            return False
        return evaluate(tree, lambda key: _select(document, paths[key]))

    return matches


def _steps(selector: str) -> list[str | int]:
    return [name if name else int(index) for name, index in _STEP.findall(selector[1:])]


def _select(document: Any, path: list[str | int]) -> Any:
    found = document
    for step in path:
        if isinstance(step, int):
            if not isinstance(found, list) or step >= len(found):
                return ABSENT
            found = found[step]
        elif isinstance(found, dict) and step in found:
            found = found[step]
        else:
            return ABSENT
    return found
