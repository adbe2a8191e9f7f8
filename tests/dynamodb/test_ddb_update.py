"""UpdateExpression actions applied as AWS applies them.

Rules: https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/Expressions.UpdateExpressions.html
Edge cases as recorded against AWS by ScyllaDB Alternator's test_update_expression.py, and
messages as dynalite's tests record them. ASTs are built directly.
"""

from __future__ import annotations

import copy
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ownstack.core.errors import ServiceError
from ownstack.services.dynamodb.expr.ast import (
    Action,
    Add,
    Arithmetic,
    Delete,
    IfNotExists,
    Item,
    ListAppend,
    Literal,
    Path,
    PathRef,
    Remove,
    Set,
    Update,
)
from ownstack.services.dynamodb.expr.update import apply_update, check_update

MISSING = "The provided expression refers to an attribute that does not exist in the item"
WRONG_TYPE = "An operand in the update expression has an incorrect data type"
BAD_PATH = "The document path provided in the update expression is invalid for update"


def p(*steps: str | int) -> PathRef:
    return PathRef(tuple(steps))


def n(number: int | str) -> Literal:
    return Literal({"N": str(number)})


def s(text: str) -> Literal:
    return Literal({"S": text})


def apply(item: dict[str, Any], *actions: Action, exists: bool = True) -> dict[str, Any]:
    return apply_update(Update(actions), item, exists=exists).item


def refused(item: dict[str, Any], *actions: Action) -> str:
    with pytest.raises(ServiceError) as excinfo:
        apply(item, *actions)
    assert excinfo.value.code == "ValidationException"
    return excinfo.value.message


def check_refused(*actions: Action, keys: tuple[str, ...] = ("p",)) -> str:
    with pytest.raises(ServiceError) as excinfo:
        check_update(Update(actions), keys)
    assert excinfo.value.code == "ValidationException"
    return excinfo.value.message


def nums(*values: int) -> dict[str, Any]:
    return {"L": [{"N": str(value)} for value in values]}


# -- SET ----------------------------------------------------------------------------------------


def test_set_copies_and_reads_the_item_as_it_was() -> None:
    item = {"p": {"S": "k"}, "a": {"S": "hello"}}
    assert apply(item, Set(("b",), p("a"))) == {**item, "b": {"S": "hello"}}
    assert refused(item, Set(("c",), p("z"))) == MISSING
    # "SET x = :v, y = x": x is read before the SET writes it
    assert refused(item, Set(("x",), n(4)), Set(("y",), p("x"))) == MISSING
    # "REMOVE a SET b = a" and "SET c = b REMOVE b" both work
    assert apply(item, Remove(("a",)), Set(("b",), p("a"))) == {
        "p": {"S": "k"},
        "b": {"S": "hello"},
    }
    assert apply(item, Set(("a",), p("a"))) == item


def test_set_arithmetic() -> None:
    item = {"a": {"N": "2"}, "s": {"S": "x"}}
    assert apply(item, Set(("a",), Arithmetic("+", p("a"), n(3))))["a"] == {"N": "5"}
    assert apply(item, Set(("b",), Arithmetic("-", n(7), p("a"))))["b"] == {"N": "5"}
    assert apply(item, Set(("b",), Arithmetic("+", n("0.1"), n("0.2"))))["b"] == {"N": "0.3"}
    assert apply(item, Set(("b",), Arithmetic("-", n(1), n(1))))["b"] == {"N": "0"}
    assert refused(item, Set(("b",), Arithmetic("+", p("s"), n(1)))) == WRONG_TYPE
    assert refused(item, Set(("b",), Arithmetic("+", p("z"), n(1)))) == MISSING
    overflow = Set(("b",), Arithmetic("+", n("9E+125"), n("9E+125")))
    assert refused(item, overflow).startswith("Number overflow.")
    total = IfNotExists(("z",), n(2))
    assert apply(item, Set(("z",), Arithmetic("+", total, n(3))))["z"] == {"N": "5"}


def test_an_inexact_sum_is_refused() -> None:
    # Alternator's test_update_expression_plus_imprecise records AWS's (odd) message for
    # 1e50 + 1: "Number overflow. Attempting to store a number with magnitude larger than
    # supported range".
    imprecise = Set(("b",), Arithmetic("+", n("1E+50"), n(1)))
    assert refused({}, imprecise).startswith("Number overflow.")


