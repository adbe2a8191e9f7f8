"""PartiQL statement text -> statements over the expression AST, and AST -> expression text with
placeholders (pure: no server)."""

from __future__ import annotations

import re
from typing import Any

import pytest

from ownstack.core.errors import ServiceError
from ownstack.services.dynamodb.expr.ast import (
    Add,
    And,
    Arithmetic,
    Between,
    Compare,
    Function,
    In,
    Literal,
    Not,
    Or,
    PathRef,
    Remove,
    Set,
    Size,
    Update,
)
from ownstack.services.dynamodb.partiql_expr import Expressions, split_key
from ownstack.services.dynamodb.partiql_parse import (
    DeleteStatement,
    Exists,
    Insert,
    Select,
    UpdateStatement,
    parse_statement,
)


def refused(message: str) -> Any:
    return pytest.raises(ServiceError, match="^ValidationException: " + re.escape(message) + "$")


def test_select_shapes() -> None:
    parsed = parse_statement(
        'SELECT a, "b c".d[2] FROM "t"."idx" WHERE k = \'x\' AND NOT n BETWEEN 1 AND -2.5'
        " ORDER BY n DESC",
        None,
    )
    assert parsed == Select(
        "t",
        "idx",
        (("a",), ("b c", "d", 2)),
        And(
            Compare("=", PathRef(("k",)), Literal({"S": "x"})),
            Not(Between(PathRef(("n",)), Literal({"N": "1"}), Literal({"N": "-2.5"}))),
        ),
        descending=True,
    )
    assert parse_statement("select * from t", None) == Select("t", None, None, None)


def test_conditions_and_precedence() -> None:
    parsed = parse_statement(
        "SELECT * FROM t WHERE a = 1 OR b IN [1, 2] AND begins_with(c, 'x')"
        " AND size(d) > 2 AND e IS NOT MISSING",
        None,
    )
    assert isinstance(parsed, Select)
    assert parsed.where == Or(
        Compare("=", PathRef(("a",)), Literal({"N": "1"})),
        And(
            And(
                And(
                    In(PathRef(("b",)), (Literal({"N": "1"}), Literal({"N": "2"}))),
                    Function("begins_with", (PathRef(("c",)), Literal({"S": "x"}))),
                ),
                Compare(">", Size(("d",)), Literal({"N": "2"})),
            ),
            Function("attribute_exists", (PathRef(("e",)),)),
        ),
    )


def test_values_and_parameters() -> None:
    parsed = parse_statement(
        "INSERT INTO \"t\" VALUE {'k': ?, 's': <<'a', 'b'>>, 'l': [TRUE, NULL, 'it''s'],"
        " 'm': {'n': 1e3}}",
        [{"B": b"\x01"}],
    )
    assert parsed == Insert(
        "t",
        {
            "k": {"B": b"\x01"},
            "s": {"SS": ["a", "b"]},
            "l": {"L": [{"BOOL": True}, {"NULL": True}, {"S": "it's"}]},
            "m": {"M": {"n": {"N": "1e3"}}},
        },
    )


def test_update_delete_and_exists() -> None:
    parsed = parse_statement(
        "UPDATE t SET a = a + 1, s = set_add(s, <<1>>) REMOVE b WHERE k = 1 RETURNING MODIFIED"
        " NEW *",
        None,
    )
    where = Compare("=", PathRef(("k",)), Literal({"N": "1"}))
    assert parsed == UpdateStatement(
        "t",
        (
            Set(("a",), Arithmetic("+", PathRef(("a",)), Literal({"N": "1"}))),
            Add(("s",), Literal({"NS": ["1"]})),
            Remove(("b",)),
        ),
        where,
        "UPDATED_NEW",
    )
    assert parse_statement("DELETE FROM t WHERE k = 1", None) == DeleteStatement("t", where, None)
    assert parse_statement("EXISTS(SELECT * FROM t WHERE k = 1)", None) == Exists("t", where)


def test_refusals() -> None:
    with refused("Number of parameters in request and statement don't match."):
        parse_statement("SELECT * FROM t WHERE k = ?", None)
    with refused("Number of parameters in request and statement don't match."):
        parse_statement("SELECT * FROM t", [{"S": "x"}])
    with refused("Statement wasn't well formed, can't be processed: Unexpected keyword"):
        parse_statement("SELECT * FROM t WHERE WHERE", None)
    with refused("Statement wasn't well formed, can't be processed: Unexpected end of statement"):
        parse_statement("SELECT * FROM t WHERE k =", None)
    with refused("RETURNING is not supported in INSERT"):
        parse_statement("INSERT INTO t VALUE {'k': 1} RETURNING ALL OLD *", None)


def test_write_keys_come_from_the_where_clause() -> None:
    parsed = parse_statement("DELETE FROM t WHERE 'x' = k AND n = 2 AND v > 1", None)
    assert isinstance(parsed, DeleteStatement)
    key, rest = split_key(parsed.where, ("k", "n"), {"k": "S", "n": "N"})
    assert key == {"k": {"S": "x"}, "n": {"N": "2"}}
    assert rest == Compare(">", PathRef(("v",)), Literal({"N": "1"}))
    with refused("Where clause does not contain a mandatory equality on all key attributes"):
        split_key(parsed.where, ("k", "z"), {"k": "S", "z": "S"})


def test_expression_text_uses_placeholders_and_needed_parentheses() -> None:
    exprs = Expressions()
    condition = And(
        Or(
            Compare("=", PathRef(("a", "b", 0)), Literal({"N": "1"})),
            Not(Function("attribute_exists", (PathRef(("a",)),))),
        ),
        Compare("<>", Size(("c",)), Literal({"N": "2"})),
    )
    text = exprs.condition(condition)
    assert text == "(#n0.#n1[0] = :v0 OR NOT attribute_exists(#n0)) AND size(#n2) <> :v1"
    assert exprs.params() == {
        "ExpressionAttributeNames": {"#n0": "a", "#n1": "b", "#n2": "c"},
        "ExpressionAttributeValues": {":v0": {"N": "1"}, ":v1": {"N": "2"}},
    }
    update = Update(
        (Set(("x",), Literal({"S": "y"})), Remove(("z",)), Add(("n",), Literal({"N": "1"})))
    )
    assert Expressions().update(update) == "SET #n0 = :v0 REMOVE #n1 ADD #n2 :v1"
