"""Conditions evaluated as AWS evaluates them.

Rules: https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/Expressions.OperatorsAndFunctions.html
Edge cases as recorded against AWS by ScyllaDB Alternator's test_condition_expression.py.
ASTs are built directly (the parser is tested on its own).
"""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ownstack.core.errors import ServiceError
from ownstack.services.dynamodb.expr.ast import (
    And,
    AttributeValue,
    Between,
    Compare,
    Condition,
    Function,
    In,
    Item,
    Literal,
    Not,
    Operand,
    Or,
    PathRef,
    Size,
)
from ownstack.services.dynamodb.expr.evaluate import (
    check_condition,
    compare_values,
    evaluate,
    operand_value,
    resolve_path,
    values_equal,
)


def p(*steps: str | int) -> PathRef:
    return PathRef(tuple(steps))


def v(value: dict[str, Any]) -> Literal:
    return Literal(value)


ONE_OF_EACH: list[AttributeValue] = [
    {"N": "1"},
    {"S": "hello"},
    {"BOOL": True},
    {"B": b"xyz"},
    {"NULL": True},
    {"L": [{"S": "hello"}, {"N": "42"}]},
    {"M": {"hello": {"S": "world"}}},
    {"SS": ["hello", "world"]},
    {"NS": ["1", "2", "3"]},
    {"BS": [b"xyz", b"hi"]},
]


def validation_message(excinfo: pytest.ExceptionInfo[ServiceError]) -> str:
    assert excinfo.value.code == "ValidationException"
    return excinfo.value.message


# -- equality ----------------------------------------------------------------------------------


@pytest.mark.parametrize("left", ONE_OF_EACH)
@pytest.mark.parametrize("right", ONE_OF_EACH)
def test_equality_needs_same_type_and_value(left: Any, right: Any) -> None:
    item: Item = {"a": left}
    same = left is right
    assert evaluate(Compare("=", p("a"), v(right)), item) is same
    assert evaluate(Compare("<>", p("a"), v(right)), item) is not same


@pytest.mark.parametrize(
    ("a", "b", "equal"),
    [
        ({"N": "1.0"}, {"N": "1"}, True),
        ({"N": "-0"}, {"N": "0"}, True),
        ({"N": "1E+2"}, {"N": "100"}, True),
        ({"SS": ["dog", "cat", "mouse"]}, {"SS": ["mouse", "dog", "cat"]}, True),
        ({"NS": ["1", "2.50"]}, {"NS": ["2.5", "1"]}, True),
        ({"SS": ["a"]}, {"SS": ["a", "b"]}, False),
        ({"L": [{"N": "1"}, {"S": "x"}]}, {"L": [{"N": "1.00"}, {"S": "x"}]}, True),
        ({"L": [{"N": "1"}, {"S": "x"}]}, {"L": [{"S": "x"}, {"N": "1"}]}, False),
        (
            {"M": {"a": {"M": {"b": {"NS": ["1"]}}}}},
            {"M": {"a": {"M": {"b": {"NS": ["1"]}}}}},
            True,
        ),
        ({"M": {"a": {"N": "1"}}}, {"M": {"a": {"N": "1"}, "b": {"N": "1"}}}, False),
        ({"B": b"\x00"}, {"B": b"\x00"}, True),
        ({"BOOL": True}, {"BOOL": False}, False),
    ],
)
def test_values_equal(a: Any, b: Any, equal: bool) -> None:
    assert values_equal(a, b) is equal
    assert values_equal(b, a) is equal


def test_missing_attribute_is_unequal_to_everything_even_another_missing_one() -> None:
    item: Item = {"a": {"N": "1"}}
    assert not evaluate(Compare("=", p("q"), v({"N": "1"})), item)
    assert evaluate(Compare("<>", p("q"), v({"N": "1"})), item)
    assert not evaluate(Compare("=", p("q"), p("z")), item)
    assert evaluate(Compare("<>", p("q"), p("z")), item)
    assert evaluate(Compare("<>", p("q"), p("z")), None)


# -- order -------------------------------------------------------------------------------------


ITEM: Item = {"a": {"N": "1"}, "b": {"S": "cat"}, "c": {"B": b"cat"}, "x": {"L": [{"N": "1"}]}}