def test_list_append() -> None:
    item = {"a": nums(1, 2), "b": {"N": "7"}}
    assert apply(item, Set(("a",), ListAppend(p("a"), Literal(nums(3)))))["a"] == nums(1, 2, 3)
    assert apply(item, Set(("a",), ListAppend(Literal(nums(0)), p("a"))))["a"] == nums(0, 1, 2)
    assert apply(item, Set(("c",), ListAppend(p("a"), p("a"))))["c"] == nums(1, 2, 1, 2)
    assert refused(item, Set(("c",), ListAppend(p("b"), Literal(nums(1))))) == WRONG_TYPE
    assert refused(item, Set(("c",), ListAppend(Literal(nums(1)), p("z")))) == MISSING


def test_if_not_exists() -> None:
    item = {"a": {"N": "2"}}
    assert apply(item, Set(("a",), IfNotExists(("a",), n(3))))["a"] == {"N": "2"}
    assert apply(item, Set(("b",), IfNotExists(("c",), n(4))))["b"] == {"N": "4"}
    assert apply(item, Set(("b",), IfNotExists(("a",), n(6))))["b"] == {"N": "2"}
    assert refused(item, Set(("b",), IfNotExists(("c",), p("d")))) == MISSING


def test_set_nested_paths() -> None:
    item = {
        "a": {
            "M": {
                "b": {"N": "3"},
                "c": {"L": [{"S": "hi"}, {"M": {"x": {"M": {"y": nums(3, 5, 7)}}}}]},
            }
        }
    }
    got = apply(item, Set(("a", "c", 1, "x", "y", 1), n(9)), Set(("a", "d"), n(1)))
    assert got["a"]["M"]["c"]["L"][1] == {"M": {"x": {"M": {"y": nums(3, 9, 7)}}}}
    assert got["a"]["M"]["d"] == {"N": "1"}
    assert apply(item, Set(("z",), p("a", "c", 1, "x", "y", 2)))["z"] == {"N": "7"}


@pytest.mark.parametrize(
    "path",
    [("a", "c"), ("b", "c"), ("c", "c"), ("a", 0), ("z", 0), ("b", 0, "x"), ("m", "q", "r")],
)
def test_set_needs_the_parent_to_exist(path: tuple[str | int, ...]) -> None:
    item = {"a": {"S": "hello"}, "b": {"L": [{"S": "hi"}]}, "m": {"M": {}}}
    assert refused(item, Set(path, n(7))) == BAD_PATH
    assert refused({}, Set(path, n(7))) == BAD_PATH


def test_set_past_the_end_appends_in_index_order() -> None:
    item = {"a": {"L": [{"S": "one"}, {"S": "two"}, {"S": "three"}]}}
    got = apply(item, Set(("a", 7), s("hello")))
    assert got["a"]["L"][3:] == [{"S": "hello"}]
    got = apply(
        got,
        Set(("a", 84), s("a1")),
        Set(("a", 37), s("a2")),
        Set(("a", 17), s("a3")),
        Set(("a", 50), s("a4")),
    )
    assert [e["S"] for e in got["a"]["L"]] == [
        "one",
        "two",
        "three",
        "hello",
        "a3",
        "a2",
        "a4",
        "a1",
    ]


# -- REMOVE --------------------------------------------------------------------------------------


def test_remove() -> None:
    item = {"p": {"S": "k"}, "a": {"S": "hello"}, "b": {"S": "hi"}}
    assert apply(item, Remove(("a",))) == {"p": {"S": "k"}, "b": {"S": "hi"}}
    assert apply(item, Remove(("zz",))) == item


