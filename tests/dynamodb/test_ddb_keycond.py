"""Query's key condition checked against a key schema: the shapes a KeyConditionExpression (or
legacy KeyConditions) may take and AWS's refusals of the rest (messages as dynalite's and
ScyllaDB Alternator's query tests record them). ASTs are built directly."""

from __future__ import annotations

import re
from typing import Any

import pytest

from ownstack.core.errors import ServiceError
from ownstack.services.dynamodb import values
from ownstack.services.dynamodb.expr import legacy
from ownstack.services.dynamodb.expr.ast import (
    And,
    Between,
    Compare,
    Condition,
    Function,
    In,
    Literal,
    Not,
    Or,
    PathRef,
    Size,
)
from ownstack.services.dynamodb.expr.keycond import (
    KeyCondition,
    SortCondition,
    key_condition,
    key_parts,
)

TYPES = {"p": "S", "c": "N"}


@pytest.fixture(autouse=True)
def _values_checked(monkeypatch: pytest.MonkeyPatch) -> None:
    """values.check_value is another helper's; until it exists, values pass through as given."""
    try:
        values.check_value({"S": "x"}, parameter="KeyConditions")
    except NotImplementedError:
        target = "ownstack.services.dynamodb.expr.legacy.check_value"
        monkeypatch.setattr(target, lambda value, *, parameter: value)


def refused(message: str) -> Any:
    return pytest.raises(ServiceError, match="^ValidationException: " + re.escape(message) + "$")


def path(name: str, *more: str | int) -> PathRef:
    return PathRef((name, *more))


def s(text: str) -> Literal:
    return Literal({"S": text})


def n(text: str) -> Literal:
    return Literal({"N": text})


def eq(name: str, value: Literal) -> Compare:
    return Compare("=", path(name), value)


def on_table(condition: Condition, sort: str | None = "c") -> KeyCondition:
    return key_condition(key_parts(condition), "p", sort, TYPES)


# -- accepted shapes ------------------------------------------------------------------------------


def test_partition_only() -> None:
    assert on_table(eq("p", s("k"))) == KeyCondition({"S": "k"}, None)
    assert on_table(eq("p", s("k")), sort=None) == KeyCondition({"S": "k"}, None)


@pytest.mark.parametrize("op", ["=", "<", "<=", ">", ">="])
def test_sort_comparisons(op: str) -> None:
    found = on_table(And(eq("p", s("k")), Compare(op, path("c"), n("5"))))
    assert found == KeyCondition({"S": "k"}, SortCondition(op, ({"N": "5"},)))


@pytest.mark.parametrize(
    ("written", "meant"), [("<", ">"), ("<=", ">="), (">", "<"), (">=", "<="), ("=", "=")]
)
def test_value_on_the_left_mirrors_the_operator(written: str, meant: str) -> None:
    found = on_table(And(Compare("=", s("k"), path("p")), Compare(written, n("5"), path("c"))))
    assert found.sort == SortCondition(meant, ({"N": "5"},))


def test_order_of_the_two_conditions_does_not_matter() -> None:
    found = on_table(And(eq("c", n("3")), eq("p", s("k"))))
    assert found == KeyCondition({"S": "k"}, SortCondition("=", ({"N": "3"},)))


def test_between_and_begins_with() -> None:
    between = on_table(And(eq("p", s("k")), Between(path("c"), n("1"), n("10"))))
    assert between.sort == SortCondition("BETWEEN", ({"N": "1"}, {"N": "10"}))
    types = {"p": "S", "c": "S"}
    prefix = key_condition(
        key_parts(And(eq("p", s("k")), Function("begins_with", (path("c"), s("ab"))))),
        "p",
        "c",
        types,
    )
    assert prefix.sort == SortCondition("begins_with", ({"S": "ab"},))
    binary = key_condition(
        key_parts(
            And(eq("p", s("k")), Function("begins_with", (path("c"), Literal({"B": b"\xff"}))))
        ),
        "p",
        "c",
        {"p": "S", "c": "B"},
    )
    assert binary.sort == SortCondition("begins_with", ({"B": b"\xff"},))


# -- what the expression may not contain -----------------------------------------------------------


@pytest.mark.parametrize(
    ("condition", "operator"),
    [
        (Or(eq("p", s("k")), eq("c", n("1"))), "OR"),
        (And(Not(eq("c", n("1"))), eq("p", s("k"))), "NOT"),
        (And(eq("p", s("k")), In(path("c"), (n("1"),))), "IN"),
        (And(eq("p", s("k")), Compare("<>", path("c"), n("1"))), "<>"),
        (And(eq("p", s("k")), Function("attribute_exists", (path("c"),))), "attribute_exists"),
        (Function("contains", (path("p"), s("k"))), "contains"),
    ],
)
def test_invalid_operators(condition: Condition, operator: str) -> None:
    with refused(f"Invalid operator used in KeyConditionExpression: {operator}"):
        on_table(condition)


def test_operand_shapes() -> None:
    with refused("KeyConditionExpressions cannot contain nested operations"):
        on_table(And(eq("p", s("k")), Compare(">", Size(("c",)), n("1"))))
    with refused(
        "Invalid condition in KeyConditionExpression: Multiple attribute names used in one"
        " condition"
    ):
        on_table(Compare("=", path("p"), path("c")))
    with refused("KeyConditionExpressions cannot have conditions on nested attributes"):
        on_table(And(eq("p", s("k")), Compare("<", path("c", "d"), n("1"))))
    with refused("Invalid condition in KeyConditionExpression: No key attribute specified"):
        on_table(Compare("=", s("k"), s("k")))
    with refused(
        "Invalid condition in KeyConditionExpression: BETWEEN operator must have the key"
        " attribute as its first operand"
    ):
        on_table(And(eq("p", s("k")), Between(n("1"), path("c"), n("3"))))
    with refused(
        "Invalid condition in KeyConditionExpression: begins_with operator must have the key"
        " attribute as its first operand"
    ):
        on_table(And(eq("p", s("k")), Function("begins_with", (s("a"), path("c")))))


