"""Conditions and filters evaluated against an item, and operands resolved to values.

Semantics: https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/Expressions.OperatorsAndFunctions.html
Edge cases as AWS answers them (recorded by ScyllaDB Alternator's test_condition_expression.py):
a missing attribute makes every comparison false except `<>`, which is true (even between two
missing attributes); operands of different types are unequal and unordered; a wrong type that
comes from the item is a false condition, while a wrong type written in the request (an
ExpressionAttributeValue) is a ValidationException, which `check_condition` raises before any
item is read.
"""

from __future__ import annotations

import base64
from collections.abc import Callable
from decimal import Decimal
from typing import TypeVar

from ..errors import validation
from ..numbers import add, format_number, parse_number, subtract
from .ast import (
    And,
    Arithmetic,
    AttributeValue,
    Between,
    Compare,
    Condition,
    Function,
    IfNotExists,
    In,
    Item,
    ListAppend,
    Literal,
    Not,
    Operand,
    Or,
    Path,
    PathRef,
    Size,
)

TYPE_NAMES = frozenset({"S", "SS", "N", "NS", "B", "BS", "BOOL", "NULL", "L", "M"})
SET_TYPES = frozenset({"SS", "NS", "BS"})
ORDERED_TYPES = frozenset({"N", "S", "B"})

MISSING_ATTRIBUTE = "The provided expression refers to an attribute that does not exist in the item"
WRONG_DATA_TYPE = "An operand in the update expression has an incorrect data type"


# -- values -------------------------------------------------------------------------------------


def type_of(value: AttributeValue) -> str:
    """The type descriptor of a wire AttributeValue ("S", "NS", "M", ...)."""
    return next(iter(value))


def _set_key(kind: str, element: object) -> object:
    """What makes two set elements the same element (numbers compare by value)."""
    return parse_number(str(element)) if kind == "NS" else element


def set_keys(value: AttributeValue) -> set[object]:
    kind = type_of(value)
    return {_set_key(kind, element) for element in value[kind]}


def values_equal(a: AttributeValue, b: AttributeValue) -> bool:
    """DynamoDB equality: same type and value; N numerically; sets unordered; M and L deep."""
    kind = type_of(a)
    if kind != type_of(b):
        return False
    left, right = a[kind], b[kind]
    if kind == "N":
        return parse_number(left) == parse_number(right)
    if kind in SET_TYPES:
        return len(left) == len(right) and set_keys(a) == set_keys(b)
    if kind == "L":
        return len(left) == len(right) and all(map(values_equal, left, right))
    if kind == "M":
        return left.keys() == right.keys() and all(values_equal(left[k], right[k]) for k in left)
    return bool(left == right)


def compare_values(a: AttributeValue, b: AttributeValue) -> int | None:
    """-1, 0 or 1 for two N, two S or two B (S by UTF-8 bytes, which is code point order; B
    as unsigned bytes); None when the pair has no order (other or different types)."""
    kind = type_of(a)
    if kind != type_of(b) or kind not in ORDERED_TYPES:
        return None
    if kind == "N":
        return _sign(parse_number(a["N"]), parse_number(b["N"]))
    if kind == "S":
        return _sign(a["S"], b["S"])
    return _sign(bytes(a["B"]), bytes(b["B"]))


_Ordered = TypeVar("_Ordered", Decimal, str, bytes)


def _sign(left: _Ordered, right: _Ordered) -> int:
    return (left > right) - (left < right)


def value_text(value: AttributeValue) -> str:
    """A value as AWS's messages print it: `AttributeValue: {N:5}`."""
    kind = type_of(value)
    inner = value[kind]
    if isinstance(inner, bytes):
        inner = base64.b64encode(inner).decode()
    return f"AttributeValue: {{{kind}:{inner}}}"


def size_of(value: AttributeValue) -> int | None:
    """size(): UTF-8 length of S, length of B, element count of sets, L and M; None for
    N, BOOL and NULL (a comparison with it is then false)."""
    kind = type_of(value)
    inner = value[kind]
    if kind == "S":
        return len(inner.encode("utf-8"))
    if kind in ("B", "SS", "NS", "BS", "L", "M"):
        return len(inner)
    return None


# -- operands -----------------------------------------------------------------------------------


def resolve_path(item: Item, path: Path) -> AttributeValue | None:
    """The value at `path`, None when any step is missing or of the wrong type."""
    current: AttributeValue = {"M": item}
    for step in path:
        if isinstance(step, int):
            elements = current.get("L")
            if elements is None or not 0 <= step < len(elements):
                return None
            current = elements[step]
        else:
            members = current.get("M")
            if members is None or step not in members:
                return None
            current = members[step]
    return current


