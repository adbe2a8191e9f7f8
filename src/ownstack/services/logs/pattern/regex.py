"""Regular expressions in filter patterns (`%...%`), limited to what CloudWatch Logs takes:
letters and digits, the symbols _ # = @ / ; , - : ' and space, and the operators
^ $ ? [ ] { } | \\ * + . ; no parentheses (no groups), no multi-byte characters.
https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/regex-expressions.html

What is left is a subset of Python's own syntax with the same meaning, so the expression is
compiled by `re` as it is, once it is known to stay within that subset.
"""

from __future__ import annotations

import re

from .values import PatternError

_ALLOWED = frozenset(
    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_#=@/;,-:' ^$?[]{}|\\*+."
)
_ESCAPES = frozenset("dDsSwWbB.\\^$?[]{}|*+-/#=@;,:' ntr")
"""What may follow a backslash: a class (\\d, \\s, \\w), an escaped operator or symbol."""


def compile_regex(body: str) -> re.Pattern[str]:
    """The compiled expression between a pattern's `%` signs; raises PatternError."""
    if not body:
        raise PatternError("a regular expression between % signs is empty")
    for index, char in enumerate(body):
        if char not in _ALLOWED:
            raise PatternError(f"the regular expression %{body}% contains {char!r}")
        if char == "\\" and not _escaped(body, index):
            following = body[index + 1 : index + 2]
            if following not in _ESCAPES or not following:
                raise PatternError(f"the regular expression %{body}% has a bad escape")
    try:
        return re.compile(body)
    except re.error as exc:
        raise PatternError(f"the regular expression %{body}% is not valid: {exc}") from exc


def _escaped(body: str, index: int) -> bool:
    """Whether the character at `index` is escaped by an odd run of backslashes before it."""
    run = 0
    while index - run - 1 >= 0 and body[index - run - 1] == "\\":
        run += 1
    return run % 2 == 1
