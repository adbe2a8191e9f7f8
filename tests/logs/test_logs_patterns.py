"""Filter patterns (services/logs/pattern): AWS's documented examples, refusals, and properties
checked with hypothesis against small reference models."""

from __future__ import annotations

import json
import operator
import re
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ownstack.services.logs.pattern import PatternError, compile_pattern
from ownstack.services.logs.pattern.delimited import split_fields

APACHE = '127.0.0.1 - frank [10/Oct/2000:13:25:15 -0700] "GET /apache_pb.gif HTTP/1.0" 200 1534'
EVENTS = [
    "[ERROR 400] BAD REQUEST",
    "[ERROR 401] UNAUTHORIZED REQUEST",
    "[ERROR 419] MISSING ARGUMENTS",
    "[ERROR 420] INVALID ARGUMENTS",
    "[ERROR 500] INTERNAL SERVER ERROR",
    "[SUCCESS 200] AUTHORIZED REQUEST",
]


def picked(pattern: str, events: list[str] = EVENTS) -> list[str]:
    matches = compile_pattern(pattern)
    return [e for e in events if matches(e)]


@pytest.mark.parametrize(
    ("pattern", "indexes"),
    [
        ("ERROR", [0, 1, 2, 3, 4]),
        ("ERROR ARGUMENTS", [2, 3]),
        ("?ARGUMENTS ?SUCCESS", [2, 3, 5]),
        ("ERROR -ARGUMENTS", [0, 1, 4]),
        ('"INTERNAL SERVER ERROR"', [4]),
        ("%AUTHORIZED%", [1, 5]),  # a regex finds parts of words...
        ("AUTHORIZED", [5]),  # ...a term only whole ones
        ("%ERROR 4[0-9]{2}%", [0, 1, 2, 3]),
        ("error", []),  # case sensitive
        ("", [0, 1, 2, 3, 4, 5]),
        ('""', [0, 1, 2, 3, 4, 5]),
    ],
)
def test_the_term_examples_of_aws_docs(pattern: str, indexes: list[int]) -> None:
    assert picked(pattern) == [EVENTS[i] for i in indexes]


@pytest.mark.parametrize(
    ("pattern", "matches"),
    [
        ("[ip, user, username, timestamp, request, status_code, bytes]", True),
        ("[ip, user, username, timestamp, request, status_code = 200, bytes]", True),
        ("[ip, user, username, timestamp, request, status_code = 4*, bytes]", False),
        ('[ip, user, ..., request = "*gif*", status_code, bytes > 1000]', True),
        ("[ip, user, ..., status_code = 2* && status_code != 204, bytes]", True),
        ("[ip, user, ..., status_code = 404 || status_code = 500, bytes]", False),
        ("[ip = %^127%, ...]", True),
        ("[ip, user, username, timestamp, request]", False),  # five fields, the event has seven
        ("[..., bytes = 1534]", True),
        ("[ip, ..., timestamp = *2000*, ...]", True),
    ],
)
def test_space_delimited_patterns_name_fields_by_position(pattern: str, matches: bool) -> None:
    assert compile_pattern(pattern)(APACHE) is matches


def test_quotes_and_brackets_hold_one_field_each() -> None:
    assert split_fields(APACHE) == [
        "127.0.0.1",
        "-",
        "frank",
        "10/Oct/2000:13:25:15 -0700",
        "GET /apache_pb.gif HTTP/1.0",
        "200",
        "1534",
    ]
    assert split_fields('  a  "b c  " [d]e  ') == ["a", "b c  ", "d", "e"]


CLOUDTRAIL = json.dumps(
    {
        "eventType": "UpdateTrail",
        "sourceIPAddress": "123.123.123.123",
        "arrayKey": ["value", "another value"],
        "objectList": [{"name": "a", "id": 1}, {"name": "b", "id": 2}],
        "SomeObject": None,
        "ThisFlag": True,
        "bandwidth": 75.5,
        "errorCode": "Client.UnauthorizedOperation",
    }
)


@pytest.mark.parametrize(
    ("pattern", "matches"),
    [
        ('{ $.eventType = "UpdateTrail" }', True),
        ("{ $.sourceIPAddress != 123.123.* }", False),
        ('{ $.arrayKey[0] = "value" }', True),
        ("{ $.objectList[1].id = 2 }", True),
        ("{ $.objectList[2].id = 2 }", False),
        ("{ $.SomeObject IS NULL }", True),
        ("{ $.SomeOtherObject NOT EXISTS }", True),
        ("{ $.ThisFlag IS TRUE }", True),
        ("{ $.ThisFlag IS FALSE }", False),
        ('{ $.errorCode = "*UnauthorizedOperation" || $.errorCode = "AccessDenied*" }', True),
        ("{ $.bandwidth > 75 && $.bandwidth <= 75.5 }", True),
        ('{ ($.objectList[0].id = 2 && $.eventType = "x") || $.arrayKey[1] = "another*" }', True),
        ("{ $.eventType = %Trail$% }", True),
        ("{ $.bandwidth = 7* }", True),  # a wildcard reads a number's text
        ("{ $.missing != 1 }", False),  # nothing there: no comparison holds
    ],
)
def test_the_json_examples_of_aws_docs(pattern: str, matches: bool) -> None:
    assert compile_pattern(pattern)(CLOUDTRAIL) is matches


def test_a_json_pattern_does_not_match_what_is_not_json() -> None:
    assert compile_pattern('{ $.a = "b" }')('a = "b"') is False