def test_remove_nested_and_list_elements() -> None:
    item = {
        "a": {
            "M": {
                "b": {"N": "3"},
                "c": {
                    "L": [{"S": "hi"}, {"M": {"x": {"M": {"y": nums(3, 5, 7)}}, "q": {"N": "2"}}}]
                },
            }
        }
    }
    got = apply(item, Remove(("a", "c", 1, "x", "y", 1)), Remove(("a", "c", 1, "q")))
    assert got["a"] == {
        "M": {"b": {"N": "3"}, "c": {"L": [{"S": "hi"}, {"M": {"x": {"M": {"y": nums(3, 7)}}}}]}}
    }
    assert apply({"a": {"M": {"b": {"N": "1"}}}}, Remove(("a", "b"))) == {"a": {"M": {}}}
    assert apply({"a": nums(1)}, Remove(("a", 0))) == {"a": {"L": []}}


def test_list_indexes_name_the_original_positions() -> None:
    item = {"a": nums(2, 3, 4, 5, 6, 7)}
    orders: list[tuple[Action, ...]] = [
        (Remove(("a", 1)), Set(("a", 3), n(17))),
        (Set(("a", 3), n(17)), Remove(("a", 1))),
    ]
    for actions in orders:
        assert apply(item, *actions)["a"] == nums(2, 4, 17, 6, 7)
    assert apply(item, Remove(("a", 0)), Remove(("a", 2)), Remove(("a", 5)))["a"] == nums(3, 5, 6)
    # an element appended by SET is not one of the original positions
    assert apply({"a": nums(1, 2)}, Set(("a", 9), n(3)), Remove(("a", 2)))["a"] == nums(1, 2, 3)
    # removing an element and a member of a later element
    got = apply(
        {"a": {"L": [{"N": "0"}, {"M": {"x": {"N": "1"}, "y": {"N": "2"}}}]}},
        Remove(("a", 0)),
        Remove(("a", 1, "x")),
    )
    assert got["a"] == {"L": [{"M": {"y": {"N": "2"}}}]}


def test_remove_of_a_missing_leaf_is_a_no_op_but_a_missing_parent_is_not() -> None:
    item: Item = {"a": {"M": {"x": {"N": "3"}}}, "b": {"L": [{"S": "hi"}]}, "s": {"S": "hello"}}
    assert apply(item, Remove(("a", "y")), Remove(("b", 7)), Remove(("c",))) == item
    bad_paths: list[Path] = [("s", "c"), ("b", "c"), ("c", "c"), ("s", 0), ("z", 0), ("a", 0)]
    for path in bad_paths:
        assert refused(item, Remove(path)) == BAD_PATH
    # ... except when there is no item at all (Alternator records AWS accepting it)
    assert apply({"p": {"S": "k"}}, Remove(("x", "y")), Remove(("x", 0)), exists=False) == {
        "p": {"S": "k"}
    }


# -- ADD and DELETE ------------------------------------------------------------------------------


def test_add_numbers() -> None:
    item = {"a": {"N": "3"}, "b": {"S": "hi"}}
    assert apply(item, Add(("a",), n(4)))["a"] == {"N": "7"}
    assert apply(item, Add(("a",), n("-3.5")))["a"] == {"N": "-0.5"}
    assert apply(item, Add(("c",), n(7)))["c"] == {"N": "7"}
    assert apply({}, Add(("c",), n(8))) == {"c": {"N": "8"}}
    assert refused(item, Add(("b",), n(1))) == WRONG_TYPE
    assert refused(item, Add(("a",), Literal({"SS": ["x"]}))) == WRONG_TYPE


def test_add_sets() -> None:
    item = {"a": {"SS": ["beaver", "lynx", "coati"]}, "n": {"NS": ["1", "2"]}, "l": nums(1)}
    got = apply(item, Add(("a",), Literal({"SS": ["coati", "beaver", "badger"]})))
    assert sorted(got["a"]["SS"]) == ["badger", "beaver", "coati", "lynx"]
    assert sorted(apply(item, Add(("n",), Literal({"NS": ["2.0", "3"]})))["n"]["NS"]) == [
        "1",
        "2",
        "3",
    ]
    assert apply(item, Add(("b",), Literal({"SS": ["dog"]})))["b"] == {"SS": ["dog"]}
    assert refused(item, Add(("n",), Literal({"SS": ["1"]}))) == WRONG_TYPE
    assert refused(item, Add(("l",), Literal({"NS": ["3"]}))) == WRONG_TYPE


