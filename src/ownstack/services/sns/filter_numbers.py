"""How filter policies compare numbers: to five digits after the decimal point, truncated
(floored), as AWS's event-ruler does. The rule itself lives with the shared pattern matcher
(ownstack.events.pattern_values), which EventBridge uses with six digits."""

from __future__ import annotations

from ownstack.events.pattern_values import comparable as _comparable

DIGITS = 5


def comparable(value: float) -> float:
    """`value` floored to DIGITS decimal places, scaled to a whole number."""
    return _comparable(value, DIGITS)
