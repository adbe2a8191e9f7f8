"""The legacy parameters (Expected, QueryFilter/ScanFilter, KeyConditions, AttributeUpdates,
AttributesToGet) as the expression AST, checked by evaluating the AST on items: the answers
are AWS's as ScyllaDB Alternator's test_expected.py records them."""

from __future__ import annotations

import re
from typing import Any

import pytest

from ownstack.core.errors import ServiceError
from ownstack.services.dynamodb import values
from ownstack.services.dynamodb.expr import legacy
from ownstack.services.dynamodb.expr.ast import (
    Add,
    Delete,
    Item,
    Literal,
    Projection,
    Remove,
    Set,
)
from ownstack.services.dynamodb.expr.evaluate import evaluate


@pytest.fixture(autouse=True)
def _values_checked(monkeypatch: pytest.MonkeyPatch) -> None:
    """values.check_value is another helper's; until it exists, values pass through as given."""
    try:
        values.check_value({"S": "x"}, parameter="Expected")
    except NotImplementedError:
        target = "ownstack.services.dynamodb.expr.legacy.check_value"
        monkeypatch.setattr(target, lambda value, *, parameter: value)


def refused(message: str) -> Any:
    """pytest.raises for a ValidationException with exactly this message."""
    return pytest.raises(ServiceError, match="^ValidationException: " + re.escape(message) + "$")


ITEM: Item = {
    "p": {"S": "k"},
    "a": {"N": "1"},
    "s": {"S": "hello"},
    "b": {"B": b"hi there"},
    "ns": {"NS": ["2", "4", "7"]},
    "l": {"L": [{"N": "2"}, {"N": "4"}]},
    "nul": {"NULL": True},
}


def expected(entries: dict[str, Any], operator: str | None = None) -> bool:
    condition = legacy.expected_condition(entries, operator)
    assert condition is not None
    return evaluate(condition, ITEM)


def op(name: str, *values: dict[str, Any]) -> dict[str, Any]:
    return {"ComparisonOperator": name, "AttributeValueList": list(values)}


# -- Expected: Value / Exists ----------------------------------------------------------------------


def test_value_means_equal_and_missing_is_false() -> None:
    assert expected({"a": {"Value": {"N": "1.0"}}})
    assert not expected({"a": {"Value": {"N": "2"}}})
    assert not expected({"zz": {"Value": {"N": "1"}}})
    assert expected({"a": {"Exists": True, "Value": {"N": "1"}}})


def test_exists_false_means_missing() -> None:
    assert expected({"zz": {"Exists": False}})
    assert not expected({"a": {"Exists": False}})
    # NULL-typed attributes exist.
    assert not expected({"nul": {"Exists": False}})


def test_expected_entry_checks_in_aws_order() -> None:
    invalid = "One or more parameter values were invalid: "
    with refused(invalid + "Value must be provided when Exists is true for Attribute: a"):
        legacy.expected_condition({"a": {"Exists": True}}, None)
    with refused(invalid + "Value must be provided when Exists is null for Attribute: a"):
        legacy.expected_condition({"a": {}}, None)
    with refused(invalid + "Value cannot be used when Exists is false for Attribute: a"):
        legacy.expected_condition({"a": {"Exists": False, "Value": {"N": "1"}}}, None)
    with refused(
        invalid + "Exists and ComparisonOperator cannot be used together for Attribute: a"
    ):
        legacy.expected_condition({"a": {"Exists": False, **op("EQ", {"N": "3"})}}, None)
    with refused(invalid + "Value and AttributeValueList cannot be used together for Attribute: a"):
        legacy.expected_condition({"a": {"Value": {"N": "3"}, **op("EQ", {"N": "3"})}}, None)
    with refused(
        invalid + "AttributeValueList can only be used with a ComparisonOperator for Attribute: a"
    ):
        legacy.expected_condition({"a": {"AttributeValueList": [{"N": "3"}]}}, None)
    with refused(
        invalid + "Value or AttributeValueList must be used with ComparisonOperator: EQ for"
        " Attribute: a"
    ):
        legacy.expected_condition({"a": {"ComparisonOperator": "EQ"}}, None)
    with refused(invalid + "ExpectedAttributeValue must not be null for Attribute: a"):
        legacy.expected_condition({"a": None}, None)