def test_add_to_a_nested_number_and_set() -> None:
    item = {"m": {"M": {"count": {"N": "1"}, "tags": {"SS": ["a"]}}}}
    got = apply(
        item,
        Add(("m", "count"), n(2)),
        Add(("m", "tags"), Literal({"SS": ["b"]})),
        Add(("m", "new"), n(5)),
    )
    assert got["m"]["M"]["count"] == {"N": "3"}
    assert sorted(got["m"]["M"]["tags"]["SS"]) == ["a", "b"]
    assert got["m"]["M"]["new"] == {"N": "5"}
    assert refused(item, Add(("x", "count"), n(1))) == BAD_PATH


def test_delete_from_sets() -> None:
    item = {
        "p": {"S": "k"},
        "a": {"SS": ["dog", "cat", "mouse"]},
        "b": {"S": "hi"},
        "n": {"NS": ["1", "2"]},
    }
    assert apply(item, Delete(("a",), Literal({"SS": ["cat", "mouse"]})))["a"] == {"SS": ["dog"]}
    assert apply(item, Delete(("a",), Literal({"SS": ["pig"]})))["a"] == item["a"]
    assert apply(item, Delete(("n",), Literal({"NS": ["2.00"]})))["n"] == {"NS": ["1"]}
    emptied = apply(item, Delete(("a",), Literal({"SS": ["dog", "cat", "mouse"]})))
    assert "a" not in emptied
    assert apply(item, Delete(("zz",), Literal({"SS": ["dog"]}))) == item
    assert refused(item, Delete(("b",), Literal({"SS": ["hi"]}))) == WRONG_TYPE
    assert refused(item, Delete(("a",), Literal({"NS": ["1"]}))) == WRONG_TYPE
    # emptying a set inside a list removes the element, by its original position
    listed = {"l": {"L": [{"SS": ["x"]}, {"N": "1"}, {"N": "2"}]}}
    got = apply(listed, Delete(("l", 0), Literal({"SS": ["x"]})), Remove(("l", 2)))
    assert got["l"] == nums(1)


# -- the result -------------------------------------------------------------------------------


def test_input_untouched_and_paths_reported_in_order() -> None:
    item: Item = {"a": {"M": {"b": nums(1, 2)}}, "c": {"N": "1"}, "s": {"SS": ["x"]}}
    before = copy.deepcopy(item)
    actions = (
        Set(("d",), p("a")),
        Remove(("a", "b", 0)),
        Add(("c",), n(1)),
        Delete(("s",), Literal({"SS": ["x"]})),
    )
    updated = apply_update(Update(actions), item)
    assert item == before
    assert updated.paths == (("d",), ("a", "b", 0), ("c",), ("s",))
    assert updated.item == {
        "a": {"M": {"b": nums(2)}},
        "c": {"N": "2"},
        "d": {"M": {"b": nums(1, 2)}},
    }
    # the copied value is not shared with the input either
    updated.item["d"]["M"]["b"]["L"].clear()
    assert item == before


# -- refused before reading the item ---------------------------------------------------------------


def test_key_attributes_cannot_be_updated() -> None:
    message = (
        "One or more parameter values were invalid: Cannot update attribute {}."
        " This attribute is part of the key"
    )
    on_keys: list[Action] = [
        Set(("p",), n(4)),
        Remove(("c",)),
        Add(("p",), n(4)),
        Delete(("c",), Literal({"SS": ["x"]})),
    ]
    for action in on_keys:
        assert check_refused(action, keys=("p", "c")) == message.format(action.path[0])
    check_update(Update((Set(("a",), p("p")),)), ("p", "c"))