@pytest.mark.parametrize(
    ("condition", "holds"),
    [
        (Compare("<", p("a"), v({"N": "2"})), True),
        (Compare("<", p("a"), v({"N": "1"})), False),
        (Compare("<=", p("a"), v({"N": "1"})), True),
        (Compare(">", p("a"), v({"N": "0"})), True),
        (Compare(">=", p("a"), v({"N": "1.000"})), True),
        (Compare("<", p("a"), v({"N": "-1E+5"})), False),
        (Compare("<", p("b"), v({"S": "dog"})), True),
        (Compare("<", p("b"), v({"S": "aardvark"})), False),
        (Compare("<", p("c"), v({"B": b"dog"})), True),
        (Compare(">", p("c"), v({"B": b"aardvark"})), True),
        # different types are unordered: false, not an error
        (Compare("<", p("a"), v({"S": "17"})), False),
        (Compare(">=", p("a"), v({"S": "0"})), False),
        # a wrong type from the item is simply false
        (Compare("<", p("x"), v({"N": "1"})), False),
        (Compare("<", v({"N": "1"}), p("x")), False),
        # missing attributes: false, for every order operator
        (Compare("<", p("q"), v({"S": "17"})), False),
        (Compare(">=", v({"S": "17"}), p("q")), False),
        (Compare("<=", p("q"), p("z")), False),
    ],
)
def test_order_comparisons(condition: Condition, holds: bool) -> None:
    assert evaluate(condition, ITEM) is holds


def test_strings_order_by_utf8_bytes_and_binary_unsigned() -> None:
    # U+FF61 sorts after U+1F600 in UTF-16 code units but before it in UTF-8 bytes.
    assert compare_values({"S": "\uff61"}, {"S": "\U0001f600"}) == -1
    assert compare_values({"S": "Z"}, {"S": "a"}) == -1
    assert compare_values({"B": b"\xff"}, {"B": b"\x01"}) == 1
    assert compare_values({"N": "10"}, {"N": "9"}) == 1
    assert compare_values({"BOOL": True}, {"BOOL": True}) is None


def test_between() -> None:
    item: Item = {**ITEM, "lo": {"N": "0"}, "hi": {"N": "2"}}
    assert evaluate(Between(p("a"), v({"N": "0"}), v({"N": "2"})), item)
    assert evaluate(Between(p("a"), v({"N": "1"}), v({"N": "1"})), item)
    assert evaluate(Between(p("b"), v({"S": "cat"}), v({"S": "cat"})), item)
    assert evaluate(Between(p("a"), p("lo"), p("hi")), item)
    assert not evaluate(Between(p("a"), v({"N": "2"}), v({"N": "7"})), item)
    assert not evaluate(Between(p("a"), v({"S": "0"}), v({"S": "2"})), item)
    assert not evaluate(Between(p("q"), v({"N": "0"}), v({"N": "2"})), item)
    # low > high from the item: just false (the request-value case is check_condition's)
    assert not evaluate(Between(p("a"), p("hi"), p("lo")), item)


def test_in() -> None:
    item: Item = {"a": {"N": "74"}}
    options = tuple(v({"N": str(i)}) for i in range(99))
    assert evaluate(In(p("a"), options), item)
    assert not evaluate(In(p("a"), options), {"a": {"N": "174"}})
    assert evaluate(In(p("a"), (v({"S": "dog"}), v({"N": "74"}))), item)
    assert not evaluate(In(p("q"), options), item)
    for value in ONE_OF_EACH:
        assert evaluate(In(p("a"), (p("b"),)), {"a": value, "b": value})


def test_logic() -> None:
    item: Item = {"a": {"N": "1"}, "b": {"N": "2"}, "c": {"N": "3"}}
    a_lt_b = Compare("<", p("a"), p("b"))
    c_lt_b = Compare("<", p("c"), p("b"))
    assert evaluate(Or(a_lt_b, And(c_lt_b, a_lt_b)), item)
    assert not evaluate(And(Not(a_lt_b), c_lt_b), item)
    assert evaluate(Not(Not(Not(Not(a_lt_b)))), item)


# -- functions -------------------------------------------------------------------------------


