"""Subscription filter policies: parsed and validated once (Subscribe, SetSubscriptionAttributes)
by the events layer's pattern matcher, which EventBridge's rules share (ownstack.events.patterns),
with SNS's own limits on top: 5 keys, 150 combinations, 256 KB, numbers to five decimal digits
within +-1e9, no `wildcard`, and no nesting in the MessageAttributes scope.
"""

from __future__ import annotations

import json
from typing import Any

from ownstack.events.patterns import Dialect, Pattern, PatternError, parse_pattern

from .errors import invalid_parameter

MAX_KEYS = 5
MAX_COMBINATIONS = 150
MAX_POLICY_BYTES = 256 * 1024
NUMERIC_LIMIT = 1e9
Policy = Pattern


def _limit(what: str) -> str:
    return f"Value of {what} must be between -1.0E9 and 1.0E9 inclusive"


_DIALECTS = {
    nested: Dialect(5, NUMERIC_LIMIT, _limit, wildcard=False, nested=nested, strict_numbers=True)
    for nested in (False, True)
}
MATCH_ALL = Pattern(((),), 5, NUMERIC_LIMIT)
"""The policy `{}`: every message passes."""


def _bad(detail: str) -> Exception:
    return invalid_parameter(f"Invalid parameter: FilterPolicy: {detail}")


def parse_policy(text: str, scope: str) -> Policy:
    """The policy of a FilterPolicy attribute; InvalidParameter as AWS words it."""
    if len(text.encode()) > MAX_POLICY_BYTES:
        raise _bad("Filter policy is too big")
    try:
        doc: Any = json.loads(text)
    except ValueError as exc:  # AWS appends its parser's complaint after a period
        raise _bad(f"failed to parse JSON. {exc}") from None
    if not isinstance(doc, dict):
        raise _bad("Filter policy must be a JSON object")
    if not doc:
        return MATCH_ALL
    try:
        policy = parse_pattern(doc, _DIALECTS[scope == "MessageBody"])
    except PatternError as err:
        if err.nesting:
            raise invalid_parameter(
                "Invalid parameter: Filter policy scope MessageAttributes does not support "
                "nested filter policy"
            ) from None
        raise _bad(err.reason) from None
    if len(policy.paths()) > MAX_KEYS:
        raise _bad("Filter policy can not have more than 5 keys")
    if policy.combinations() > MAX_COMBINATIONS:
        raise _bad("Filter policy is too complex")
    return policy
