"""The value rules event patterns share (patterns.py): how numbers compare, how IP ranges and
wildcards are read.

Numbers: AWS's open-source matcher (aws/event-ruler, ComparableNumber) makes a number
comparable by shifting it to be non-negative, scaling by 10^digits and truncating: digits past
the last kept one are dropped, i.e. the value is rounded toward minus infinity (floor), not to
nearest. EventBridge keeps six digits after the decimal point and numbers within +-5e9; SNS
filter policies five digits and +-1e9 ("Filter policy constraints in Amazon SNS": `[100.123456789]`
matches `100.1234567`). Equality and ranges both compare these truncated values. The truncation
is done in decimal on the number's shortest text form (Python's repr, as JSON writes it), so
0.1 is 0.10000, not 0.09999 as binary float arithmetic would give.
"""

from __future__ import annotations

import ipaddress
import math
import re
from decimal import Decimal
from functools import cache
from typing import Any

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


class PatternError(Exception):
    """A pattern that does not parse; `reason` is event-ruler's wording of why."""

    def __init__(self, reason: str, *, nesting: bool = False) -> None:
        super().__init__(reason)
        self.reason = reason
        self.nesting = nesting
        """The pattern nests objects where the dialect allows none (SNS MessageAttributes)."""


@cache
def _scale(digits: int) -> Decimal:
    return Decimal(10) ** digits


def comparable(value: float, digits: int) -> float:
    """`value` truncated (floored) to `digits` decimal places, scaled to a whole number (exact
    in a float for the ranges patterns allow). Infinities (open range bounds) stay as they are."""
    if not math.isfinite(value):
        return value
    return float(math.floor(Decimal(repr(float(value))) * _scale(digits)))


def is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def parse_cidr(text: str) -> Network:
    """An IP range as event-ruler reads one; PatternError with its wording otherwise."""
    address, slash, bits = text.partition("/")
    if not slash or "/" in bits:
        raise PatternError("Malformed CIDR, one '/' required")
    if not bits.isdigit():
        raise PatternError("Malformed CIDR, mask bits must be an integer")
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        raise PatternError(f"Nonstandard IP address: {address}") from None
    try:
        return ipaddress.ip_network(f"{ip}/{bits}", strict=False)
    except ValueError:
        raise PatternError(f"Malformed CIDR, mask bits must be an integer: {bits}") from None


def in_network(value: Any, network: Network) -> bool:
    if not isinstance(value, str):
        return False
    try:
        return ipaddress.ip_address(value) in network
    except ValueError:
        return False


def wildcard_regex(text: str) -> re.Pattern[str]:
    """`*` matches any run of characters (none too); `\\*` is a star and `\\\\` a backslash.
    PatternError for two stars in a row, as event-ruler refuses them."""
    parts: list[str] = []
    index, escaped, last_star = 0, False, False
    for index, char in enumerate(text):
        if escaped:
            parts.append(re.escape(char))
            escaped, last_star = False, False
        elif char == "\\":
            escaped = True
        elif char == "*":
            if last_star:
                raise PatternError(f"Consecutive wildcard characters at pos {index}")
            parts.append(".*")
            last_star = True
        else:
            parts.append(re.escape(char))
            last_star = False
    if escaped:
        parts.append(re.escape("\\"))
    return re.compile("".join(parts), re.DOTALL)