def test_attribute_exists_and_not_exists_on_nested_paths() -> None:
    item: Item = {"b": {"M": {"x": {"N": "1"}, "y": {"L": [{"N": "-1"}, {"N": "2"}]}}}}
    assert evaluate(Function("attribute_exists", (p("b", "x"),)), item)
    assert evaluate(Function("attribute_exists", (p("b", "y", 1),)), item)
    assert not evaluate(Function("attribute_exists", (p("b", "y", 2),)), item)
    assert not evaluate(Function("attribute_exists", (p("b", "x", "z"),)), item)
    assert evaluate(Function("attribute_not_exists", (p("z"),)), item)
    assert evaluate(Function("attribute_not_exists", (p("z"),)), None)
    assert evaluate(Compare("<", p("b", "x"), p("b", "y", 1)), item)


@pytest.mark.parametrize("index", range(len(ONE_OF_EACH)))
def test_attribute_type(index: int) -> None:
    value = ONE_OF_EACH[index]
    kind = next(iter(value))
    wrong = next(iter(ONE_OF_EACH[(index + 1) % len(ONE_OF_EACH)]))
    item: Item = {"a": value}
    assert evaluate(Function("attribute_type", (p("a"), v({"S": kind}))), item)
    assert not evaluate(Function("attribute_type", (p("a"), v({"S": wrong}))), item)
    assert not evaluate(Function("attribute_type", (p("q"), v({"S": kind}))), item)
    # the first operand may be a value too (Alternator's tests record that AWS accepts it)
    assert evaluate(Function("attribute_type", (v(value), v({"S": kind}))), {})


def test_begins_with() -> None:
    item: Item = {"a": {"S": "hello"}, "b": {"B": b"hi there"}, "c": {"S": "he"}}
    assert evaluate(Function("begins_with", (p("a"), v({"S": "hell"}))), item)
    assert evaluate(Function("begins_with", (p("b"), v({"B": b"hi"}))), item)
    assert not evaluate(Function("begins_with", (p("a"), v({"S": "dog"}))), item)
    assert not evaluate(Function("begins_with", (p("a"), v({"B": b"he"}))), item)
    assert not evaluate(Function("begins_with", (p("z"), v({"S": "dog"}))), item)
    assert evaluate(Function("begins_with", (v({"S": "hellohi"}), p("a"))), item)
    assert evaluate(Function("begins_with", (p("a"), p("c"))), item)


def test_contains() -> None:
    item: Item = {
        "a": {"S": "hello"},
        "b": {"NS": ["2", "4", "7"]},
        "c": {"L": [{"N": "2"}, {"N": "4"}, {"N": "7"}]},
        "d": {"B": b"hi there"},
        "e": {"L": [{"S": "hi"}, {"NS": ["1", "2"]}, {"L": [{"N": "3"}, {"N": "4"}]}]},
        "f": {"SS": ["x", "y"]},
        "g": {"BS": [b"\x01"]},
        "h": {"N": "123"},
    }

    def holds(path: str, needle: dict[str, Any]) -> bool:
        return evaluate(Function("contains", (p(path), v(needle))), item)

    assert holds("a", {"S": "ell"})
    assert not holds("a", {"S": "dog"})
    assert holds("b", {"N": "4.0"})
    assert not holds("b", {"S": "4"})
    assert holds("c", {"N": "4"})
    assert holds("d", {"B": b"here"})
    assert not holds("d", {"B": b"dog"})
    assert not holds("d", {"NS": ["1", "2"]})
    assert holds("e", {"NS": ["2", "1"]})
    assert holds("e", {"L": [{"N": "3"}, {"N": "4"}]})
    assert holds("f", {"S": "y"})
    assert holds("g", {"B": b"\x01"})
    assert not holds("h", {"N": "2"})
    assert not holds("missing", {"S": "x"})


@pytest.mark.parametrize(
    ("value", "size"),
    [
        ({"S": "hello"}, 5),
        ({"S": "h\u00e9llo"}, 6),  # UTF-8 bytes
        ({"NS": ["2", "4", "7"]}, 3),
        ({"L": [{"N": "2"}, {"S": "dog"}, {"N": "7"}]}, 3),
        ({"B": b"hi there"}, 8),
        ({"M": {"x": {"N": "2"}, "y": {"M": {"m": {"N": "3"}, "n": {"N": "4"}}}}}, 2),
        ({"S": ""}, 0),
    ],
)
def test_size(value: Any, size: int) -> None:
    item: Item = {"a": value, "f": {"N": str(size)}}
    assert operand_value(item, Size(("a",))) == {"N": str(size)}
    assert evaluate(Compare("=", Size(("a",)), v({"N": str(size)})), item)
    assert evaluate(Compare("=", Size(("a",)), p("f")), item)
    assert evaluate(Compare("<", Size(("a",)), v({"N": str(size + 1)})), item)
    assert not evaluate(Compare("=", Size(("a",)), v({"S": str(size)})), item)


