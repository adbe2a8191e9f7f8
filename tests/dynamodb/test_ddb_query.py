"""Query through a real server: key conditions (expression and legacy), order, paging,
filters, Select and projections, capacity."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import boto3
import pytest
from boto3.dynamodb.conditions import Attr, Key
from botocore.exceptions import ClientError


def error(exc: pytest.ExceptionInfo[ClientError]) -> tuple[str, str]:
    err = exc.value.response["Error"]
    return err["Code"], err["Message"]


@pytest.fixture
def numbers(ddb: Any, make_table: Callable[..., str]) -> str:
    """Partition "p" with sort keys -5..14 (N), attribute v = sort % 3; partition "q" with 3."""
    name = make_table(range=("sk", "N"))
    for i in range(-5, 15):
        ddb.put_item(
            TableName=name,
            Item={"pk": {"S": "p"}, "sk": {"N": str(i)}, "v": {"N": str(i % 3)}},
        )
    for i in range(3):
        ddb.put_item(TableName=name, Item={"pk": {"S": "q"}, "sk": {"N": str(i)}})
    return name


def sort_keys(response: dict[str, Any]) -> list[int]:
    return [int(item["sk"]["N"]) for item in response["Items"]]


def query(ddb: Any, name: str, condition: str, **values: Any) -> Any:
    return ddb.query(
        TableName=name,
        KeyConditionExpression=condition,
        ExpressionAttributeValues={f":{k}": v for k, v in values.items()},
    )


def test_sort_key_conditions(ddb: Any, numbers: str) -> None:
    p = {"S": "p"}
    assert sort_keys(query(ddb, numbers, "pk = :p", p=p)) == list(range(-5, 15))
    assert sort_keys(query(ddb, numbers, "pk = :p AND sk = :s", p=p, s={"N": "3"})) == [3]
    assert sort_keys(query(ddb, numbers, "pk = :p AND sk < :s", p=p, s={"N": "-3"})) == [-5, -4]
    assert sort_keys(query(ddb, numbers, "pk = :p AND sk <= :s", p=p, s={"N": "-3"})) == [
        -5,
        -4,
        -3,
    ]
    assert sort_keys(query(ddb, numbers, "pk = :p AND sk > :s", p=p, s={"N": "12"})) == [13, 14]
    assert sort_keys(query(ddb, numbers, "pk = :p AND sk >= :s", p=p, s={"N": "12.5"})) == [
        13,
        14,
    ]
    between = query(
        ddb, numbers, "pk = :p AND sk BETWEEN :a AND :b", p=p, a={"N": "-1"}, b={"N": "1"}
    )
    assert sort_keys(between) == [-1, 0, 1]
    assert query(ddb, numbers, "pk = :p", p={"S": "nobody"})["Items"] == []


def test_begins_with_on_strings(ddb: Any, make_table: Callable[..., str]) -> None:
    name = make_table(range=("sk", "S"))
    for sk in ["a", "ab", "abc", "abd", "ac", "b", "ÿÿ", "ÿÿa", "ÿ"]:
        ddb.put_item(TableName=name, Item={"pk": {"S": "p"}, "sk": {"S": sk}})

    def prefixed(prefix: str, forward: bool = True) -> list[str]:
        response = ddb.query(
            TableName=name,
            KeyConditionExpression="pk = :p AND begins_with(sk, :x)",
            ExpressionAttributeValues={":p": {"S": "p"}, ":x": {"S": prefix}},
            ScanIndexForward=forward,
        )
        return [item["sk"]["S"] for item in response["Items"]]

    assert prefixed("ab") == ["ab", "abc", "abd"]
    assert prefixed("ab", forward=False) == ["abd", "abc", "ab"]
    assert prefixed("ÿÿ") == ["ÿÿ", "ÿÿa"]
    assert prefixed("z") == []


def test_reverse_order_and_paging(ddb: Any, numbers: str) -> None:
    seen: list[int] = []
    start: dict[str, Any] | None = None
    pages = 0
    while True:
        kwargs: dict[str, Any] = {"ExclusiveStartKey": start} if start else {}
        response = ddb.query(
            TableName=numbers,
            KeyConditionExpression="pk = :p",
            ExpressionAttributeValues={":p": {"S": "p"}},
            ScanIndexForward=False,
            Limit=6,
            **kwargs,
        )
        pages += 1
        seen.extend(sort_keys(response))
        start = response.get("LastEvaluatedKey")
        if start is None:
            break
        assert set(start) == {"pk", "sk"}
    assert seen == list(range(14, -6, -1))
    assert pages == 4  # 20 items, 6 a page: the 4th page ends the range without a key


def test_limit_counts_items_before_filter(ddb: Any, numbers: str) -> None:
    response = ddb.query(
        TableName=numbers,
        KeyConditionExpression="pk = :p",
        FilterExpression="v = :zero",
        ExpressionAttributeValues={":p": {"S": "p"}, ":zero": {"N": "0"}},
        Limit=6,
    )
    assert response["ScannedCount"] == 6
    assert sort_keys(response) == [-3, 0]
    assert response["Count"] == 2
    assert response["LastEvaluatedKey"] == {"pk": {"S": "p"}, "sk": {"N": "0"}}


def test_filter_cannot_name_key_attributes(ddb: Any, numbers: str) -> None:
    with pytest.raises(ClientError) as exc:
        ddb.query(
            TableName=numbers,
            KeyConditionExpression="pk = :p",
            FilterExpression="sk > :s",
            ExpressionAttributeValues={":p": {"S": "p"}, ":s": {"N": "1"}},
        )
    assert error(exc) == (
        "ValidationException",
        "Filter Expression can only contain non-primary key attributes: Primary key attribute: sk",
    )


def test_select_count_and_projection(ddb: Any, numbers: str) -> None:
    counted = ddb.query(
        TableName=numbers,
        KeyConditionExpression="pk = :p",
        ExpressionAttributeValues={":p": {"S": "q"}},
        Select="COUNT",
    )
    assert counted["Count"] == 3 and "Items" not in counted
    projected = ddb.query(
        TableName=numbers,
        KeyConditionExpression="pk = :p",
        ExpressionAttributeValues={":p": {"S": "p"}},
        ProjectionExpression="v",
        Limit=2,
    )
    assert projected["Items"] == [{"v": {"N": "1"}}, {"v": {"N": "2"}}]
    with pytest.raises(ClientError) as exc:
        ddb.query(
            TableName=numbers,
            KeyConditionExpression="pk = :p",
            ExpressionAttributeValues={":p": {"S": "q"}},
            Select="COUNT",
            ProjectionExpression="v",
        )
    assert error(exc) == (
        "ValidationException",
        "1 validation error detected: Cannot specify the ProjectionExpression when choosing to "
        "get only the Count",
    )
    with pytest.raises(ClientError) as exc:
        ddb.query(
            TableName=numbers,
            KeyConditionExpression="pk = :p",
            ExpressionAttributeValues={":p": {"S": "q"}},
            Select="ALL_PROJECTED_ATTRIBUTES",
        )
    assert error(exc) == (
        "ValidationException",
        "1 validation error detected: ALL_PROJECTED_ATTRIBUTES can be used only when Querying "
        "using an IndexName",
    )
    with pytest.raises(ClientError) as exc:
        ddb.query(
            TableName=numbers,
            KeyConditionExpression="pk = :p",
            ExpressionAttributeValues={":p": {"S": "q"}},
            Select="count",
        )
    assert error(exc) == (
        "ValidationException",
        "1 validation error detected: Value 'count' at 'select' failed to satisfy constraint: "
        "Member must satisfy enum value set: [SPECIFIC_ATTRIBUTES, COUNT, ALL_ATTRIBUTES, "
        "ALL_PROJECTED_ATTRIBUTES]",
    )


def test_legacy_key_conditions_and_query_filter(ddb: Any, numbers: str) -> None:
    response = ddb.query(
        TableName=numbers,
        KeyConditions={
            "pk": {"AttributeValueList": [{"S": "p"}], "ComparisonOperator": "EQ"},
            "sk": {"AttributeValueList": [{"N": "10"}], "ComparisonOperator": "GE"},
        },
        QueryFilter={"v": {"AttributeValueList": [{"N": "1"}], "ComparisonOperator": "EQ"}},
        AttributesToGet=["sk"],
    )
    assert response["Items"] == [{"sk": {"N": "10"}}, {"sk": {"N": "13"}}]
    assert response["ScannedCount"] == 5


def test_missing_key_condition(ddb: Any, numbers: str) -> None:
    with pytest.raises(ClientError) as exc:
        ddb.query(TableName=numbers)
    assert error(exc) == (
        "ValidationException",
        "Either the KeyConditions or KeyConditionExpression parameter must be specified in "
        "the request.",
    )
    with pytest.raises(ClientError) as exc:
        ddb.query(
            TableName=numbers,
            KeyConditionExpression="sk = :s",
            ExpressionAttributeValues={":s": {"N": "1"}},
        )
    assert error(exc)[0] == "ValidationException"


def test_exclusive_start_key_checks(ddb: Any, numbers: str) -> None:
    with pytest.raises(ClientError) as exc:
        ddb.query(
            TableName=numbers,
            KeyConditionExpression="pk = :p",
            ExpressionAttributeValues={":p": {"S": "p"}},
            ExclusiveStartKey={"pk": {"S": "p"}},
        )
    # A Query names a missing start key attribute bare, a wrong type as a key (DynamoDB's
    # words, which a Scan of the table words otherwise).
    assert error(exc) == ("ValidationException", "The provided starting key is invalid")
    with pytest.raises(ClientError) as exc:
        ddb.query(
            TableName=numbers,
            KeyConditionExpression="pk = :p",
            ExpressionAttributeValues={":p": {"S": "p"}},
            ExclusiveStartKey={"pk": {"S": "p"}, "sk": {"S": "1"}},
        )
    assert error(exc) == (
        "ValidationException",
        "The provided key element does not match the schema",
    )
    with pytest.raises(ClientError) as exc:
        ddb.scan(TableName=numbers, ExclusiveStartKey={"pk": {"S": "p"}})
    assert error(exc) == (
        "ValidationException",
        "The provided starting key is invalid: The provided key element does not match the schema",
    )
    with pytest.raises(ClientError) as exc:
        ddb.query(
            TableName=numbers,
            KeyConditionExpression="pk = :p",
            ExpressionAttributeValues={":p": {"S": "p"}},
            ExclusiveStartKey={"pk": {"S": "q"}, "sk": {"N": "1"}},
        )
    assert error(exc) == (
        "ValidationException",
        "The provided starting key is outside query boundaries based on provided conditions",
    )
    with pytest.raises(ClientError) as exc:
        ddb.query(
            TableName=numbers,
            KeyConditionExpression="pk = :p AND sk > :s",
            ExpressionAttributeValues={":p": {"S": "p"}, ":s": {"N": "5"}},
            ExclusiveStartKey={"pk": {"S": "p"}, "sk": {"N": "2"}},
        )
    assert error(exc) == (
        "ValidationException",
        "The provided starting key does not match the range key predicate",
    )
    resumed = ddb.query(
        TableName=numbers,
        KeyConditionExpression="pk = :p AND sk > :s",
        ExpressionAttributeValues={":p": {"S": "p"}, ":s": {"N": "5"}},
        ExclusiveStartKey={"pk": {"S": "p"}, "sk": {"N": "12"}},
    )
    assert sort_keys(resumed) == [13, 14]


def test_query_capacity(ddb: Any, numbers: str) -> None:
    response = ddb.query(
        TableName=numbers,
        KeyConditionExpression="pk = :p",
        ExpressionAttributeValues={":p": {"S": "q"}},
        ReturnConsumedCapacity="TOTAL",
        ConsistentRead=True,
    )
    assert response["ConsumedCapacity"] == {"TableName": numbers, "CapacityUnits": 1.0}


def test_one_megabyte_page(ddb: Any, make_table: Callable[..., str]) -> None:
    name = make_table(range=("sk", "N"))
    blob = "x" * (300 * 1024)
    for i in range(5):
        ddb.put_item(
            TableName=name, Item={"pk": {"S": "big"}, "sk": {"N": str(i)}, "d": {"S": blob}}
        )
    first = ddb.query(
        TableName=name,
        KeyConditionExpression="pk = :p",
        ExpressionAttributeValues={":p": {"S": "big"}},
        Select="COUNT",
    )
    assert first["Count"] == 4  # the 4th item takes the page past 1 MB
    assert first["LastEvaluatedKey"] == {"pk": {"S": "big"}, "sk": {"N": "3"}}


def test_resource_key_and_attr_builders(server: Any, make_table: Callable[..., str]) -> None:
    resource = boto3.session.Session().resource(
        "dynamodb",
        endpoint_url=server.endpoint,
        aws_access_key_id=server.access_key,
        aws_secret_access_key=server.secret_key,
        region_name=server.region,
    )
    table = resource.Table(make_table(range=("sk", "S")))
    with table.batch_writer() as batch:
        for i in range(10):
            batch.put_item(Item={"pk": "u1", "sk": f"order#{i:02d}", "total": i * 10})
    response = table.query(
        KeyConditionExpression=Key("pk").eq("u1") & Key("sk").begins_with("order#0"),
        FilterExpression=Attr("total").gte(50),
    )
    assert [item["sk"] for item in response["Items"]] == [
        "order#05",
        "order#06",
        "order#07",
        "order#08",
        "order#09",
    ]
    assert response["ScannedCount"] == 10


@pytest.mark.parametrize(
    ("expression", "message"),
    [
        (
            ":b > :a AND a < :b",
            "Invalid condition in KeyConditionExpression: No key attribute specified",
        ),
        ("a = :a OR b = :b", "Invalid operator used in KeyConditionExpression: OR"),
        ("a = :a AND a = :b", "KeyConditionExpressions must only contain one condition per key"),
    ],
)
def test_a_key_condition_is_judged_before_the_table_is_looked_up(
    ddb: Any, expression: str, message: str
) -> None:
    # What the expression may not say needs no schema: AWS refuses it first.
    with pytest.raises(ClientError) as exc:
        ddb.query(
            TableName="no-such-table",
            KeyConditionExpression=expression,
            ExpressionAttributeValues={":a": {"N": "1"}, ":b": {"N": "1"}},
        )
    assert error(exc) == ("ValidationException", message)


def test_query_checks_come_in_dynamodbs_order(server: Any, numbers: str) -> None:
    """The legacy members, then the start key's values, then whether a key condition is given,
    then the expressions; the table, its index and the start key's shape after; an operator
    no key condition can use only once the key is known."""
    from botocore.config import Config

    raw = server.client("dynamodb", config=Config(parameter_validation=False))

    def refused(**kw: Any) -> tuple[str, str]:
        with pytest.raises(ClientError) as exc:
            raw.query(**kw)
        return error(exc)

    bad_filter = {"a": {"ComparisonOperator": "LT", "AttributeValueList": [{"BOOL": True}]}}
    assert refused(TableName=numbers, QueryFilter=bad_filter, AttributesToGet=["a", "a"]) == (
        "ValidationException",
        "One or more parameter values were invalid: ComparisonOperator LT is not valid for BOOL"
        " AttributeValue type",
    )
    assert refused(TableName=numbers, AttributesToGet=["a", "a"]) == (
        "ValidationException",
        "One or more parameter values were invalid: Duplicate value in attribute name: a",
    )
    assert refused(TableName=numbers, ExclusiveStartKey={"pk": {}}) == (
        "ValidationException",
        "The provided starting key is invalid: Supplied AttributeValue is empty, must contain"
        " exactly one of the supported datatypes",
    )
    null_key = {"z": {"ComparisonOperator": "NULL"}}
    missing = f"gone-{numbers}"
    assert refused(TableName=missing, KeyConditions=null_key)[0] == "ResourceNotFoundException"
    assert refused(TableName=numbers, IndexName="whatever", KeyConditions=null_key) == (
        "ValidationException",
        "The table does not have the specified index: whatever",
    )
    assert refused(TableName=numbers, KeyConditions={"pk": {"ComparisonOperator": "NULL"}}) == (
        "ValidationException",
        "Attempted conditional constraint is not an indexable operation",
    )