def test_value_with_comparison_operator_is_its_one_argument() -> None:
    assert expected({"a": {"ComparisonOperator": "GT", "Value": {"N": "0"}}})
    assert not expected({"a": {"ComparisonOperator": "GT", "Value": {"N": "1"}}})


def test_empty_expected_is_no_condition() -> None:
    assert legacy.expected_condition({}, None) is None


def test_conditional_operator_needs_two_conditions() -> None:
    with refused("ConditionalOperator cannot be used without Filter or Expected"):
        legacy.expected_condition({}, "OR")
    with refused(
        "ConditionalOperator can only be used when Filter or Expected has two or more elements"
    ):
        legacy.expected_condition({"a": {"Value": {"N": "1"}}}, "AND")
    with refused(
        "1 validation error detected: Value 'XOR' at 'conditionalOperator' failed to satisfy"
        " constraint: Member must satisfy enum value set: [OR, AND]"
    ):
        legacy.expected_condition({"a": {"Value": {"N": "1"}}}, "XOR")


def test_and_is_the_default_and_or_needs_one() -> None:
    entries = {
        "a": {"Exists": True, "Value": {"N": "74"}},
        "s": op("EQ", {"S": "hello"}),
        "zz": {"Exists": False},
    }
    assert not expected(entries)
    assert not expected(entries, "AND")
    assert expected(entries, "OR")
    false_entries = {"a": {"Value": {"N": "74"}}, "zz": {"Exists": True, "Value": {"N": "1"}}}
    assert not expected(false_entries, "OR")


# -- comparison operators ------------------------------------------------------------------------


def test_eq_and_ne() -> None:
    assert expected({"a": op("EQ", {"N": "1"})})
    assert not expected({"a": op("EQ", {"S": "1"})})  # another type is not equal
    assert expected({"ns": op("EQ", {"NS": ["7", "2", "4"]})})  # sets compare unordered
    assert expected({"a": op("NE", {"N": "2"})})
    assert expected({"a": op("NE", {"S": "1"})})
    assert not expected({"a": op("NE", {"N": "1"})})
    # NE on a missing attribute is true (unlike NOT_CONTAINS below).
    assert expected({"zz": op("NE", {"N": "1"})})


def test_ordering_operators() -> None:
    assert expected({"a": op("LE", {"N": "1"})})
    assert expected({"a": op("LT", {"N": "2"})})
    assert not expected({"a": op("LT", {"N": "1"})})
    assert expected({"s": op("GE", {"S": "aardvark"})})
    assert expected({"b": op("GT", {"B": b"aardvark"})})
    assert not expected({"a": op("GT", {"S": "0"})})  # another type is false, not an error
    assert not expected({"zz": op("GE", {"N": "0"})})


def test_null_and_not_null_test_existence() -> None:
    assert expected({"a": op("NOT_NULL")})
    assert expected({"nul": op("NOT_NULL")})
    assert expected({"zz": op("NULL")})
    assert not expected({"nul": op("NULL")})


def test_contains_substrings_and_members() -> None:
    assert expected({"s": op("CONTAINS", {"S": "ell"})})
    assert expected({"ns": op("CONTAINS", {"N": "4"})})
    assert expected({"l": op("CONTAINS", {"N": "4"})})
    assert expected({"b": op("CONTAINS", {"B": b"here"})})
    assert not expected({"s": op("CONTAINS", {"S": "dog"})})
    assert not expected({"zz": op("CONTAINS", {"N": "1"})})


def test_not_contains_is_false_on_a_missing_attribute() -> None:
    assert expected({"s": op("NOT_CONTAINS", {"S": "dog"})})
    assert expected({"s": op("NOT_CONTAINS", {"N": "1"})})
    assert expected({"ns": op("NOT_CONTAINS", {"N": "1"})})
    assert not expected({"ns": op("NOT_CONTAINS", {"N": "4"})})
    assert not expected({"l": op("NOT_CONTAINS", {"N": "4"})})
    assert not expected({"zz": op("NOT_CONTAINS", {"N": "1"})})


def test_begins_with_in_and_between() -> None:
    assert expected({"s": op("BEGINS_WITH", {"S": "hell"})})
    assert expected({"b": op("BEGINS_WITH", {"B": b"hi"})})
    assert not expected({"a": op("BEGINS_WITH", {"S": "1"})})
    assert expected({"a": op("IN", {"N": "3"}, {"N": "1"})})
    assert not expected({"ns": op("IN", {"N": "2"})})  # IN is not set membership
    assert expected({"a": op("BETWEEN", {"N": "1"}, {"N": "3"})})
    assert expected({"s": op("BETWEEN", {"S": "a"}, {"S": "z"})})
    assert not expected({"zz": op("BETWEEN", {"N": "0"}, {"N": "100"})})


