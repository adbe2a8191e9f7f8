"""ProjectionExpression paths applied as AWS applies them.

Rules: https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/Expressions.ProjectionExpressions.html
Edge cases as recorded against AWS by ScyllaDB Alternator's test_projection_expression.py.
"""

from __future__ import annotations

import copy
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ownstack.core.errors import ServiceError
from ownstack.services.dynamodb.expr.ast import Item, Path, Projection
from ownstack.services.dynamodb.expr.project import check_projection, project, project_paths


def n(number: int) -> dict[str, Any]:
    return {"N": str(number)}


ITEM: dict[str, Any] = {
    "p": {"S": "k"},
    "a": {
        "M": {
            "b": {"L": [n(2), n(4), {"M": {"x": {"S": "hi"}, "y": {"S": "yo"}}}]},
            "c": n(5),
        }
    },
    "b": {"S": "hello"},
}


def got(*paths: Path) -> dict[str, Any]:
    projection = Projection(paths)
    check_projection(projection)
    return project(ITEM, projection)


def test_top_level_attributes() -> None:
    assert got(("a",)) == {"a": ITEM["a"]}
    assert got(("p",), ("b",)) == {"p": {"S": "k"}, "b": {"S": "hello"}}
    assert got(("nonexistent",)) == {}


def test_nested_paths_rebuild_their_documents() -> None:
    b = ITEM["a"]["M"]["b"]
    assert got(("a", "b")) == {"a": {"M": {"b": b}}}
    assert got(("a", "b", 0)) == {"a": {"M": {"b": {"L": [n(2)]}}}}
    assert got(("a", "b", 2)) == {"a": {"M": {"b": {"L": [b["L"][2]]}}}}
    assert got(("a", "b", 2, "y")) == {"a": {"M": {"b": {"L": [{"M": {"y": {"S": "yo"}}}]}}}}


@pytest.mark.parametrize(
    "path",
    [
        ("x",),
        ("a", "b", 3),
        ("a", "x"),
        ("a", "x", "y"),
        ("a", "b", 3, "x"),
        ("a", "b", "x"),
        ("a", 0),
        ("a", "b", 0, "x"),
        ("a", "b", 0, 0),
    ],
)
def test_paths_that_reach_nothing_give_nothing(path: Path) -> None:
    assert got(path) == {}


def test_several_paths_merge() -> None:
    assert got(("a", "b", 0), ("a", "b", 1)) == {"a": {"M": {"b": {"L": [n(2), n(4)]}}}}
    assert got(("a", "b", 0), ("a", "c")) == {"a": {"M": {"b": {"L": [n(2)]}, "c": n(5)}}}
    assert got(("a", "c"), ("b",)) == {"a": {"M": {"c": n(5)}}, "b": {"S": "hello"}}
    assert got(("a", "x"), ("a", "b", 0), ("x",), ("a", "b", 3, "x")) == {
        "a": {"M": {"b": {"L": [n(2)]}}}
    }
    # list elements come back compacted, in index order whatever the paths' order
    assert got(("a", "b", 2, "x"), ("a", "b", 0), ("a", "b", 2, "y")) == {
        "a": {"M": {"b": {"L": [n(2), ITEM["a"]["M"]["b"]["L"][2]]}}}
    }


def test_empty_containers_are_values_too() -> None:
    item: Item = {"m": {"M": {}}, "l": {"L": []}, "s": {"S": ""}}
    assert project_paths(item, (("m",), ("l",), ("s",))) == item
    assert project_paths(item, (("m", "x"), ("l", 0))) == {}


def test_result_is_a_copy() -> None:
    before = copy.deepcopy(ITEM)
    result = got(("a",))
    result["a"]["M"]["c"]["N"] = "99"
    assert before == ITEM


