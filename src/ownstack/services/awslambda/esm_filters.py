"""FilterCriteria of event source mappings: EventBridge's pattern language (the shared matcher,
events/patterns.py) over each record as the event shows it, an SQS message's body as JSON when
it is a JSON object (esm_events.filterable).

A record is kept when it matches any of the mapping's patterns; AWS deletes SQS messages that
match none, and stream mappings skip such records. A pattern that is not JSON, or that the
pattern language refuses, is AWS's "Invalid filter pattern definition."
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from ownstack.events.pattern_match import json_fields, matches
from ownstack.events.patterns import Pattern, PatternError, parse_pattern

from .errors import invalid

INVALID = "Invalid filter pattern definition."
MAX_FILTERS = 5
"""AWS's quota of filters per event source mapping."""


def parse_filters(criteria: Mapping[str, Any] | None) -> list[str]:
    """The patterns of a FilterCriteria member, checked; [] for none (also `{}` or no
    Filters, which is how UpdateEventSourceMapping clears them)."""
    if not criteria:
        return []
    filters = criteria.get("Filters") or []
    if len(filters) > MAX_FILTERS:
        raise invalid(INVALID)
    patterns = [str(f.get("Pattern") or "") for f in filters]
    for text in patterns:
        compile_pattern(text)
    return patterns


def compile_pattern(text: str) -> Pattern:
    try:
        return parse_pattern(json.loads(text))
    except (ValueError, PatternError):
        raise invalid(INVALID) from None


def matcher(patterns: Sequence[str]) -> Callable[[Mapping[str, Any]], bool]:
    """Whether a record passes the mapping's filters (every record does without filters)."""
    compiled = [compile_pattern(p) for p in patterns]
    if not compiled:
        return lambda record: True

    def passes(record: Mapping[str, Any]) -> bool:
        fields = json_fields(record)
        return any(matches(pattern, fields) for pattern in compiled)

    return passes
