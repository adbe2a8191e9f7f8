"""Wildcard (`*`, `?`) patterns compiled once into the cheapest test that answers them.

Actions match case-insensitively and `*` spans everything. In a resource ARN `*` and `?` work
inside each colon-separated segment, and a `*` that ends a segment may run on past colons (IAM
User Guide, "IAM JSON policy elements: Resource", Using wildcards in resource ARNs).
"""

from __future__ import annotations

import re
from collections.abc import Callable

Test = Callable[[str], bool]


def _always(_value: str) -> bool:
    return True


def has_wildcard(pattern: str) -> bool:
    return "*" in pattern or "?" in pattern


def glob_to_regex(pattern: str, *, arn: bool = False) -> str:
    """The regex body for a glob. With `arn`, a `*` inside a segment stops at colons."""
    out: list[str] = []
    last = len(pattern) - 1
    for i, ch in enumerate(pattern):
        if ch == "*":
            spans = not arn or i == last or pattern[i + 1] == ":"
            out.append(".*" if spans else "[^:]*")
        elif ch == "?":
            out.append(".")
        else:
            out.append(re.escape(ch))
    return "".join(out)


def compile_glob(pattern: str, *, ignore_case: bool = False, arn: bool = False) -> Test:
    """A predicate for `pattern`: equality, a prefix check or a compiled regex."""
    if pattern == "*":
        return _always
    if ignore_case:
        pattern = pattern.lower()
    if not has_wildcard(pattern):
        return pattern.__eq__
    body = pattern[:-1]
    if pattern.endswith("*") and not has_wildcard(body):
        return lambda value: value.startswith(body)
    flags = re.DOTALL | (re.IGNORECASE if ignore_case else 0)
    fullmatch = re.compile(glob_to_regex(pattern, arn=arn), flags).fullmatch
    return lambda value: fullmatch(value) is not None


def split_arn(value: str) -> list[str] | None:
    """The six parts of an ARN (the resource part keeps its colons), or None."""
    parts = value.split(":", 5)
    return parts if len(parts) == 6 else None


def compile_arn_like(pattern: str) -> Test:
    """ArnLike/ArnEquals: each of the six parts matched on its own, case-sensitively."""
    parts = split_arn(pattern)
    if parts is None:
        return lambda _value: False
    tests = [compile_glob(part) for part in parts]

    def test(value: str) -> bool:
        got = split_arn(value)
        return got is not None and all(t(p) for t, p in zip(tests, got, strict=True))

    return test