@pytest.mark.parametrize(
    ("paths", "one", "two"),
    [
        ([("a",), ("a",)], "[a]", "[a]"),
        ([("a",), ("a", "b")], "[a]", "[a, b]"),
        ([("a", "b"), ("a",)], "[a, b]", "[a]"),
        ([("a", "b", "c"), ("a", "b")], "[a, b, c]", "[a, b]"),
        ([("a", 1, 1, 1, 1), ("a", 1, 1)], "[a, [1], [1], [1], [1]]", "[a, [1], [1]]"),
        ([("a", 1), ("a", 1)], "[a, [1]]", "[a, [1]]"),
        ([("x",), ("a", "b"), ("a", 1), ("a",)], "[a, b]", "[a]"),  # overlap beats conflict
    ],
)
def test_overlapping_paths(paths: list[tuple[str | int, ...]], one: str, two: str) -> None:
    actions = [Set(path, n(1)) if i % 2 == 0 else Remove(path) for i, path in enumerate(paths)]
    assert check_refused(*actions) == (
        "Invalid UpdateExpression: Two document paths overlap with each other; must remove or"
        f" rewrite one of these paths; path one: {one}, path two: {two}"
    )


@pytest.mark.parametrize(
    ("paths", "one", "two"),
    [
        ([("a", "b"), ("a", 1)], "[a, b]", "[a, [1]]"),
        ([("a", "b", "c"), ("a", "b", 2)], "[a, b, c]", "[a, b, [2]]"),
        ([("c", 3, "[3]"), ("c", "[3]", 3)], "[c, [3], [3]]", "[c, [3], [3]]"),
    ],
)
def test_conflicting_paths(paths: list[tuple[str | int, ...]], one: str, two: str) -> None:
    assert check_refused(*(Set(path, n(1)) for path in paths)) == (
        "Invalid UpdateExpression: Two document paths conflict with each other; must remove or"
        f" rewrite one of these paths; path one: {one}, path two: {two}"
    )


def test_paths_that_only_share_a_prefix_are_fine() -> None:
    update = Update(
        (
            Set(("a", "b"), n(10)),
            Set(("a", "c", "d"), s("dog")),
            Set(("b", "x"), n(17)),
            Set(("l", 0), n(1)),
            Remove(("a", "x")),
            Remove(("b", "y")),
            Remove(("l", 1)),
        )
    )
    check_update(update, ("p",))
    item: Item = {
        "a": {"M": {"x": {"N": "3"}, "y": {"N": "4"}, "c": {"M": {"y": {"N": "3"}}}}},
        "b": {"M": {"x": {"N": "1"}, "y": {"N": "2"}}},
        "l": nums(5, 6),
    }
    assert apply_update(update, item).item == {
        "a": {
            "M": {
                "y": {"N": "4"},
                "b": {"N": "10"},
                "c": {"M": {"y": {"N": "3"}, "d": {"S": "dog"}}},
            }
        },
        "b": {"M": {"x": {"N": "17"}}},
        "l": nums(1),
    }


@pytest.mark.parametrize(
    ("action", "message"),
    [
        (Add(("a",), s("hello")), "operator: ADD, operand type: STRING"),
        (Add(("a",), Literal(nums(1))), "operator: ADD, operand type: LIST"),
        (Add(("a", "b"), Literal({"NULL": True})), "operator: ADD, operand type: NULL"),
        (Delete(("a",), s("hello")), "operator: DELETE, operand type: STRING"),
        (Delete(("a",), n(1)), "operator: DELETE, operand type: NUMBER"),
        (Delete(("a",), Literal({"BOOL": True})), "operator: DELETE, operand type: BOOLEAN"),
        (Set(("a",), Arithmetic("+", s("dog"), n(3))), "operator or function: +, operand type: S"),
        (
            Set(("a",), Arithmetic("-", n(3), Literal(nums(1)))),
            "operator or function: -, operand type: L",
        ),
        (
            Set(("a",), ListAppend(Literal(nums(1)), s("hi"))),
            "operator or function: list_append, operand type: S",
        ),
        (
            Set(("a",), IfNotExists(("a",), ListAppend(p("a"), n(1)))),
            "operator or function: list_append, operand type: N",
        ),
    ],
)
def test_literal_operands_of_the_wrong_type(action: Action, message: str) -> None:
    assert check_refused(action) == (
        f"Invalid UpdateExpression: Incorrect operand type for operator or function; {message}"
    )


def test_literal_operands_of_the_right_type_pass() -> None:
    fine: list[Action] = [
        Add(("a",), n(1)),
        Add(("a",), Literal({"BS": [b"x"]})),
        Delete(("a",), Literal({"NS": ["1"]})),
        Set(("a",), Arithmetic("+", p("b"), n(1))),
        Set(("a",), ListAppend(p("b"), Literal(nums(1)))),
    ]
    for action in fine:
        check_update(Update((action,)), ("p",))


