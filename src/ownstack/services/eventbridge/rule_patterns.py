"""Rules' EventPattern: parsed once per text by the events layer's matcher, refused in
EventBridge's words."""

from __future__ import annotations

import json
from functools import lru_cache
from typing import Any

from ownstack.events.pattern_match import json_fields, matches
from ownstack.events.patterns import EVENTBRIDGE, Pattern, PatternError, parse_pattern

from .errors import invalid_pattern


@lru_cache(maxsize=4096)
def compiled(text: str) -> Pattern:
    """The pattern of an EventPattern text; InvalidEventPatternException."""
    try:
        doc: Any = json.loads(text)
    except ValueError as exc:
        raise invalid_pattern(_json_reason(exc)) from None
    try:
        return parse_pattern(doc, EVENTBRIDGE)
    except PatternError as err:
        raise invalid_pattern(err.reason) from None


def _json_reason(exc: ValueError) -> str:
    # AWS reports its JSON parser's complaint (Jackson's wording, which this is not).
    return f"Filter is not valid JSON: {exc}"


def event_matches(pattern_text: str, event: dict[str, Any]) -> bool:
    return matches(compiled(pattern_text), json_fields(event))


__all__ = ["compiled", "event_matches", "json_fields", "matches"]