def test_one_condition_per_key_and_at_most_two() -> None:
    with refused("KeyConditionExpressions must only contain one condition per key"):
        on_table(And(eq("p", s("k")), eq("p", s("k"))))
    with refused("KeyConditionExpressions must only contain one condition per key"):
        on_table(And(eq("p", s("k")), And(Compare(">", path("c"), n("1")), eq("c", n("3")))))
    with refused("Conditions can be of length 1 or 2 only"):
        on_table(And(eq("p", s("k")), And(eq("c", n("1")), eq("a", n("1")))))


def test_between_bounds() -> None:
    with refused(
        "Invalid KeyConditionExpression: The BETWEEN operator requires upper bound to be"
        " greater than or equal to lower bound; lower bound operand: AttributeValue: {N:5},"
        " upper bound operand: AttributeValue: {N:1}"
    ):
        on_table(And(eq("p", s("k")), Between(path("c"), n("5"), n("1"))))
    with refused(
        "Invalid KeyConditionExpression: The BETWEEN operator requires same data type for lower"
        " and upper bounds; lower bound operand: AttributeValue: {N:1}, upper bound operand:"
        " AttributeValue: {S:a}"
    ):
        on_table(And(eq("p", s("k")), Between(path("c"), n("1"), s("a"))))
    # Bounds compare as numbers, not as text.
    on_table(And(eq("p", s("k")), Between(path("c"), n("9"), n("10"))))


# -- the schema ------------------------------------------------------------------------------------


def test_partition_key_must_be_named() -> None:
    with refused("Query condition missed key schema element: p"):
        on_table(eq("c", n("3")))
    with refused("Query condition missed key schema element: p"):
        on_table(eq("z", s("k")), sort=None)


def test_two_conditions_need_the_sort_key() -> None:
    with refused("Query condition missed key schema element: c"):
        on_table(And(eq("p", s("k")), Compare("<", path("a"), n("3"))))
    with refused("Query key condition not supported"):
        on_table(And(eq("p", s("k")), eq("c", n("3"))), sort=None)


def test_partition_needs_equality() -> None:
    with refused("Query key condition not supported"):
        on_table(Compare("<", path("p"), s("k")))
    with refused("Query key condition not supported"):
        on_table(Function("begins_with", (path("p"), s("k"))))


def test_values_of_the_key_type() -> None:
    mismatch = (
        "One or more parameter values were invalid: Condition parameter type does not match"
        " schema type"
    )
    with refused(mismatch):
        on_table(eq("p", n("3")))
    with refused(mismatch):
        on_table(And(eq("p", s("k")), eq("c", s("3"))))
    with refused(
        "Invalid KeyConditionExpression: Incorrect operand type for operator or function;"
        " operator or function: begins_with, operand type: N"
    ):
        on_table(And(eq("p", s("k")), Function("begins_with", (path("c"), n("3")))))


def test_empty_key_values() -> None:
    with refused(
        "One or more parameter values are not valid. The AttributeValue for a key attribute"
        " cannot contain an empty string value. Key: p"
    ):
        on_table(eq("p", s("")))


# -- legacy KeyConditions through the same checks --------------------------------------------------


def op(name: str, *values: dict[str, Any]) -> dict[str, Any]:
    return {"ComparisonOperator": name, "AttributeValueList": list(values)}


def legacy_on_table(conditions: dict[str, Any]) -> KeyCondition:
    return key_condition(legacy.key_conditions(conditions), "p", "c", TYPES)


def test_key_conditions_become_key_conditions() -> None:
    found = legacy_on_table({"p": op("EQ", {"S": "k"}), "c": op("BETWEEN", {"N": "4"}, {"N": "7"})})
    assert found == KeyCondition({"S": "k"}, SortCondition("BETWEEN", ({"N": "4"}, {"N": "7"})))
    prefix = legacy.key_conditions({"p": op("EQ", {"S": "k"}), "c": op("BEGINS_WITH", {"S": "0"})})
    found = key_condition(prefix, "p", "c", {"p": "S", "c": "S"})
    assert found.sort == SortCondition("begins_with", ({"S": "0"},))


def test_key_conditions_schema_refusals() -> None:
    with refused("Query key condition not supported"):
        legacy_on_table({"p": op("GT", {"S": "k"})})
    with refused("Query condition missed key schema element: p"):
        legacy_on_table({"c": op("EQ", {"N": "3"})})
    with refused(
        "One or more parameter values were invalid: Condition parameter type does not match"
        " schema type"
    ):
        legacy_on_table({"p": op("EQ", {"N": "3"})})
    # An operator no key condition can use is refused once the key is known, after a key
    # condition that misses the partition key.
    for name, arguments in [("NE", [{"S": "k"}]), ("IN", [{"S": "k"}]), ("NULL", [])]:
        with refused("Attempted conditional constraint is not an indexable operation"):
            legacy_on_table({"p": op(name, *arguments)})
    with refused("Query condition missed key schema element: p"):
        legacy_on_table({"z": op("NULL")})