@pytest.mark.parametrize(
    "pattern",
    [
        "user:root(",
        '"unclosed',
        "{ $.a = 1",
        "{ }",
        '{ $.a > "x" }',
        "{ a = 1 }",
        "{ $.a IS MAYBE }",
        "{ $.a NOT THERE }",
        "{ ($.a = 1 }",
        "[a, a]",
        "[a, b = ]",
        "[a, b = 1 && c = 2]",
        "%(group)%",
        "%é%",
        "{ $.a = %x% && $.b = %y% && $.c = %z% }",
        "[a = 1 2]",
    ],
)
def test_patterns_aws_would_refuse_are_refused(pattern: str) -> None:
    with pytest.raises(PatternError):
        compile_pattern(pattern)


# -- properties -------------------------------------------------------------------------------


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=60), st.text(max_size=80))
def test_any_text_either_compiles_or_is_refused_and_matching_never_fails(
    pattern: str, message: str
) -> None:
    try:
        matches = compile_pattern(pattern)
    except PatternError:
        return
    assert matches(message) in (True, False)


_WORDS = st.text(alphabet="abcXYZ019", min_size=1, max_size=4)
_SEPARATORS = st.sampled_from([" ", "-", ".", ":", "[", "]", "_", "/", "  "])


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.tuples(_WORDS, _SEPARATORS), max_size=8),
    st.lists(st.tuples(st.sampled_from(["", "-", "?"]), _WORDS), min_size=1, max_size=4),
)
def test_terms_match_whole_words_as_a_word_set_model_says(
    parts: list[tuple[str, str]], terms: list[tuple[str, str]]
) -> None:
    message = "".join(word + sep for word, sep in parts)
    words = set(re.findall(r"[^\W_]+", message))
    required = [t for s, t in terms if s == ""]
    excluded = [t for s, t in terms if s == "-"]
    optional = [t for s, t in terms if s == "?"]
    expected = (
        all(t in words for t in required)
        and not any(t in words for t in excluded)
        and (not optional or any(t in words for t in optional))
    )
    pattern = " ".join(sign + term for sign, term in terms)
    assert compile_pattern(pattern)(message) is expected


_OPS: dict[str, Callable[[float, float], bool]] = {
    "=": operator.eq,
    "!=": operator.ne,
    "<": operator.lt,
    ">": operator.gt,
    "<=": operator.le,
    ">=": operator.ge,
}
_NUMBERS = st.one_of(
    st.integers(-50, 50), st.floats(-50, 50, allow_nan=False).map(lambda f: round(f, 2))
)


def _conditions(depth: int) -> st.SearchStrategy[Any]:
    leaf = st.tuples(st.sampled_from("abc"), st.sampled_from(sorted(_OPS)), _NUMBERS)
    if depth == 0:
        return leaf
    inner = _conditions(depth - 1)
    return st.one_of(
        leaf, st.tuples(st.sampled_from(["&&", "||"]), st.lists(inner, min_size=2, max_size=3))
    )


def _render(node: Any) -> str:
    if len(node) == 3:
        key, op, value = node
        return f"$.{key} {op} {value}"
    joiner, parts = node
    return "(" + f" {joiner} ".join(_render(p) for p in parts) + ")"


def _model(node: Any, doc: dict[str, float]) -> bool:
    if len(node) == 3:
        key, op, value = node
        return key in doc and _OPS[op](doc[key], value)
    joiner, parts = node
    results = [_model(p, doc) for p in parts]
    return all(results) if joiner == "&&" else any(results)


@settings(max_examples=300, deadline=None)
@given(_conditions(2), st.dictionaries(st.sampled_from("abc"), _NUMBERS))
def test_json_numeric_conditions_combine_as_boolean_logic_says(
    node: Any, doc: dict[str, float]
) -> None:
    pattern = "{ " + _render(node) + " }"
    assert compile_pattern(pattern)(json.dumps(doc)) is _model(node, doc)


@settings(max_examples=300, deadline=None)
@given(
    _conditions(0),
    _conditions(0),
    _conditions(0),
    st.dictionaries(st.sampled_from("abc"), _NUMBERS),
)
def test_and_binds_tighter_than_or(x: Any, y: Any, z: Any, doc: dict[str, float]) -> None:
    pattern = "{ " + f"{_render(x)} || {_render(y)} && {_render(z)}" + " }"
    expected = _model(x, doc) or (_model(y, doc) and _model(z, doc))
    assert compile_pattern(pattern)(json.dumps(doc)) is expected


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.text(alphabet="abc123", min_size=1, max_size=3), max_size=6),
    st.lists(st.sampled_from(["name", "..."]), min_size=1, max_size=5),
)
def test_delimited_patterns_line_fields_up_as_counting_says(
    fields: list[str], shape: list[str]
) -> None:
    named = [f"f{i}" if kind == "name" else "..." for i, kind in enumerate(shape)]
    names = sum(1 for kind in shape if kind == "name")
    expected = len(fields) >= names if "..." in shape else len(fields) == names
    pattern = "[" + ", ".join(named) + "]"
    assert compile_pattern(pattern)(" ".join(fields)) is expected


@settings(max_examples=200, deadline=None)
@given(st.lists(st.integers(0, 999), min_size=1, max_size=6), st.data())
def test_a_delimited_condition_reads_its_fields_value(
    values: list[int], data: st.DataObject
) -> None:
    position = data.draw(st.integers(0, len(values) - 1))
    op = data.draw(st.sampled_from(sorted(_OPS)))
    bound = data.draw(st.integers(0, 999))
    named = [f"f{i}" for i in range(len(values))]
    named[position] = f"f{position} {op} {bound}"
    pattern = "[" + ", ".join(named) + "]"
    expected = _OPS[op](values[position], bound)
    assert compile_pattern(pattern)(" ".join(map(str, values))) is expected
