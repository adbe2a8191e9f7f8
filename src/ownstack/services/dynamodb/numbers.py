"""DynamoDB's numbers: up to 38 significant digits, magnitude 1E-130 to 9.99...E+125, kept
and answered as normalised decimal text (no exponent, no redundant zeros).

https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/HowItWorks.NamingRulesDataTypes.html#HowItWorks.DataTypes.Number
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Context, Decimal, Inexact, InvalidOperation, Overflow, Underflow

from .errors import validation

CONTEXT = Context(
    prec=38, Emax=125, Emin=-130, traps=[InvalidOperation, Overflow, Underflow, Inexact]
)
"""Arithmetic (UpdateExpression's + and -, ADD) in DynamoDB's precision and range."""

_MAX = Decimal("9.9999999999999999999999999999999999999E+125")
_MIN = Decimal("1E-130")


def parse_number(text: str) -> Decimal:
    """The Decimal of an N value; ValidationException (AWS's words) when it is not one."""
    try:
        value = Decimal(text.strip() if text.strip() == text else "x")
    except InvalidOperation:
        value = Decimal("NaN")
    if not value.is_finite():
        raise validation(
            "A value provided cannot be converted into a number"
            if text == ""
            else "The parameter cannot be converted to a numeric value: " + text
        )
    return checked(value)


def checked(value: Decimal) -> Decimal:
    """`value` if DynamoDB can store it, else its ValidationException."""
    if value.is_zero():
        return Decimal(0)
    digits = value.normalize(Context(prec=1000)).as_tuple().digits
    if len(digits) > 38:
        raise validation("Attempting to store more than 38 significant digits in a Number")
    magnitude = value.copy_abs()  # abs() would round to the default context's 28 digits
    if magnitude > _MAX:
        raise validation(
            "Number overflow. Attempting to store a number with magnitude larger than supported"
            " range"
        )
    if magnitude < _MIN:
        raise validation(
            "Number underflow. Attempting to store a number with magnitude smaller than"
            " supported range"
        )
    return value


def format_number(value: Decimal) -> str:
    """DynamoDB's text of a number: plain notation, no trailing zeros ("1.50" -> "1.5",
    "1E+2" -> "100", "-0" -> "0")."""
    if value.is_zero():
        return "0"
    normal = value.normalize(Context(prec=1000))
    return format(normal, "f")


def normalize_number(text: str) -> str:
    """An N value as DynamoDB stores and returns it (validated)."""
    return format_number(parse_number(text))


def add(a: Decimal, b: Decimal) -> Decimal:
    """a + b in DynamoDB's range (ValidationException on overflow or too many digits)."""
    return _arith(lambda: CONTEXT.add(a, b))


def subtract(a: Decimal, b: Decimal) -> Decimal:
    return _arith(lambda: CONTEXT.subtract(a, b))


def _arith(compute: Callable[[], Decimal]) -> Decimal:
    try:
        result = compute()
    except Underflow:  # first: an underflow is also Inexact
        raise validation(
            "Number underflow. Attempting to store a number with magnitude smaller than"
            " supported range"
        ) from None
    except (Overflow, Inexact):
        # A result that needs more than 38 digits: AWS refuses `1e50 + 1` as an overflow.
        raise validation(
            "Number overflow. Attempting to store a number with magnitude larger than supported"
            " range"
        ) from None
    except InvalidOperation:
        raise validation(
            "Attempting to store more than 38 significant digits in a Number"
        ) from None
    return checked(result)