# -- against a dict model ------------------------------------------------------------------------


NAMES = ("a", "b", "c", "d", "e")
values = st.one_of(
    st.integers(-5, 5).map(lambda i: {"N": str(i)}),
    st.text("xy", max_size=2).map(lambda t: {"S": t}),
)
items = st.dictionaries(st.sampled_from(NAMES), values)


@st.composite
def updates(draw: st.DrawFn) -> tuple[Action, ...]:
    """SET (to a value, a copy, a sum or if_not_exists) and REMOVE on distinct top-level names."""
    targets = draw(st.lists(st.sampled_from(NAMES), unique=True, max_size=len(NAMES)))
    actions: list[Action] = []
    for name in targets:
        kind = draw(st.sampled_from(["value", "copy", "plus", "default", "remove"]))
        source = draw(st.sampled_from(NAMES))
        if kind == "remove":
            actions.append(Remove((name,)))
        elif kind == "value":
            actions.append(Set((name,), Literal(draw(values))))
        elif kind == "copy":
            actions.append(Set((name,), p(source)))
        elif kind == "plus":
            actions.append(Set((name,), Arithmetic("+", p(source), n(draw(st.integers(-3, 3))))))
        else:
            actions.append(Set((name,), IfNotExists((source,), Literal(draw(values)))))
    return tuple(actions)


def model(item: dict[str, Any], actions: tuple[Action, ...]) -> dict[str, Any] | str:
    """The new item, or the error message, computed with plain dicts."""
    old = {name: next(iter(value.items())) for name, value in item.items()}
    new = dict(old)
    for action in actions:
        if isinstance(action, Remove):
            new.pop(str(action.path[0]), None)
            continue
        assert isinstance(action, Set)
        operand = action.value
        if isinstance(operand, Literal):
            new[str(action.path[0])] = next(iter(operand.value.items()))
        elif isinstance(operand, PathRef):
            if str(operand.path[0]) not in old:
                return "missing"
            new[str(action.path[0])] = old[str(operand.path[0])]
        elif isinstance(operand, IfNotExists):
            fallback = next(iter(operand.default.value.items()))  # type: ignore[union-attr]
            new[str(action.path[0])] = old.get(str(operand.path[0]), fallback)
        else:
            assert isinstance(operand, Arithmetic) and isinstance(operand.left, PathRef)
            found = old.get(str(operand.left.path[0]))
            if found is None:
                return "missing"
            if found[0] != "N":
                return "type"
            total = int(found[1]) + int(operand.right.value["N"])  # type: ignore[union-attr]
            new[str(action.path[0])] = ("N", str(total))
    return {name: {kind: inner} for name, (kind, inner) in new.items()}


@given(items, updates())
def test_apply_update_agrees_with_a_dict_model(
    item: dict[str, Any], actions: tuple[Action, ...]
) -> None:
    expected = model(item, actions)
    if isinstance(expected, str):
        message = refused(item, *actions)
        assert message == {"missing": MISSING, "type": WRONG_TYPE}[expected]
    else:
        check_update(Update(actions), ("p",))
        assert apply(item, *actions) == expected


@given(
    st.lists(st.integers(0, 9), max_size=6),
    st.sets(st.integers(0, 8)),
    st.dictionaries(st.integers(0, 8), st.integers(10, 19), max_size=4),
)
def test_list_removes_and_sets_name_original_positions(
    numbers: list[int], removed: set[int], replaced: dict[int, int]
) -> None:
    replaced = {i: v for i, v in replaced.items() if i not in removed}
    actions: list[Action] = [Remove(("l", i)) for i in sorted(removed)]
    actions += [Set(("l", i), n(v)) for i, v in replaced.items()]
    check_update(Update(tuple(actions)), ("p",))
    expected = [replaced.get(i, number) for i, number in enumerate(numbers) if i not in removed]
    expected += [v for i, v in sorted(replaced.items()) if i >= len(numbers)]
    assert apply({"l": nums(*numbers)}, *actions)["l"] == nums(*expected)