@pytest.mark.parametrize(
    ("name", "values"),
    [
        ("EQ", []),
        ("EQ", [{"N": "1"}, {"N": "2"}]),
        ("NE", [{"N": "1"}, {"N": "2"}]),
        ("LT", [{"N": "1"}, {"N": "2"}]),
        ("CONTAINS", []),
        ("NOT_CONTAINS", [{"N": "1"}, {"N": "2"}]),
        ("BEGINS_WITH", [{"S": "a"}, {"S": "b"}]),
        ("NULL", [{"N": "1"}]),
        ("NOT_NULL", [{"N": "1"}]),
        ("IN", []),
        ("BETWEEN", [{"N": "1"}]),
        ("BETWEEN", [{"N": "1"}, {"N": "2"}, {"N": "3"}]),
    ],
)
def test_argument_counts(name: str, values: list[dict[str, Any]]) -> None:
    with refused(
        "One or more parameter values were invalid: Invalid number of argument(s) for the"
        f" {name} ComparisonOperator"
    ):
        legacy.filter_condition({"a": op(name, *values)}, None)


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("LT", {"SS": ["a"]}),
        ("GE", {"BOOL": True}),
        ("IN", {"L": []}),
        ("BETWEEN", {"NS": ["1"]}),
        ("BEGINS_WITH", {"N": "1"}),
        ("CONTAINS", {"L": [{"N": "1"}]}),
        ("NOT_CONTAINS", {"SS": ["a"]}),
    ],
)
def test_value_types_per_operator(name: str, value: dict[str, Any]) -> None:
    count = 2 if name == "BETWEEN" else 1
    kind = next(iter(value))
    with refused(
        f"One or more parameter values were invalid: ComparisonOperator {name} is not valid for"
        f" {kind} AttributeValue type"
    ):
        legacy.filter_condition({"a": op(name, *[value] * count)}, None)


def test_any_type_for_eq_and_scalars_or_bool_for_contains() -> None:
    assert legacy.filter_condition({"a": op("EQ", {"L": []})}, None) is not None
    assert legacy.filter_condition({"a": op("CONTAINS", {"BOOL": True})}, None) is not None


def test_values_of_one_type_and_between_in_order() -> None:
    with refused(
        "One or more parameter values were invalid: AttributeValues inside AttributeValueList"
        " must be of same type"
    ):
        legacy.filter_condition({"a": op("IN", {"N": "3"}, {"S": "dog"})}, None)
    with refused(
        "The BETWEEN condition was provided a range where the lower bound is greater than the"
        " upper bound"
    ):
        legacy.expected_condition({"a": op("BETWEEN", {"N": "10"}, {"N": "9"})}, None)
    legacy.filter_condition({"a": op("BETWEEN", {"N": "9"}, {"N": "10"})}, None)


def test_unknown_or_missing_comparison_operator() -> None:
    with refused(
        "1 validation error detected: Value 'eq' at 'scanFilter.a.member.comparisonOperator'"
        " failed to satisfy constraint: Member must satisfy enum value set: [IN, NULL, BETWEEN,"
        " LT, NOT_CONTAINS, EQ, GT, NOT_NULL, NE, LE, BEGINS_WITH, GE, CONTAINS]"
    ):
        legacy.filter_condition({"a": op("eq", {"N": "1"})}, None, parameter="ScanFilter")
    with refused(
        "1 validation error detected: Value null at 'queryFilter.a.member.comparisonOperator'"
        " failed to satisfy constraint: Member must not be null"
    ):
        legacy.filter_condition({"a": {"AttributeValueList": [{"N": "1"}]}}, None)
    with refused("The filter condition for an attribute cannot be null"):
        legacy.filter_condition({"a": None}, None)


def test_filter_with_or() -> None:
    condition = legacy.filter_condition(
        {"a": op("EQ", {"N": "5"}), "s": op("BEGINS_WITH", {"S": "he"})}, "OR"
    )
    assert condition is not None and evaluate(condition, ITEM)
    assert legacy.filter_condition({}, None) is None