@pytest.mark.parametrize("value", [{"N": "5"}, {"BOOL": True}, {"NULL": True}])
def test_size_of_number_bool_null_compares_false(value: Any) -> None:
    item: Item = {"a": value}
    assert operand_value(item, Size(("a",))) is None
    assert not evaluate(Compare("=", Size(("a",)), v({"N": "1"})), item)
    assert not evaluate(Compare("=", Size(("q",)), v({"N": "0"})), item)


def test_resolve_path_steps_of_the_wrong_kind_are_missing() -> None:
    item: Item = {"a": {"M": {"b": {"L": [{"N": "2"}, {"M": {"x": {"S": "hi"}}}]}}}}
    assert resolve_path(item, ("a", "b", 1, "x")) == {"S": "hi"}
    assert resolve_path(item, ("a", 0)) is None
    assert resolve_path(item, ("a", "b", "x")) is None
    assert resolve_path(item, ("a", "b", 0, 0)) is None
    assert resolve_path(item, ("a", "b", 5)) is None


# -- what the request itself gets wrong ----------------------------------------------------------


@pytest.mark.parametrize(
    ("condition", "message"),
    [
        (
            Compare("<", p("a"), v({"L": [{"N": "1"}]})),
            "Invalid ConditionExpression: Incorrect operand type for operator or function;"
            " operator or function: <, operand type: L",
        ),
        (
            Compare(">=", v({"BOOL": True}), p("a")),
            "Invalid ConditionExpression: Incorrect operand type for operator or function;"
            " operator or function: >=, operand type: BOOL",
        ),
        (
            Between(p("a"), v({"N": "2"}), v({"N": "1"})),
            "Invalid ConditionExpression: The BETWEEN operator requires upper bound to be greater"
            " than or equal to lower bound; lower bound operand: AttributeValue: {N:2}, upper"
            " bound operand: AttributeValue: {N:1}",
        ),
        (
            Between(p("a"), v({"N": "1"}), v({"S": "a"})),
            "Invalid ConditionExpression: The BETWEEN operator requires same data type for lower"
            " and upper bounds; lower bound operand: AttributeValue: {N:1}, upper bound"
            " operand: AttributeValue: {S:a}",
        ),
        (
            Function("begins_with", (p("a"), v({"N": "2"}))),
            "Invalid ConditionExpression: Incorrect operand type for operator or function;"
            " operator or function: begins_with, operand type: N",
        ),
        (
            Function("attribute_type", (p("a"), v({"S": "DOG"}))),
            "Invalid ConditionExpression: Invalid attribute type name found; type: DOG, valid"
            " types: {B,NULL,SS,BOOL,L,BS,N,NS,S,M}",
        ),
        (
            Function("attribute_exists", (v({"N": "3"}),)),
            "Invalid ConditionExpression: Operator or function requires a document path;"
            " operator or function: attribute_exists",
        ),
        (
            Function("contains", (p("a"), p("a"))),
            "Invalid ConditionExpression: The first operand must be distinct from the remaining"
            " operands for this operator or function; operator: contains, first operand: [a]",
        ),
        (
            And(Compare("=", p("a"), v({"N": "1"})), Compare("<", p("b", 0), p("b", 0))),
            "Invalid ConditionExpression: The first operand must be distinct from the remaining"
            " operands for this operator or function; operator: <, first operand: [b, [0]]",
        ),
    ],
)
def test_check_condition_refuses_what_aws_refuses(condition: Condition, message: str) -> None:
    with pytest.raises(ServiceError) as excinfo:
        check_condition(condition, parameter="ConditionExpression")
    assert validation_message(excinfo) == message


