"""Evaluating a parsed filter policy (filter_policy.Policy) against a message: its attributes
(MessageAttributes scope) or its JSON body (MessageBody scope)."""

from __future__ import annotations

import ipaddress
import json
from collections.abc import Callable, Mapping
from typing import Any

from .filter_numbers import comparable
from .filter_policy import Condition, Policy

Lookup = Callable[[tuple[str, ...]], list[Any] | None]
"""The values at a key path (None: the key is absent)."""
_ABSENT = object()


def matches(policy: Policy, lookup: Lookup) -> bool:
    for path, conditions in policy.keys.items():
        values = lookup(path)
        if not any(_key_matches(c, values) for c in conditions):
            return False
    return all(any(matches(b, lookup) for b in branches) for branches in policy.ors)


def _key_matches(condition: Condition, values: list[Any] | None) -> bool:
    if condition.kind == "exists":
        return (values is not None) is bool(condition.value)
    return values is not None and any(_value_matches(condition, v) for v in values)


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _value_matches(cond: Condition, value: Any) -> bool:
    kind = cond.kind
    if kind == "exact":
        return isinstance(value, str) and value == cond.value
    if kind == "number":
        return _is_number(value) and comparable(value) == cond.value
    if kind == "bool":
        return isinstance(value, bool) and value == cond.value
    if kind == "null":
        return value is None
    if kind == "prefix":
        return isinstance(value, str) and value.startswith(cond.value)
    if kind == "suffix":
        return isinstance(value, str) and value.endswith(cond.value)
    if kind == "ignore_case":
        return isinstance(value, str) and value.casefold() == cond.value.casefold()
    if kind == "numeric":
        return _is_number(value) and _in_range(comparable(value), cond.value)
    if kind == "anything_but":
        return _anything_but(cond.value, value)
    if kind == "cidr":
        return _in_network(value, cond.value)
    return False


def _anything_but(inner: Condition, value: Any) -> bool:
    if inner.kind == "any_of":
        return not any(_value_matches(c, value) for c in inner.value)
    # anything-but prefix/suffix: a string that does not start (end) with it.
    return isinstance(value, str) and not _value_matches(inner, value)


def _in_range(n: float, bounds: tuple[float, bool, float, bool]) -> bool:
    low, low_incl, high, high_incl = bounds
    above = n >= low if low_incl else n > low
    below = n <= high if high_incl else n < high
    return above and below


def _in_network(value: Any, network: Any) -> bool:
    if not isinstance(value, str):
        return False
    try:
        return ipaddress.ip_address(value) in network
    except (ValueError, TypeError):
        return False


def attribute_lookup(attributes: Mapping[str, Mapping[str, Any]]) -> Lookup:
    """Values of SNS message attributes: String as text, Number as a number, String.Array as
    its elements. Binary attributes are present (for `exists`) but match no value."""

    def lookup(path: tuple[str, ...]) -> list[Any] | None:
        attr = attributes.get(path[0]) if len(path) == 1 else None
        if attr is None:
            return None
        data_type = str(attr.get("DataType", "")).split(".", 1)
        text = attr.get("StringValue")
        if data_type[0] == "Number" and text is not None:
            return [_to_number(text)]
        if data_type[0] == "String" and text is not None:
            if len(data_type) > 1 and data_type[1] == "Array":
                return _array_values(text)
            return [text]
        return []

    return lookup


def _to_number(text: str) -> Any:
    try:
        return float(text)
    except ValueError:
        return text


def _array_values(text: str) -> list[Any]:
    try:
        parsed = json.loads(text)
    except ValueError:
        return [text]
    return parsed if isinstance(parsed, list) else [parsed]


def body_lookup(body: str) -> Lookup | None:
    """Values at paths of a JSON object body (None: the body is not a JSON object, so no
    MessageBody-scoped policy matches it). Arrays on the way are searched element-wise."""
    try:
        doc = json.loads(body)
    except ValueError:
        return None
    if not isinstance(doc, dict):
        return None

    def lookup(path: tuple[str, ...]) -> list[Any] | None:
        nodes: list[Any] = [doc]
        for name in path:
            nodes = _children(nodes, name)
            if not nodes:
                return None
        leaves: list[Any] = []
        for node in nodes:
            if isinstance(node, list):
                leaves.extend(v for v in node if not isinstance(v, dict | list))
            elif not isinstance(node, dict):
                leaves.append(node)
        return leaves

    return lookup


def _children(nodes: list[Any], name: str) -> list[Any]:
    found: list[Any] = []
    for node in nodes:
        items = node if isinstance(node, list) else [node]
        for item in items:
            if isinstance(item, dict):
                child = item.get(name, _ABSENT)
                if child is not _ABSENT:
                    found.append(child)
    return found
