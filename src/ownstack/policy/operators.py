"""The base condition operators (IAM User Guide, "IAM JSON policy elements: Condition
operators"): how one request value compares with a condition's policy values.

A base operator is built from the policy values once and then asked, per request value, "does it
match any policy value?": True, False, or None when the request value cannot be read as the
operator's type (a non-number for Numeric*), which makes the whole condition false.
"""

from __future__ import annotations

import base64
import binascii
import ipaddress
import operator
import re
import socket
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from .wildcard import Test, compile_arn_like, compile_glob

Single = Callable[[str], bool | None]
Compare = Callable[[float, float], bool]

_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)")


def parse_number(text: str) -> float | None:
    return float(text) if _NUMBER.fullmatch(text) else None


def parse_date(text: str) -> float | None:
    """ISO 8601 (date, date-time, with or without zone: UTC when absent) or epoch seconds."""
    if _NUMBER.fullmatch(text):
        return float(text)
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.timestamp()


def parse_network(text: str) -> ipaddress.IPv4Network | ipaddress.IPv6Network | None:
    """A CIDR block; a bare address is a /32 (or /128)."""
    try:
        return ipaddress.ip_network(text.strip(), strict=False)
    except ValueError:
        return None


def _decode(text: str) -> bytes | str:
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        return text


def _strings(values: Sequence[str]) -> Single:
    wanted = frozenset(values)
    return wanted.__contains__


def _strings_ignore_case(values: Sequence[str]) -> Single:
    wanted = frozenset(value.lower() for value in values)
    return lambda value: value.lower() in wanted


def _bools(values: Sequence[str]) -> Single:
    return _strings_ignore_case(values)


def _binaries(values: Sequence[str]) -> Single:
    wanted = frozenset(_decode(value) for value in values)
    return lambda value: _decode(value) in wanted


def _ordered(parse: Callable[[str], float | None], compare: Compare) -> Callable[..., Single]:
    def build(values: Sequence[str]) -> Single:
        bounds = [b for b in map(parse, values) if b is not None]

        def single(value: str) -> bool | None:
            got = parse(value)
            if got is None:
                return None
            return any(compare(got, bound) for bound in bounds)

        return single

    return build


def _address(text: str) -> tuple[int, int] | None:
    """(bits, integer value) of an IPv4 or IPv6 address; socket's parser is ~10x ipaddress's."""
    for family, bits in ((socket.AF_INET, 32), (socket.AF_INET6, 128)):
        try:
            return bits, int.from_bytes(socket.inet_pton(family, text))
        except OSError:
            continue
    return None


def _networks(values: Sequence[str]) -> Single:
    blocks = [
        (n.max_prefixlen, int(n.network_address), int(n.netmask))
        for n in map(parse_network, values)
        if n is not None
    ]

    def single(value: str) -> bool | None:
        address = _address(value.strip())
        if address is None:
            return None
        bits, number = address
        return any(b == bits and number & mask == net for b, net, mask in blocks)

    return single


def any_pattern(tests: Sequence[Test]) -> Single:
    """For the wildcard operators: does the value match any of the compiled patterns?"""
    return lambda value: any(test(value) for test in tests)


@dataclass(frozen=True, slots=True)
class BaseOperator:
    name: str
    negated: bool = False
    build: Callable[[Sequence[str]], Single] = _strings
    glob: Callable[[str], Test] | None = None
    """Set for the wildcard operators (StringLike, Arn*): policy values are patterns."""
    parse: Callable[[str], object] | None = None
    """Set when policy values must parse as the type (IAM refuses the document otherwise)."""


def _ordered_family(prefix: str, parse: Callable[[str], float | None]) -> list[BaseOperator]:
    comparisons: list[tuple[str, Compare, bool]] = [
        ("Equals", operator.eq, False),
        ("NotEquals", operator.eq, True),
        ("LessThan", operator.lt, False),
        ("LessThanEquals", operator.le, False),
        ("GreaterThan", operator.gt, False),
        ("GreaterThanEquals", operator.ge, False),
    ]
    return [
        BaseOperator(prefix + suffix, negated, _ordered(parse, compare), parse=parse)
        for suffix, compare, negated in comparisons
    ]


def _arn_family() -> list[BaseOperator]:
    names = [("ArnEquals", False), ("ArnLike", False), ("ArnNotEquals", True)]
    names.append(("ArnNotLike", True))
    return [BaseOperator(name, negated, glob=compile_arn_like) for name, negated in names]


BASE_OPERATORS: dict[str, BaseOperator] = {
    op.name: op
    for op in [
        BaseOperator("StringEquals"),
        BaseOperator("StringNotEquals", True),
        BaseOperator("StringEqualsIgnoreCase", False, _strings_ignore_case),
        BaseOperator("StringNotEqualsIgnoreCase", True, _strings_ignore_case),
        BaseOperator("StringLike", False, glob=compile_glob),
        BaseOperator("StringNotLike", True, glob=compile_glob),
        *_ordered_family("Numeric", parse_number),
        *_ordered_family("Date", parse_date),
        BaseOperator("Bool", False, _bools),
        BaseOperator("BinaryEquals", False, _binaries),
        BaseOperator("IpAddress", False, _networks, parse=parse_network),
        BaseOperator("NotIpAddress", True, _networks, parse=parse_network),
        *_arn_family(),
    ]
}
