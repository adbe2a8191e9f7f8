"""CloudWatch Logs filter patterns: the syntax FilterLogEvents (and AWS's metric and subscription
filters, and Live Tail) match log event messages with.
https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/FilterAndPatternSyntax.html

`compile_pattern(text)` answers a matcher (message -> bool) or raises PatternError. The form is
chosen by the pattern's first character:

- `{ ... }`  a JSON pattern (jsonpat.py): conditions on the message parsed as JSON;
- `[ ... ]`  a space-delimited pattern (delimited.py): the message's fields, by position;
- `%...%`    a regular expression (regex.py) searched for in the message;
- otherwise  terms (terms.py): words and quoted phrases, `-` to exclude one, `?` for any of.

The empty pattern (and `""`) matches every event.
"""

from __future__ import annotations

from collections.abc import Callable

from .delimited import compile_delimited
from .jsonpat import compile_json
from .regex import compile_regex
from .terms import compile_terms
from .values import PatternError

Matcher = Callable[[str], bool]
MAX_LENGTH = 1024

__all__ = ["MAX_LENGTH", "Matcher", "PatternError", "compile_pattern"]


def _everything(message: str) -> bool:
    return True


def compile_pattern(text: str) -> Matcher:
    """The matcher of filter pattern `text`; raises PatternError."""
    stripped = text.strip()
    if not stripped or stripped == '""':
        return _everything
    if stripped.startswith("{"):
        return compile_json(stripped)
    if stripped.startswith("["):
        return compile_delimited(stripped)
    if len(stripped) >= 2 and stripped[0] == "%" and stripped[-1] == "%":
        search = compile_regex(stripped[1:-1]).search
        return lambda message: search(message) is not None
    return compile_terms(stripped)
