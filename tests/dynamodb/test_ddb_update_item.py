"""UpdateItem through a real server: expressions, legacy AttributeUpdates, ReturnValues,
creation of missing items, conditions."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

import boto3
import pytest
from boto3.dynamodb.conditions import Attr
from botocore.exceptions import ClientError


def error(exc: pytest.ExceptionInfo[ClientError]) -> tuple[str, str]:
    err = exc.value.response["Error"]
    return err["Code"], err["Message"]


def get(ddb: Any, name: str, pk: str) -> dict[str, Any] | None:
    item: dict[str, Any] | None = ddb.get_item(
        TableName=name, Key={"pk": {"S": pk}}, ConsistentRead=True
    ).get("Item")
    return item


def test_update_creates_missing_item(ddb: Any, make_table: Callable[..., str]) -> None:
    name = make_table()
    response = ddb.update_item(
        TableName=name,
        Key={"pk": {"S": "a"}},
        UpdateExpression="SET x = :v, c = if_not_exists(c, :zero) + :one",
        ExpressionAttributeValues={":v": {"S": "hi"}, ":zero": {"N": "0"}, ":one": {"N": "1"}},
        ReturnValues="ALL_NEW",
    )
    assert response["Attributes"] == {"pk": {"S": "a"}, "x": {"S": "hi"}, "c": {"N": "1"}}
    assert get(ddb, name, "a") == response["Attributes"]


def test_update_without_actions_creates_key_only_item(
    ddb: Any, make_table: Callable[..., str]
) -> None:
    name = make_table()
    ddb.update_item(TableName=name, Key={"pk": {"S": "bare"}})
    assert get(ddb, name, "bare") == {"pk": {"S": "bare"}}


def test_remove_only_update_does_not_create_item(ddb: Any, make_table: Callable[..., str]) -> None:
    name = make_table()
    ddb.update_item(TableName=name, Key={"pk": {"S": "r"}}, UpdateExpression="REMOVE a")
    assert get(ddb, name, "r") is None
    ddb.update_item(
        TableName=name, Key={"pk": {"S": "r"}}, AttributeUpdates={"a": {"Action": "DELETE"}}
    )
    assert get(ddb, name, "r") is None


def test_return_values_variants(ddb: Any, make_table: Callable[..., str]) -> None:
    name = make_table()
    ddb.put_item(TableName=name, Item={"pk": {"S": "a"}, "x": {"N": "1"}, "y": {"N": "5"}})

    def update(returns: str, value: str) -> Any:
        return ddb.update_item(
            TableName=name,
            Key={"pk": {"S": "a"}},
            UpdateExpression="SET x = :v",
            ExpressionAttributeValues={":v": {"N": value}},
            ReturnValues=returns,
        ).get("Attributes")

    assert update("NONE", "2") is None
    assert update("UPDATED_OLD", "3") == {"x": {"N": "2"}}
    assert update("UPDATED_NEW", "4") == {"x": {"N": "4"}}
    assert update("ALL_OLD", "5") == {"pk": {"S": "a"}, "x": {"N": "4"}, "y": {"N": "5"}}
    assert update("ALL_NEW", "6") == {"pk": {"S": "a"}, "x": {"N": "6"}, "y": {"N": "5"}}
    with pytest.raises(ClientError) as exc:
        update("EVERYTHING", "7")
    assert error(exc) == (
        "ValidationException",
        "1 validation error detected: Value 'EVERYTHING' at 'returnValues' failed to satisfy "
        "constraint: Member must satisfy enum value set: [ALL_NEW, UPDATED_OLD, ALL_OLD, NONE, "
        "UPDATED_NEW]",
    )


def test_condition_failure_leaves_item_and_returns_old(
    ddb: Any, make_table: Callable[..., str]
) -> None:
    name = make_table()
    ddb.put_item(TableName=name, Item={"pk": {"S": "a"}, "n": {"N": "1"}})
    with pytest.raises(ClientError) as exc:
        ddb.update_item(
            TableName=name,
            Key={"pk": {"S": "a"}},
            UpdateExpression="SET n = :two",
            ConditionExpression="n > :five",
            ExpressionAttributeValues={":two": {"N": "2"}, ":five": {"N": "5"}},
            ReturnValuesOnConditionCheckFailure="ALL_OLD",
        )
    assert error(exc) == ("ConditionalCheckFailedException", "The conditional request failed")
    assert exc.value.response["Item"] == {"pk": {"S": "a"}, "n": {"N": "1"}}
    assert get(ddb, name, "a") == {"pk": {"S": "a"}, "n": {"N": "1"}}
    with pytest.raises(ClientError) as exc:
        ddb.update_item(
            TableName=name,
            Key={"pk": {"S": "missing"}},
            UpdateExpression="SET n = :two",
            ConditionExpression="attribute_exists(pk)",
            ExpressionAttributeValues={":two": {"N": "2"}},
        )
    assert get(ddb, name, "missing") is None


def test_key_attributes_cannot_be_updated(ddb: Any, make_table: Callable[..., str]) -> None:
    name = make_table()
    with pytest.raises(ClientError) as exc:
        ddb.update_item(
            TableName=name,
            Key={"pk": {"S": "a"}},
            UpdateExpression="SET pk = :v",
            ExpressionAttributeValues={":v": {"S": "b"}},
        )
    assert error(exc) == (
        "ValidationException",
        "One or more parameter values were invalid: Cannot update attribute pk. This "
        "attribute is part of the key",
    )


def test_add_delete_and_lists(ddb: Any, make_table: Callable[..., str]) -> None:
    name = make_table()
    ddb.put_item(
        TableName=name,
        Item={
            "pk": {"S": "a"},
            "s": {"SS": ["x", "y"]},
            "d": {"NS": ["1", "2"]},
            "l": {"L": [{"N": "1"}]},
        },
    )
    ddb.update_item(
        TableName=name,
        Key={"pk": {"S": "a"}},
        UpdateExpression="ADD s :more, n :three DELETE d :gone SET l = list_append(l, :tail)",
        ExpressionAttributeValues={
            ":more": {"SS": ["z"]},
            ":three": {"N": "3"},
            ":gone": {"NS": ["1"]},
            ":tail": {"L": [{"N": "2"}]},
        },
    )
    item = get(ddb, name, "a")
    assert item is not None
    assert sorted(item["s"]["SS"]) == ["x", "y", "z"]
    assert item["d"] == {"NS": ["2"]}
    assert item["n"] == {"N": "3"}
    assert item["l"] == {"L": [{"N": "1"}, {"N": "2"}]}


def test_legacy_attribute_updates(ddb: Any, make_table: Callable[..., str]) -> None:
    name = make_table()
    ddb.update_item(
        TableName=name,
        Key={"pk": {"S": "a"}},
        AttributeUpdates={
            "x": {"Action": "PUT", "Value": {"S": "v"}},
            "n": {"Action": "ADD", "Value": {"N": "2"}},
        },
        Expected={"x": {"Exists": False}},
    )
    assert get(ddb, name, "a") == {"pk": {"S": "a"}, "x": {"S": "v"}, "n": {"N": "2"}}
    with pytest.raises(ClientError) as exc:
        ddb.update_item(
            TableName=name,
            Key={"pk": {"S": "a"}},
            AttributeUpdates={"x": {"Action": "PUT", "Value": {"S": "w"}}},
            Expected={"x": {"Exists": False}},
        )
    assert error(exc)[0] == "ConditionalCheckFailedException"


def test_update_capacity_counts_larger_image(ddb: Any, make_table: Callable[..., str]) -> None:
    name = make_table()
    ddb.put_item(TableName=name, Item={"pk": {"S": "a"}, "big": {"S": "x" * 3000}})
    response = ddb.update_item(
        TableName=name,
        Key={"pk": {"S": "a"}},
        UpdateExpression="REMOVE big",
        ReturnConsumedCapacity="TOTAL",
    )
    assert response["ConsumedCapacity"] == {"TableName": name, "CapacityUnits": 3.0}


def test_resource_update(server: Any, make_table: Callable[..., str]) -> None:
    resource = boto3.session.Session().resource(
        "dynamodb",
        endpoint_url=server.endpoint,
        aws_access_key_id=server.access_key,
        aws_secret_access_key=server.secret_key,
        region_name=server.region,
    )
    table = resource.Table(make_table())
    table.put_item(Item={"pk": "a", "count": 1})
    new = table.update_item(
        Key={"pk": "a"},
        UpdateExpression="SET #c = #c + :inc",
        ExpressionAttributeNames={"#c": "count"},
        ExpressionAttributeValues={":inc": Decimal("2.5")},
        ConditionExpression=Attr("count").eq(1),
        ReturnValues="UPDATED_NEW",
    )
    assert new["Attributes"] == {"count": Decimal("3.5")}


def test_updated_values_of_nested_paths(ddb: Any, make_table: Callable[..., str]) -> None:
    name = make_table()
    ddb.put_item(
        TableName=name,
        Item={
            "pk": {"S": "n"},
            "a": {"M": {"b": {"S": "dog"}, "c": {"L": [{"N": "1"}, {"N": "2"}, {"N": "3"}]}}},
        },
    )

    def update(expression: str, returns: str, **values: Any) -> Any:
        return ddb.update_item(
            TableName=name,
            Key={"pk": {"S": "n"}},
            UpdateExpression=expression,
            ExpressionAttributeValues={f":{k}": v for k, v in values.items()} or None,
            ReturnValues=returns,
        ).get("Attributes")

    assert update("SET a.b = :v", "UPDATED_OLD", v={"S": "hi"}) == {"a": {"M": {"b": {"S": "dog"}}}}
    assert update("SET a.c[1] = :v", "UPDATED_NEW", v={"N": "7"}) == {
        "a": {"M": {"c": {"L": [{"N": "7"}]}}}
    }
    assert update("SET a.x = :v", "UPDATED_OLD", v={"N": "1"}) is None
    assert update("SET b = :v", "UPDATED_NEW", v={"L": []}) == {"b": {"L": []}}