# -- KeyConditions ---------------------------------------------------------------------------------


def test_key_conditions_are_validated_as_legacy_conditions() -> None:
    with refused("Conditions can be of length 1 or 2 only"):
        legacy.key_conditions({})
    three = {n: op("EQ", {"S": "x"}) for n in "abc"}
    with refused("Conditions can be of length 1 or 2 only"):
        legacy.key_conditions(three)
    with refused(
        "One or more parameter values were invalid: ComparisonOperator BEGINS_WITH is not valid"
        " for N AttributeValue type"
    ):
        legacy.key_conditions({"p": op("EQ", {"S": "k"}), "c": op("BEGINS_WITH", {"N": "3"})})


# -- AttributeUpdates -----------------------------------------------------------------------------


def test_attribute_updates_actions() -> None:
    update = legacy.attribute_updates(
        {
            "put": {"Value": {"S": "x"}},
            "put2": {"Action": "PUT", "Value": {"N": "2"}},
            "gone": {"Action": "DELETE"},
            "less": {"Action": "DELETE", "Value": {"SS": ["a"]}},
            "more": {"Action": "ADD", "Value": {"N": "1"}},
            "list": {"Action": "ADD", "Value": {"L": [{"S": "z"}]}},
        }
    )
    assert update.actions == (
        Set(("put",), Literal({"S": "x"})),
        Set(("put2",), Literal({"N": "2"})),
        Remove(("gone",)),
        Delete(("less",), Literal({"SS": ["a"]})),
        Add(("more",), Literal({"N": "1"})),
        Add(("list",), Literal({"L": [{"S": "z"}]})),
    )
    assert update.legacy


def test_attribute_updates_refusals() -> None:
    invalid = "One or more parameter values were invalid: "
    with refused(invalid + "Only DELETE action is allowed when no attribute value is specified"):
        legacy.attribute_updates({"a": {"Action": "ADD"}})
    with refused(invalid + "DELETE action with value is not supported for the type S"):
        legacy.attribute_updates({"a": {"Action": "DELETE", "Value": {"S": "x"}}})
    with refused(invalid + "ADD action is not supported for the type S"):
        legacy.attribute_updates({"a": {"Action": "ADD", "Value": {"S": "x"}}})
    with refused(
        "1 validation error detected: Value 'SET' at 'attributeUpdates.a.member.action' failed"
        " to satisfy constraint: Member must satisfy enum value set: [ADD, PUT, DELETE]"
    ):
        legacy.attribute_updates({"a": {"Action": "SET", "Value": {"S": "x"}}})


# -- AttributesToGet and mixing -------------------------------------------------------------------


def test_attributes_to_get_are_top_level_names() -> None:
    assert legacy.attributes_to_get(["a", "b.c"]) == Projection((("a",), ("b.c",)))
    with refused("One or more parameter values were invalid: Duplicate value in attribute name: a"):
        legacy.attributes_to_get(["a", "b", "a"])


def test_mixing_expression_and_legacy_parameters() -> None:
    with refused(
        "Can not use both expression and non-expression parameters in the same request:"
        " Non-expression parameters: {AttributesToGet} Expression parameters:"
        " {ProjectionExpression}"
    ):
        legacy.check_not_mixed({"AttributesToGet": ["a"], "ProjectionExpression": "a"}, "GetItem")
    with refused(
        "Can not use both expression and non-expression parameters in the same request:"
        " Non-expression parameters: {AttributeUpdates, Expected} Expression parameters:"
        " {UpdateExpression}"
    ):
        legacy.check_not_mixed(
            {"UpdateExpression": "SET a = :v", "AttributeUpdates": {}, "Expected": {}},
            "UpdateItem",
        )
    # KeyConditions goes with a FilterExpression; only KeyConditionExpression replaces it.
    legacy.check_not_mixed({"KeyConditions": {}, "FilterExpression": "a = :v"}, "Query")
    with refused(
        "Can not use both expression and non-expression parameters in the same request:"
        " Non-expression parameters: {KeyConditions} Expression parameters:"
        " {KeyConditionExpression}"
    ):
        legacy.check_not_mixed({"KeyConditions": {}, "KeyConditionExpression": "p = :v"}, "Query")
    legacy.check_not_mixed({"AttributesToGet": ["a"]}, "Scan")
