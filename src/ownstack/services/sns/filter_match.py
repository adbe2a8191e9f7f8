"""Evaluating a parsed filter policy (filter_policy.Policy) against a message: its attributes
(MessageAttributes scope) or its JSON body (MessageBody scope), with the events layer's
matcher (ownstack.events.pattern_match)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from ownstack.events.pattern_match import OPAQUE, Fields, Leaf, json_fields
from ownstack.events.pattern_match import matches as pattern_matches

from .filter_policy import Policy

Lookup = Fields
"""A message's values by (dotted) key."""


def matches(policy: Policy, lookup: Lookup) -> bool:
    return pattern_matches(policy, lookup)


def attribute_lookup(attributes: Mapping[str, Mapping[str, Any]]) -> Lookup:
    """Values of SNS message attributes: String as text, Number as a number, String.Array as
    its elements. Binary attributes are present (for `exists`) but match no value."""
    return {name: _attribute_values(attr) for name, attr in attributes.items()}


def _attribute_values(attr: Mapping[str, Any]) -> list[Leaf]:
    data_type = str(attr.get("DataType", "")).split(".", 1)
    text = attr.get("StringValue")
    if data_type[0] == "Number" and text is not None:
        return [(_to_number(text), ())]
    if data_type[0] == "String" and text is not None:
        if len(data_type) > 1 and data_type[1] == "Array":
            return [(_scalar(v), ()) for v in _array_values(text)]
        return [(text, ())]
    return [(OPAQUE, ())]


def _to_number(text: str) -> Any:
    try:
        return float(text)
    except ValueError:
        return text


def _scalar(value: Any) -> Any:
    return OPAQUE if isinstance(value, dict | list) else value


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
    return json_fields(doc)