@pytest.mark.parametrize(
    ("paths", "one", "two"),
    [
        ([("a",), ("a",)], "[a]", "[a]"),
        ([("a", "b"), ("a", "b")], "[a, b]", "[a, b]"),
        ([("a", 1), ("a", 1)], "[a, [1]]", "[a, [1]]"),
        ([("a",), ("a", "b")], "[a]", "[a, b]"),
        ([("a", "b"), ("a",)], "[a, b]", "[a]"),
        ([("a", "b"), ("a", "b", 2)], "[a, b]", "[a, b, [2]]"),
        ([("a",), ("a", "b", 2, "c")], "[a]", "[a, b, [2], c]"),
        ([("a", "b", "d", "e"), ("a", "b")], "[a, b, d, e]", "[a, b]"),
    ],
)
def test_overlapping_paths(paths: list[Path], one: str, two: str) -> None:
    with pytest.raises(ServiceError) as excinfo:
        check_projection(Projection(tuple(paths)))
    assert excinfo.value.code == "ValidationException"
    assert excinfo.value.message == (
        "Invalid ProjectionExpression: Two document paths overlap with each other; must remove"
        f" or rewrite one of these paths; path one: {one}, path two: {two}"
    )


@pytest.mark.parametrize(
    ("paths", "one", "two"),
    [
        ([("a", "b"), ("a", 1)], "[a, b]", "[a, [1]]"),
        ([("a", 1), ("a", "b")], "[a, [1]]", "[a, b]"),
        ([("a", "b", 1), ("a", "b", "c")], "[a, b, [1]]", "[a, b, c]"),
    ],
)
def test_conflicting_paths(paths: list[Path], one: str, two: str) -> None:
    with pytest.raises(ServiceError) as excinfo:
        check_projection(Projection(tuple(paths)))
    assert excinfo.value.message == (
        "Invalid ProjectionExpression: Two document paths conflict with each other; must remove"
        f" or rewrite one of these paths; path one: {one}, path two: {two}"
    )


@pytest.mark.parametrize(
    "paths",
    [
        [("a",), ("b",)],
        [("a", "b"), ("a", "c")],
        [("a", "b", "d"), ("a", "b", "e")],
        [("a", 1), ("a", 2)],
        [("a", "b"), ("a", "c", 2)],
    ],
)
def test_paths_sharing_only_a_prefix_are_fine(paths: list[Path]) -> None:
    check_projection(Projection(tuple(paths)))


# -- properties ---------------------------------------------------------------------------------

leaves = st.one_of(st.integers(0, 9).map(n), st.text("ab", max_size=2).map(lambda t: {"S": t}))
documents = st.recursive(
    leaves,
    lambda inner: st.one_of(
        st.lists(inner, max_size=3).map(lambda elements: {"L": elements}),
        st.dictionaries(st.sampled_from("xyz"), inner, max_size=3).map(lambda m: {"M": m}),
    ),
    max_leaves=8,
)
items = st.dictionaries(st.sampled_from(["a", "b", "c", "d"]), documents)


@given(items, st.sets(st.sampled_from(["a", "b", "c", "d", "e"])))
def test_top_level_names_select_those_attributes(item: dict[str, Any], names: set[str]) -> None:
    result = project_paths(item, tuple((name,) for name in sorted(names)))
    assert result == {name: value for name, value in item.items() if name in names}


def leaf_paths(value: dict[str, Any], prefix: Path) -> list[Path]:
    """Every path to a non-container value, or to an empty container."""
    kind, inner = next(iter(value.items()))
    if kind == "M" and inner:
        return [p for key, member in inner.items() for p in leaf_paths(member, (*prefix, key))]
    if kind == "L" and inner:
        return [p for i, element in enumerate(inner) for p in leaf_paths(element, (*prefix, i))]
    return [prefix]


@given(items)
def test_all_leaf_paths_rebuild_the_item(item: dict[str, Any]) -> None:
    paths = tuple(p for name, value in item.items() for p in leaf_paths(value, (name,)))
    check_projection(Projection(paths))
    assert project_paths(item, paths) == item


@given(items, st.data())
def test_a_subset_of_leaf_paths_gives_a_sub_document(item: dict[str, Any], data: Any) -> None:
    paths = [p for name, value in item.items() for p in leaf_paths(value, (name,))]
    chosen = data.draw(st.lists(st.sampled_from(paths), unique=True) if paths else st.just([]))
    result = project_paths(item, tuple(chosen))
    assert set(result) == {path[0] for path in chosen}
    # every chosen leaf comes back exactly once (list elements renumbered, none lost or added)
    kept = [p for name, value in result.items() for p in leaf_paths(value, (name,))]
    assert len(kept) == len(chosen)
    without_indexes = sorted(tuple(s for s in p if isinstance(s, str)) for p in chosen)
    assert sorted(tuple(s for s in p if isinstance(s, str)) for p in kept) == without_indexes
