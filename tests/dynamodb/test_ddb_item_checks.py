"""Item requests through a real server: what AWS refuses before touching an item (a table
name no table can have; an ordering comparison given a list or a map) and the legacy
AttributeUpdates' ADD/DELETE on an attribute of another type."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from botocore.exceptions import ClientError


def refusal(exc: pytest.ExceptionInfo[ClientError]) -> tuple[str, str]:
    err = exc.value.response["Error"]
    return err["Code"], err["Message"]


@pytest.mark.parametrize(
    ("table", "constraint"),
    [
        ("bad!name", "Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+"),
        ("ab", "Member must have length greater than or equal to 3"),
    ],
)
def test_impossible_table_name_is_a_validation_error(ddb: Any, table: str, constraint: str) -> None:
    # Not ResourceNotFoundException: AWS checks the name against the model first.
    with pytest.raises(ClientError) as exc:
        ddb.put_item(TableName=table, Item={"pk": {"S": "x"}})
    assert refusal(exc) == (
        "ValidationException",
        f"1 validation error detected: Value '{table}' at 'tableName' failed to satisfy"
        f" constraint: {constraint}",
    )
    with pytest.raises(ClientError) as exc:
        ddb.get_item(TableName=table, Key={"pk": {"S": "x"}})
    assert refusal(exc)[0] == "ValidationException"


def _violation(member: str, value: str, constraint: str) -> str:
    return f"Value '{value}' at '{member}' failed to satisfy constraint: Member must {constraint}"


CAPACITY = "satisfy enum value set: [INDEXES, TOTAL, NONE]"
PATTERN = "satisfy regular expression pattern: [a-zA-Z0-9_.-]+"


def test_every_constraint_a_request_breaks_is_listed_in_dynamodbs_order(server: Any) -> None:
    """One ValidationException naming them all, in the order DynamoDB's validator lists them
    (not the model's), before the table is looked up or anything else is judged."""
    from botocore.config import Config

    raw = server.client("dynamodb", config=Config(parameter_validation=False))
    with pytest.raises(ClientError) as exc:
        raw.put_item(
            TableName="a;",
            Item={"pk": {"S": "x"}},
            ReturnValues="hi",
            ReturnConsumedCapacity="hi",
            ReturnItemCollectionMetrics="hi",
            ConditionalOperator="hi",
        )
    listed = [
        _violation("returnConsumedCapacity", "hi", CAPACITY),
        _violation("tableName", "a;", PATTERN),
        _violation("tableName", "a;", "have length greater than or equal to 3"),
        _violation("conditionalOperator", "hi", "satisfy enum value set: [OR, AND]"),
        _violation(
            "returnValues",
            "hi",
            "satisfy enum value set: [ALL_NEW, UPDATED_OLD, ALL_OLD, NONE, UPDATED_NEW]",
        ),
        _violation("returnItemCollectionMetrics", "hi", "satisfy enum value set: [SIZE, NONE]"),
    ]
    assert refusal(exc) == (
        "ValidationException",
        "6 validation errors detected: " + "; ".join(listed),
    )
    with pytest.raises(ClientError) as exc:
        raw.scan(TableName="abc", Segment=-1, TotalSegments=0, Limit=0)
    listed = [
        _violation("totalSegments", "0", "have value greater than or equal to 1"),
        _violation("segment", "-1", "have value greater than or equal to 0"),
        _violation("limit", "0", "have value greater than or equal to 1"),
    ]
    assert refusal(exc) == (
        "ValidationException",
        "3 validation errors detected: " + "; ".join(listed),
    )
    with pytest.raises(ClientError) as exc:
        raw.get_item(
            TableName="abc", Key={"pk": {"S": "x"}}, AttributesToGet=[], ReturnConsumedCapacity="x"
        )
    assert refusal(exc)[1] == "2 validation errors detected: " + "; ".join(
        [
            _violation("returnConsumedCapacity", "x", CAPACITY),
            _violation("attributesToGet", "[]", "have length greater than or equal to 1"),
        ]
    )


def test_missing_table_with_a_valid_name_is_still_not_found(ddb: Any) -> None:
    """In the item operations' words, which do not name the table (the table operations'
    do): {"__type": "...#ResourceNotFoundException", "message": "Requested resource not
    found"}, as AWS answers a PutItem to a missing table."""
    key = {"pk": {"S": "x"}}
    calls: list[tuple[Callable[..., Any], dict[str, Any]]] = [
        (ddb.put_item, {"Item": key}),
        (ddb.get_item, {"Key": key}),
        (ddb.delete_item, {"Key": key}),
        (ddb.update_item, {"Key": key, "UpdateExpression": "SET a = :a",
                           "ExpressionAttributeValues": {":a": {"S": "v"}}}),
        (ddb.query, {"KeyConditionExpression": "pk = :p",
                     "ExpressionAttributeValues": {":p": {"S": "x"}}}),
        (ddb.scan, {}),
    ]  # fmt: skip
    for call, kw in calls:
        with pytest.raises(ClientError) as exc:
            call(TableName="no_such_table", **kw)
        assert refusal(exc) == ("ResourceNotFoundException", "Requested resource not found")


@pytest.mark.parametrize(
    ("condition", "values", "message"),
    [
        ("n < :v", {":v": {"L": [{"N": "1"}]}}, "operator or function: <, operand type: L"),
        (":v >= n", {":v": {"M": {}}}, "operator or function: >=, operand type: M"),
        ("n <= :v", {":v": {"SS": ["a"]}}, "operator or function: <=, operand type: SS"),
        (
            "n BETWEEN :lo AND :hi",
            {":lo": {"BOOL": True}, ":hi": {"BOOL": True}},
            "operator or function: BETWEEN, operand type: BOOL",
        ),
    ],
)
def test_ordering_a_value_that_has_no_order_is_refused(
    ddb: Any,
    make_table: Callable[..., str],
    condition: str,
    values: dict[str, Any],
    message: str,
) -> None:
    name = make_table()
    ddb.put_item(TableName=name, Item={"pk": {"S": "k"}, "n": {"N": "1"}})
    with pytest.raises(ClientError) as exc:
        ddb.put_item(
            TableName=name,
            Item={"pk": {"S": "k"}},
            ConditionExpression=condition,
            ExpressionAttributeValues=values,
        )
    assert refusal(exc) == (
        "ValidationException",
        "Invalid ConditionExpression: Incorrect operand type for operator or function; " + message,
    )


def test_ordering_an_item_list_is_only_false(ddb: Any, make_table: Callable[..., str]) -> None:
    # The same comparison with the list read from the item is a failed condition.
    name = make_table()
    ddb.put_item(TableName=name, Item={"pk": {"S": "k"}, "l": {"L": [{"N": "1"}]}})
    with pytest.raises(ClientError) as exc:
        ddb.put_item(
            TableName=name,
            Item={"pk": {"S": "k"}},
            ConditionExpression="l < :v",
            ExpressionAttributeValues={":v": {"N": "5"}},
        )
    assert refusal(exc)[0] == "ConditionalCheckFailedException"


def _update(ddb: Any, name: str, action: str, value: dict[str, Any]) -> None:
    ddb.update_item(
        TableName=name,
        Key={"pk": {"S": "k"}},
        AttributeUpdates={"a": {"Action": action, "Value": value}},
    )


@pytest.mark.parametrize(
    ("stored", "action", "value"),
    [
        ({"NS": ["1"]}, "DELETE", {"SS": ["x"]}),
        ({"S": "x"}, "DELETE", {"NS": ["1"]}),
        ({"SS": ["x"]}, "ADD", {"N": "2"}),
        ({"SS": ["x"]}, "ADD", {"L": [{"S": "y"}]}),
        ({"L": [{"S": "x"}]}, "ADD", {"SS": ["y"]}),
        ({"N": "2"}, "ADD", {"L": [{"S": "y"}]}),
    ],
)
def test_attribute_updates_type_mismatch(
    ddb: Any,
    make_table: Callable[..., str],
    stored: dict[str, Any],
    action: str,
    value: dict[str, Any],
) -> None:
    name = make_table()
    ddb.put_item(TableName=name, Item={"pk": {"S": "k"}, "a": stored})
    with pytest.raises(ClientError) as exc:
        _update(ddb, name, action, value)
    assert refusal(exc) == ("ValidationException", "Type mismatch for attribute to update")


def test_attribute_updates_add_appends_lists(ddb: Any, make_table: Callable[..., str]) -> None:
    name = make_table()
    _update(ddb, name, "ADD", {"L": [{"N": "1"}]})
    _update(ddb, name, "ADD", {"L": [{"S": "two"}, {"N": "1"}]})
    item = ddb.get_item(TableName=name, Key={"pk": {"S": "k"}}, ConsistentRead=True)["Item"]
    assert item["a"] == {"L": [{"N": "1"}, {"S": "two"}, {"N": "1"}]}


def _conditional_put(
    ddb: Any, name: str, condition: str, values: dict[str, Any], names: dict[str, str] | None = None
) -> None:
    extra = {} if names is None else {"ExpressionAttributeNames": names}
    ddb.put_item(
        TableName=name,
        Item={"pk": {"S": "k"}},
        ConditionExpression=condition,
        ExpressionAttributeValues=values,
        **extra,
    )


def test_in_takes_at_most_a_hundred_values(ddb: Any, make_table: Callable[..., str]) -> None:
    name = make_table()
    ddb.put_item(TableName=name, Item={"pk": {"S": "k"}, "n": {"N": "7"}})
    hundred = {f":v{i}": {"N": str(i)} for i in range(100)}
    _conditional_put(ddb, name, f"n IN ({', '.join(hundred)})", hundred)
    more = {**hundred, ":v100": {"N": "100"}}
    with pytest.raises(ClientError) as exc:
        _conditional_put(ddb, name, f"n IN ({', '.join(more)})", more)
    assert refusal(exc) == (
        "ValidationException",
        "Invalid ConditionExpression: The IN operator is provided with too many operands;"
        " number of operands: 101",
    )


@pytest.mark.parametrize(
    ("condition", "operator"),
    [("n BETWEEN :v AND n", "BETWEEN"), ("n IN (:v, n)", "IN")],
)
def test_between_and_in_refuse_their_first_path_again(
    ddb: Any, make_table: Callable[..., str], condition: str, operator: str
) -> None:
    name = make_table()
    with pytest.raises(ClientError) as exc:
        _conditional_put(ddb, name, condition, {":v": {"N": "1"}})
    assert refusal(exc) == (
        "ValidationException",
        "Invalid ConditionExpression: The first operand must be distinct from the remaining"
        f" operands for this operator or function; operator: {operator}, first operand: [n]",
    )


def test_empty_expression_attribute_name_is_refused(
    ddb: Any, make_table: Callable[..., str]
) -> None:
    name = make_table()
    with pytest.raises(ClientError) as exc:
        _conditional_put(ddb, name, "#n = :v", {":v": {"N": "1"}}, names={"#n": ""})
    assert refusal(exc) == (
        "ValidationException",
        "ExpressionAttributeNames contains invalid value: Empty attribute name for key #n",
    )


NAME_TOO_LARGE = (
    "1 validation error detected: Attribute name is too large, must be less than 65536 bytes"
)


def test_attribute_names_up_to_65535_bytes(ddb: Any, make_table: Callable[..., str]) -> None:
    name = make_table()
    longest = "n" * 65535
    ddb.put_item(TableName=name, Item={"pk": {"S": "k"}, longest: {"M": {longest: {"N": "1"}}}})
    ddb.update_item(
        TableName=name,
        Key={"pk": {"S": "k"}},
        UpdateExpression="SET #n.#n = :v",
        ConditionExpression="attribute_exists(#n)",
        ExpressionAttributeNames={"#n": longest},
        ExpressionAttributeValues={":v": {"N": "2"}},
    )
    item = ddb.get_item(TableName=name, Key={"pk": {"S": "k"}}, AttributesToGet=[longest])
    assert item["Item"] == {longest: {"M": {longest: {"N": "2"}}}}


def _too_long_name_requests(ddb: Any, name: str) -> list[Callable[[], Any]]:
    key = {"pk": {"S": "k"}}
    big = "n" * 65536
    return [
        lambda: ddb.put_item(TableName=name, Item={**key, big: {"N": "1"}}),
        lambda: ddb.put_item(TableName=name, Item={**key, "m": {"M": {big: {"N": "1"}}}}),
        lambda: ddb.update_item(
            TableName=name, Key=key, AttributeUpdates={big: {"Value": {"N": "1"}}}
        ),
        lambda: ddb.update_item(
            TableName=name,
            Key=key,
            UpdateExpression="SET m = :v",
            ExpressionAttributeValues={":v": {"L": [{"M": {big: {"N": "1"}}}]}},
        ),
        lambda: ddb.update_item(
            TableName=name,
            Key=key,
            UpdateExpression="SET #n = :v",
            ExpressionAttributeNames={"#n": big},
            ExpressionAttributeValues={":v": {"N": "1"}},
        ),
        lambda: ddb.get_item(
            TableName=name, Key=key, ProjectionExpression="#n", ExpressionAttributeNames={"#n": big}
        ),
        lambda: ddb.get_item(TableName=name, Key=key, AttributesToGet=[big]),
    ]


@pytest.mark.parametrize("which", range(7))
def test_attribute_name_of_65536_bytes_is_refused(
    ddb: Any, make_table: Callable[..., str], which: int
) -> None:
    name = make_table()
    with pytest.raises(ClientError) as exc:
        _too_long_name_requests(ddb, name)[which]()
    assert refusal(exc) == ("ValidationException", NAME_TOO_LARGE)
    assert "Item" not in ddb.get_item(TableName=name, Key={"pk": {"S": "k"}})


@pytest.mark.parametrize(
    "condition",
    [
        "a < b" + " OR (a < b" * 149 + ")" * 149,  # 299 operators, 149 parentheses deep
        "NOT " * 298 + "a < b",
    ],
)
def test_deep_conditions_within_the_operator_limit_are_evaluated(
    ddb: Any, make_table: Callable[..., str], condition: str
) -> None:
    name = make_table()
    ddb.put_item(TableName=name, Item={"pk": {"S": "k"}, "a": {"N": "1"}, "b": {"N": "2"}})
    ddb.put_item(TableName=name, Item={"pk": {"S": "k"}}, ConditionExpression=condition)
    assert ddb.get_item(TableName=name, Key={"pk": {"S": "k"}})["Item"] == {"pk": {"S": "k"}}


@pytest.mark.parametrize(
    "condition",
    ["a < b" + " OR (a < b" * 200 + ")" * 200, "a < b" + " OR a < b" * 300, "NOT " * 301 + "a < b"],
)
def test_more_than_300_operators_are_refused(
    ddb: Any, make_table: Callable[..., str], condition: str
) -> None:
    name = make_table()
    with pytest.raises(ClientError) as exc:
        ddb.put_item(TableName=name, Item={"pk": {"S": "k"}}, ConditionExpression=condition)
    assert refusal(exc) == (
        "ValidationException",
        "Invalid ConditionExpression: The expression contains too many operators;"
        " operator count: 301",
    )


@pytest.mark.parametrize(
    "condition",
    ["(" * 2000 + "a < b" + ")" * 2000, "(" * 4000, "a < " + "size(" * 700 + "b" + ")" * 700],
)
def test_deep_nesting_is_a_validation_error_not_a_crash(
    ddb: Any, make_table: Callable[..., str], condition: str
) -> None:
    name = make_table()
    with pytest.raises(ClientError) as exc:
        ddb.put_item(TableName=name, Item={"pk": {"S": "k"}}, ConditionExpression=condition)
    code, message = refusal(exc)
    assert code == "ValidationException"
    assert message.startswith("Invalid ConditionExpression: ")


def test_document_paths_nest_at_most_32_deep(ddb: Any, make_table: Callable[..., str]) -> None:
    name = make_table()
    deepest = "a" + ".b" * 30 + "[0]"  # 32 steps
    ddb.get_item(TableName=name, Key={"pk": {"S": "k"}}, ProjectionExpression=deepest)
    for expression, parameter in [
        ({"ProjectionExpression": deepest + ".c"}, "ProjectionExpression"),
        (
            {
                "UpdateExpression": f"SET {deepest}[1] = :v",
                "ExpressionAttributeValues": {":v": {"N": "1"}},
            },
            "UpdateExpression",
        ),
    ]:
        call = ddb.get_item if "ProjectionExpression" in expression else ddb.update_item
        with pytest.raises(ClientError) as exc:
            call(TableName=name, Key={"pk": {"S": "k"}}, **expression)
        assert refusal(exc) == (
            "ValidationException",
            f"Invalid {parameter}: The document path has too many nesting levels;"
            " nesting levels: 33",
        )


def test_placeholders_are_at_most_255_bytes(ddb: Any, make_table: Callable[..., str]) -> None:
    name = make_table()
    key = {"pk": {"S": "k"}}
    longest_name, longest_value = "#" + "n" * 254, ":" + "v" * 254
    ddb.update_item(
        TableName=name,
        Key=key,
        UpdateExpression=f"SET {longest_name} = {longest_value}",
        ExpressionAttributeNames={longest_name: "a"},
        ExpressionAttributeValues={longest_value: {"N": "1"}},
    )
    with pytest.raises(ClientError) as exc:
        ddb.update_item(
            TableName=name,
            Key=key,
            UpdateExpression=f"SET {longest_name}n = :v",
            ExpressionAttributeNames={longest_name + "n": "a"},
            ExpressionAttributeValues={":v": {"N": "1"}},
        )
    assert refusal(exc) == (
        "ValidationException",
        "ExpressionAttributeNames contains invalid key: The expression attribute map contains"
        " a key that is too long; size of key: 256",
    )
    with pytest.raises(ClientError) as exc:
        ddb.update_item(
            TableName=name,
            Key=key,
            UpdateExpression=f"SET a = {longest_value}v",
            ExpressionAttributeValues={longest_value + "v": {"N": "1"}},
        )
    assert refusal(exc) == (
        "ValidationException",
        "ExpressionAttributeValues contains invalid key: The expression attribute map contains"
        " a key that is too long; size of key: 256",
    )


SCALARS = (
    "Key attributes must be scalars; list random access '[]' and map lookup '.' are not allowed: "
)


def test_projections_and_filters_may_not_reach_into_key_attributes(
    ddb: Any, make_table: Callable[..., str]
) -> None:
    """DynamoDB refuses a document path into a key attribute of the table ("Key: pk") or of
    one of its indexes ("IndexKey: g"), in GetItem's projection and in Query's and Scan's
    projections and filters."""
    gsi = {
        "IndexName": "by_g",
        "KeySchema": [{"AttributeName": "g", "KeyType": "HASH"}],
        "Projection": {"ProjectionType": "ALL"},
    }
    name = make_table(ExtraAttributes=[("g", "S")], GlobalSecondaryIndexes=[gsi])
    get = {"Key": {"pk": {"S": "x"}}, "ExpressionAttributeNames": {"#k": "pk"}}
    refused = [
        (ddb.get_item, {**get, "ProjectionExpression": "#k.b"}, "Key: pk"),
        (ddb.get_item, {**get, "ProjectionExpression": "#k[0]"}, "Key: pk"),
        (ddb.scan, {"FilterExpression": "attribute_exists(pk.b.c)"}, "Key: pk"),
        (ddb.scan, {"ProjectionExpression": "g[1]"}, "IndexKey: g"),
        (ddb.query, {"KeyConditionExpression": "pk = :p", "FilterExpression": "g.c = :p",
                     "ExpressionAttributeValues": {":p": {"S": "x"}}}, "IndexKey: g"),
    ]  # fmt: skip
    for call, kw, named in refused:
        with pytest.raises(ClientError) as exc:
            call(TableName=name, **kw)
        assert refusal(exc) == ("ValidationException", SCALARS + named)
    # A path into any other attribute, and a key attribute read whole, are fine.
    found = ddb.scan(
        TableName=name, FilterExpression="attribute_exists(m.b)", ProjectionExpression="pk, g"
    )
    assert found["Count"] == 0