def operand_value(item: Item, operand: Operand) -> AttributeValue | None:
    """An operand's value in `item` (None: a missing path). The update-only operands
    (if_not_exists, list_append, + and -) raise ValidationException as UpdateItem does when
    a path they read is missing or of the wrong type."""
    if isinstance(operand, PathRef):
        return resolve_path(item, operand.path)
    if isinstance(operand, Literal):
        return operand.value
    if isinstance(operand, Size):
        value = resolve_path(item, operand.path)
        size = None if value is None else size_of(value)
        return None if size is None else {"N": str(size)}
    if isinstance(operand, IfNotExists):
        present = resolve_path(item, operand.path)
        return present if present is not None else operand_value(item, operand.default)
    if isinstance(operand, ListAppend):
        first = _required(item, operand.first, "L")
        second = _required(item, operand.second, "L")
        return {"L": [*first["L"], *second["L"]]}
    return _arithmetic(item, operand)


def _required(item: Item, operand: Operand, kind: str) -> AttributeValue:
    value = operand_value(item, operand)
    if value is None:
        raise validation(MISSING_ATTRIBUTE)
    if type_of(value) != kind:
        raise validation(WRONG_DATA_TYPE)
    return value


def _arithmetic(item: Item, operand: Arithmetic) -> AttributeValue:
    left = parse_number(_required(item, operand.left, "N")["N"])
    right = parse_number(_required(item, operand.right, "N")["N"])
    combine: Callable[[Decimal, Decimal], Decimal] = add if operand.op == "+" else subtract
    return {"N": format_number(combine(left, right))}


# -- conditions ---------------------------------------------------------------------------------


def evaluate(condition: Condition, item: Item | None) -> bool:
    """True when `condition` holds for `item` (None: no item, every path missing). Type
    mismatches are false, as on AWS; ValidationException only where AWS raises one."""
    return _holds(condition, item or {})


def _holds(condition: Condition, item: Item) -> bool:
    if isinstance(condition, And):
        return _holds(condition.left, item) and _holds(condition.right, item)
    if isinstance(condition, Or):
        return _holds(condition.left, item) or _holds(condition.right, item)
    if isinstance(condition, Not):
        return not _holds(condition.operand, item)
    if isinstance(condition, Compare):
        left = operand_value(item, condition.left)
        right = operand_value(item, condition.right)
        return compare(condition.op, left, right)
    if isinstance(condition, Between):
        value = operand_value(item, condition.operand)
        low = operand_value(item, condition.low)
        high = operand_value(item, condition.high)
        return compare(">=", value, low) and compare("<=", value, high)
    if isinstance(condition, In):
        value = operand_value(item, condition.operand)
        options = (operand_value(item, option) for option in condition.options)
        return any(compare("=", value, option) for option in options)
    return _function(condition, item)


_ORDER_TESTS: dict[str, Callable[[int], bool]] = {
    "<": lambda order: order < 0,
    "<=": lambda order: order <= 0,
    ">": lambda order: order > 0,
    ">=": lambda order: order >= 0,
}


def compare(op: str, left: AttributeValue | None, right: AttributeValue | None) -> bool:
    """One comparator applied to two operand values (None: missing attribute). A missing
    operand is unequal to everything, itself included, and has no order."""
    if left is None or right is None:
        return op == "<>"
    if op == "=":
        return values_equal(left, right)
    if op == "<>":
        return not values_equal(left, right)
    order = compare_values(left, right)
    return order is not None and _ORDER_TESTS[op](order)


def _function(call: Function, item: Item) -> bool:
    name = call.name
    if name in ("attribute_exists", "attribute_not_exists"):
        present = operand_value(item, call.args[0]) is not None
        return present if name == "attribute_exists" else not present
    if name == "attribute_type":
        return _attribute_type(item, call.args[0], call.args[1])
    if name == "begins_with":
        return _begins_with(operand_value(item, call.args[0]), operand_value(item, call.args[1]))
    if name == "contains":
        return _contains(operand_value(item, call.args[0]), operand_value(item, call.args[1]))
    raise validation(f"Invalid function name; function: {name}")


def _attribute_type(item: Item, operand: Operand, type_operand: Operand) -> bool:
    wanted = operand_value(item, type_operand)
    if wanted is None or type_of(wanted) != "S":
        return False
    if wanted["S"] not in TYPE_NAMES:
        # Normally refused earlier by check_condition, with the expression's name in front.
        raise validation(_invalid_type_name(wanted["S"]))
    value = operand_value(item, operand)
    return value is not None and type_of(value) == wanted["S"]


def _begins_with(value: AttributeValue | None, prefix: AttributeValue | None) -> bool:
    if value is None or prefix is None:
        return False
    kind = type_of(value)
    if kind not in ("S", "B") or type_of(prefix) != kind:
        return False
    return bool(value[kind].startswith(prefix[kind]))


def _contains(value: AttributeValue | None, needle: AttributeValue | None) -> bool:
    """Substring of S (or B), element of a set of the needle's type, element of a list.
    https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/Expressions.OperatorsAndFunctions.html#Expressions.OperatorsAndFunctions.Functions
    (Alternator's tests record that B and L work too, and any needle type for L)."""
    if value is None or needle is None:
        return False
    kind, needle_kind = type_of(value), type_of(needle)
    if kind in ("S", "B"):
        return needle_kind == kind and needle[kind] in value[kind]
    if kind in SET_TYPES:
        return needle_kind == kind[0] and _set_key(kind, needle[needle_kind]) in set_keys(value)
    if kind == "L":
        return any(values_equal(element, needle) for element in value["L"])
    return False