def test_check_condition_names_the_parameter_and_accepts_good_conditions() -> None:
    with pytest.raises(ServiceError, match="Invalid FilterExpression: Incorrect operand"):
        check_condition(Compare("<", p("a"), v({"M": {}})), parameter="FilterExpression")
    fine_conditions: list[Condition] = [
        Compare("<", p("a"), v({"N": "1"})),
        Compare("=", p("a"), v({"L": []})),
        Between(p("a"), p("x"), v({"S": "a"})),  # a bound from the item: checked per item
        Between(p("a"), v({"N": "1"}), v({"N": "1"})),
        Function("begins_with", (p("a"), v({"B": b"x"}))),
        Function("attribute_type", (p("a"), v({"S": "NS"}))),
        Function("contains", (p("a"), p("a1"))),
        Compare("<", p("x"), v({"N": "1"})),
    ]
    for fine in fine_conditions:
        check_condition(fine, parameter="ConditionExpression")


def test_evaluate_refuses_an_unknown_type_name_it_was_not_checked_for() -> None:
    with pytest.raises(ServiceError, match="Invalid attribute type name found; type: DOG"):
        evaluate(Function("attribute_type", (p("a"), v({"S": "DOG"}))), {"a": {"N": "1"}})


# -- against a naive model -------------------------------------------------------------------


NAMES = ("a", "b", "c")
scalars = st.one_of(
    st.integers(-3, 3).map(lambda n: {"N": str(n)}),
    st.sampled_from(["", "a", "ab", "b", "\u00e9"]).map(lambda s: {"S": s}),
    st.sampled_from([b"", b"\x00", b"\xff", b"a"]).map(lambda b: {"B": b}),
    st.booleans().map(lambda b: {"BOOL": b}),
)
items = st.dictionaries(st.sampled_from(NAMES), scalars)
operands: st.SearchStrategy[Operand] = st.one_of(
    st.sampled_from((*NAMES, "z")).map(lambda name: p(name)), scalars.map(v)
)
compares = st.builds(
    Compare, st.sampled_from(["=", "<>", "<", "<=", ">", ">="]), operands, operands
)


def conditions() -> st.SearchStrategy[Condition]:
    leaves: st.SearchStrategy[Condition] = st.one_of(
        compares,
        st.builds(Between, operands, operands, operands),
        st.sampled_from((*NAMES, "z")).map(lambda n: Function("attribute_exists", (p(n),))),
    )
    return st.recursive(
        leaves,
        lambda inner: st.one_of(
            st.builds(And, inner, inner), st.builds(Or, inner, inner), st.builds(Not, inner)
        ),
        max_leaves=6,
    )


def model_value(item: Item, operand: Operand) -> tuple[str, Any] | None:
    """(type, Python value) or None: numbers as ints, strings as their UTF-8 bytes."""
    if isinstance(operand, PathRef):
        value = item.get(str(operand.path[0]))
    else:
        assert isinstance(operand, Literal)
        value = operand.value
    if value is None:
        return None
    kind, inner = next(iter(value.items()))
    if kind == "N":
        return kind, int(inner)
    return kind, inner.encode() if kind == "S" else inner


def model(condition: Condition, item: dict[str, Any]) -> bool:
    if isinstance(condition, And):
        return model(condition.left, item) and model(condition.right, item)
    if isinstance(condition, Or):
        return model(condition.left, item) or model(condition.right, item)
    if isinstance(condition, Not):
        return not model(condition.operand, item)
    if isinstance(condition, Function):
        return model_value(item, condition.args[0]) is not None
    if isinstance(condition, Between):
        return model_order(item, ">=", condition.operand, condition.low) and model_order(
            item, "<=", condition.operand, condition.high
        )
    assert isinstance(condition, Compare)
    return model_order(item, condition.op, condition.left, condition.right)


def model_order(item: dict[str, Any], op: str, left: Operand, right: Operand) -> bool:
    a, b = model_value(item, left), model_value(item, right)
    if a is None or b is None:
        return op == "<>"
    if op in ("=", "<>"):
        return (a == b) is (op == "=")
    if a[0] != b[0] or a[0] == "BOOL":
        return False
    x, y = a[1], b[1]
    return bool({"<": x < y, "<=": x <= y, ">": x > y, ">=": x >= y}[op])


@given(conditions(), items)
def test_evaluate_agrees_with_a_naive_model(condition: Condition, item: dict[str, Any]) -> None:
    assert evaluate(condition, item) is model(condition, item)


@given(scalars, scalars)
def test_equality_and_order_agree(a: dict[str, Any], b: dict[str, Any]) -> None:
    order = compare_values(a, b)
    if order is not None:
        assert (order == 0) is values_equal(a, b)
        assert compare_values(b, a) == -order
