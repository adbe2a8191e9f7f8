"""How filter policies compare numbers: to five digits after the decimal point.

"For numeric matching, the value can range from -10^9 to 10^9 (-1 billion to 1 billion), with
five digits of accuracy after the decimal point." (Amazon SNS Developer Guide, "Filter policy
constraints in Amazon SNS"). So `[100.123456789]` matches `100.1234567`: both are 100.12345 to
five digits. AWS's open-source matcher (aws/event-ruler, ComparableNumber, which EventBridge
uses with six digits) makes a number comparable by shifting it to be non-negative, scaling and
truncating: digits past the last kept one are dropped, i.e. the value is rounded toward minus
infinity (floor), not to nearest. Equality and ranges both compare these truncated values.

The truncation is done in decimal on the number's shortest text form (Python's repr, as JSON
writes it), so 0.1 is 0.10000, not 0.09999 as binary float arithmetic would give.
"""

from __future__ import annotations

import math
from decimal import Decimal

DIGITS = 5
_SCALE = Decimal(10) ** DIGITS


def comparable(value: float) -> float:
    """`value` truncated (floored) to DIGITS decimal places, scaled to a whole number (exact in
    a float: |value| <= 1e9 gives at most 15 significant digits). Infinities (open range bounds)
    stay as they are."""
    if not math.isfinite(value):
        return value
    return float(math.floor(Decimal(repr(float(value))) * _SCALE))