# -- checks before any item is read -------------------------------------------------------------


def _invalid_type_name(name: str) -> str:
    return (
        f"Invalid attribute type name found; type: {name},"
        " valid types: {B,NULL,SS,BOOL,L,BS,N,NS,S,M}"
    )


def _incorrect_operand(function: str, kind: str) -> str:
    return (
        "Incorrect operand type for operator or function; "
        f"operator or function: {function}, operand type: {kind}"
    )


def check_condition(condition: Condition, *, parameter: str) -> None:
    """What AWS refuses in a condition before reading any item, from the values written in
    the request: ordering comparisons and BETWEEN on a literal that is not N, S or B, BETWEEN
    bounds of different types or in the wrong order, begins_with on a literal that is not S
    or B, attribute_type with anything but a known type name, attribute_exists on a
    non-path, and a function or comparator given the same path twice. `parameter` names the
    expression in the message ("ConditionExpression", "FilterExpression", ...).
    Raises ValidationException ("Invalid FilterExpression: ...")."""
    problem = _first(condition, _distinct_problem) or _first(condition, _operand_problem)
    if problem:
        raise validation(f"Invalid {parameter}: {problem}")


def _first(condition: Condition, check: Callable[[Condition], str | None]) -> str | None:
    """The first problem `check` finds in the condition tree, left to right."""
    if isinstance(condition, And | Or):
        return _first(condition.left, check) or _first(condition.right, check)
    if isinstance(condition, Not):
        return _first(condition.operand, check)
    return check(condition)


def _distinct_problem(condition: Condition) -> str | None:
    if isinstance(condition, Compare):
        name, args = condition.op, (condition.left, condition.right)
    elif isinstance(condition, Function) and len(condition.args) == 2:
        name, args = condition.name, condition.args
    else:
        return None
    first, second = args
    if isinstance(first, PathRef) and isinstance(second, PathRef) and first.path == second.path:
        return (
            "The first operand must be distinct from the remaining operands for this operator"
            f" or function; operator: {name}, first operand: {path_list_text(first.path)}"
        )
    return None


def _operand_problem(condition: Condition) -> str | None:
    if isinstance(condition, Compare) and condition.op in _ORDER_TESTS:
        return _unordered_literal(condition.op, (condition.left, condition.right))
    if isinstance(condition, Between):
        operands = (condition.operand, condition.low, condition.high)
        return _unordered_literal("BETWEEN", operands) or _between_bounds(condition)
    if isinstance(condition, Function):
        return _function_problem(condition)
    return None


def _unordered_literal(op: str, operands: tuple[Operand, ...]) -> str | None:
    for operand in operands:
        if isinstance(operand, Literal) and type_of(operand.value) not in ORDERED_TYPES:
            return _incorrect_operand(op, type_of(operand.value))
    return None


def _between_bounds(condition: Between) -> str | None:
    low, high = condition.low, condition.high
    if not (isinstance(low, Literal) and isinstance(high, Literal)):
        return None
    bounds = (
        f"lower bound operand: {value_text(low.value)},"
        f" upper bound operand: {value_text(high.value)}"
    )
    if type_of(low.value) != type_of(high.value):
        return f"The BETWEEN operator requires same data type for lower and upper bounds; {bounds}"
    order = compare_values(low.value, high.value)
    if order is not None and order > 0:
        return (
            "The BETWEEN operator requires upper bound to be greater than or equal to lower"
            f" bound; {bounds}"
        )
    return None


def _function_problem(call: Function) -> str | None:
    name = call.name
    if name in ("attribute_exists", "attribute_not_exists"):
        if not isinstance(call.args[0], PathRef):
            return f"Operator or function requires a document path; operator or function: {name}"
    elif name == "begins_with":
        for arg in call.args:
            if isinstance(arg, Literal) and type_of(arg.value) not in ("S", "B"):
                return _incorrect_operand(name, type_of(arg.value))
    elif name == "attribute_type":
        return _attribute_type_problem(call.args[1])
    return None


def _attribute_type_problem(type_operand: Operand) -> str | None:
    if not isinstance(type_operand, Literal):
        return _incorrect_operand("attribute_type", "{NS,SS,L,BS,N,M,B,BOOL,NULL,S}")
    kind = type_of(type_operand.value)
    if kind != "S":
        return _incorrect_operand("attribute_type", kind)
    if type_operand.value["S"] not in TYPE_NAMES:
        return _invalid_type_name(type_operand.value["S"])
    return None


def path_list_text(path: Path) -> str:
    """A path as AWS's overlap and distinctness messages print it: `[a, b, [2]]`."""
    return "[" + ", ".join(f"[{s}]" if isinstance(s, int) else s for s in path) + "]"
