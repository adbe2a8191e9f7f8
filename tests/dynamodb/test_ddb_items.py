"""PutItem, GetItem and DeleteItem through a real server, with the boto3 client and the
resource (Table) API."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

import boto3
import pytest
from boto3.dynamodb.conditions import Attr
from botocore.exceptions import ClientError


@pytest.fixture(scope="module")
def resource(server: Any) -> Any:
    # One per module: a new boto3 Session costs ~150 ms of CPU (tests/ownserver.py).
    return boto3.session.Session().resource(
        "dynamodb",
        endpoint_url=server.endpoint,
        aws_access_key_id=server.access_key,
        aws_secret_access_key=server.secret_key,
        region_name=server.region,
    )


def error(exc: pytest.ExceptionInfo[ClientError]) -> tuple[str, str]:
    err = exc.value.response["Error"]
    return err["Code"], err["Message"]


def test_put_get_round_trip_every_type(ddb: Any, make_table: Callable[..., str]) -> None:
    name = make_table()
    item = {
        "pk": {"S": "k1"},
        "s": {"S": "héllo"},
        "n": {"N": "1.50"},
        "b": {"B": b"\x00\xff"},
        "ss": {"SS": ["a", "b"]},
        "ns": {"NS": ["1", "2.5"]},
        "bs": {"BS": [b"x", b"y"]},
        "m": {"M": {"inner": {"L": [{"S": "x"}, {"N": "-0"}, {"NULL": True}]}}},
        "t": {"BOOL": True},
        "empty": {"S": ""},
    }
    assert "Attributes" not in ddb.put_item(TableName=name, Item=item)
    got = ddb.get_item(TableName=name, Key={"pk": {"S": "k1"}}, ConsistentRead=True)["Item"]
    assert got["n"] == {"N": "1.5"}  # numbers come back normalised
    assert got["b"] == {"B": b"\x00\xff"}
    assert sorted(got["ns"]["NS"]) == ["1", "2.5"]
    assert got["m"]["M"]["inner"]["L"][1] == {"N": "0"}
    assert got["empty"] == {"S": ""}
    assert set(got) == set(item)


def test_get_missing_item_has_no_item_member(ddb: Any, make_table: Callable[..., str]) -> None:
    name = make_table()
    response = ddb.get_item(TableName=name, Key={"pk": {"S": "nope"}})
    assert "Item" not in response


def test_put_replaces_whole_item_and_returns_all_old(
    ddb: Any, make_table: Callable[..., str]
) -> None:
    name = make_table()
    ddb.put_item(TableName=name, Item={"pk": {"S": "a"}, "x": {"N": "1"}})
    old = ddb.put_item(
        TableName=name, Item={"pk": {"S": "a"}, "y": {"N": "2"}}, ReturnValues="ALL_OLD"
    )
    assert old["Attributes"] == {"pk": {"S": "a"}, "x": {"N": "1"}}
    assert ddb.get_item(TableName=name, Key={"pk": {"S": "a"}})["Item"] == {
        "pk": {"S": "a"},
        "y": {"N": "2"},
    }
    fresh = ddb.put_item(TableName=name, Item={"pk": {"S": "b"}}, ReturnValues="ALL_OLD")
    assert "Attributes" not in fresh


def test_put_return_values_other_than_all_old_refused(
    ddb: Any, make_table: Callable[..., str]
) -> None:
    name = make_table()
    with pytest.raises(ClientError) as exc:
        ddb.put_item(TableName=name, Item={"pk": {"S": "a"}}, ReturnValues="ALL_NEW")
    assert error(exc) == ("ValidationException", "ReturnValues can only be ALL_OLD or NONE")
    with pytest.raises(ClientError) as exc:
        ddb.delete_item(TableName=name, Key={"pk": {"S": "a"}}, ReturnValues="UPDATED_OLD")
    assert error(exc) == ("ValidationException", "ReturnValues can only be ALL_OLD or NONE")


def test_key_checks(ddb: Any, make_table: Callable[..., str]) -> None:
    name = make_table(range=("sk", "N"))
    with pytest.raises(ClientError) as exc:
        ddb.put_item(TableName=name, Item={"pk": {"S": "a"}})
    assert error(exc) == (
        "ValidationException",
        "One or more parameter values were invalid: Missing the key sk in the item",
    )
    with pytest.raises(ClientError) as exc:
        ddb.put_item(TableName=name, Item={"pk": {"S": "a"}, "sk": {"S": "x"}})
    assert error(exc) == (
        "ValidationException",
        "One or more parameter values were invalid: Type mismatch for key sk expected: N actual: S",
    )
    with pytest.raises(ClientError) as exc:
        ddb.get_item(TableName=name, Key={"pk": {"S": "a"}})
    assert error(exc) == (
        "ValidationException",
        "The provided key element does not match the schema",
    )
    with pytest.raises(ClientError) as exc:
        ddb.get_item(TableName=name, Key={"pk": {"S": "a"}, "sk": {"N": "1"}, "extra": {"S": "x"}})
    assert error(exc)[0] == "ValidationException"


def test_missing_table(ddb: Any) -> None:
    with pytest.raises(ClientError) as exc:
        ddb.get_item(TableName="no-such-table-here", Key={"pk": {"S": "a"}})
    assert error(exc)[0] == "ResourceNotFoundException"


def test_condition_expression_on_put_and_delete(ddb: Any, make_table: Callable[..., str]) -> None:
    name = make_table()
    ddb.put_item(
        TableName=name,
        Item={"pk": {"S": "a"}, "v": {"N": "1"}},
        ConditionExpression="attribute_not_exists(pk)",
    )
    with pytest.raises(ClientError) as exc:
        ddb.put_item(
            TableName=name,
            Item={"pk": {"S": "a"}, "v": {"N": "2"}},
            ConditionExpression="attribute_not_exists(pk)",
        )
    assert error(exc) == ("ConditionalCheckFailedException", "The conditional request failed")
    assert "Item" not in exc.value.response
    with pytest.raises(ClientError) as exc:
        ddb.delete_item(
            TableName=name,
            Key={"pk": {"S": "a"}},
            ConditionExpression="v = :two",
            ExpressionAttributeValues={":two": {"N": "2"}},
            ReturnValuesOnConditionCheckFailure="ALL_OLD",
        )
    assert exc.value.response["Item"] == {"pk": {"S": "a"}, "v": {"N": "1"}}
    deleted = ddb.delete_item(
        TableName=name,
        Key={"pk": {"S": "a"}},
        ConditionExpression="v = :one",
        ExpressionAttributeValues={":one": {"N": "1"}},
        ReturnValues="ALL_OLD",
    )
    assert deleted["Attributes"] == {"pk": {"S": "a"}, "v": {"N": "1"}}
    assert "Item" not in ddb.get_item(TableName=name, Key={"pk": {"S": "a"}})


def test_delete_missing_item_is_fine_unless_condition(
    ddb: Any, make_table: Callable[..., str]
) -> None:
    name = make_table()
    assert "Attributes" not in ddb.delete_item(
        TableName=name, Key={"pk": {"S": "ghost"}}, ReturnValues="ALL_OLD"
    )
    with pytest.raises(ClientError) as exc:
        ddb.delete_item(
            TableName=name, Key={"pk": {"S": "ghost"}}, ConditionExpression="attribute_exists(pk)"
        )
    assert error(exc)[0] == "ConditionalCheckFailedException"


def test_legacy_expected(ddb: Any, make_table: Callable[..., str]) -> None:
    name = make_table()
    ddb.put_item(TableName=name, Item={"pk": {"S": "a"}, "v": {"S": "x"}})
    ddb.put_item(
        TableName=name,
        Item={"pk": {"S": "a"}, "v": {"S": "y"}},
        Expected={"v": {"Value": {"S": "x"}}},
    )
    with pytest.raises(ClientError) as exc:
        ddb.put_item(
            TableName=name,
            Item={"pk": {"S": "a"}, "v": {"S": "z"}},
            Expected={"v": {"Exists": False}},
        )
    assert error(exc)[0] == "ConditionalCheckFailedException"
    with pytest.raises(ClientError) as exc:
        ddb.put_item(
            TableName=name,
            Item={"pk": {"S": "a"}},
            Expected={"v": {"Exists": False}},
            ConditionExpression="attribute_exists(v)",
        )
    assert error(exc) == (
        "ValidationException",
        "Can not use both expression and non-expression parameters in the same request: "
        "Non-expression parameters: {Expected} Expression parameters: {ConditionExpression}",
    )


def test_unused_expression_values_refused(ddb: Any, make_table: Callable[..., str]) -> None:
    name = make_table()
    with pytest.raises(ClientError) as exc:
        ddb.put_item(
            TableName=name,
            Item={"pk": {"S": "a"}},
            ConditionExpression="attribute_not_exists(pk)",
            ExpressionAttributeValues={":b": {"S": "x"}},
        )
    assert error(exc) == (
        "ValidationException",
        "Value provided in ExpressionAttributeValues unused in expressions: keys: {:b}",
    )
    with pytest.raises(ClientError) as exc:
        ddb.put_item(TableName=name, Item={"pk": {"S": "a"}}, ExpressionAttributeNames={"#a": "a"})
    assert error(exc) == (
        "ValidationException",
        "ExpressionAttributeNames can only be specified when using expressions",
    )
    with pytest.raises(ClientError) as exc:
        ddb.delete_item(
            TableName=name, Key={"pk": {"S": "a"}}, ExpressionAttributeValues={":a": {"S": "x"}}
        )
    assert error(exc) == (
        "ValidationException",
        "ExpressionAttributeValues can only be specified when using expressions: "
        "ConditionExpression is null",
    )
    with pytest.raises(ClientError) as exc:
        ddb.update_item(
            TableName=name, Key={"pk": {"S": "a"}}, ExpressionAttributeValues={":a": {"S": "x"}}
        )
    assert error(exc)[1] == (
        "ExpressionAttributeValues can only be specified when using expressions: "
        "UpdateExpression and ConditionExpression are null"
    )
    with pytest.raises(ClientError) as exc:
        ddb.put_item(
            TableName=name,
            Item={"pk": {"S": "a"}},
            ConditionExpression="a = :a",
            ExpressionAttributeValues={":a": {"SS": []}},
        )
    assert error(exc)[1] == (
        "ExpressionAttributeValues contains invalid value: One or more parameter values were "
        "invalid: An string set  may not be empty for key :a"
    )


def test_get_item_projection(ddb: Any, make_table: Callable[..., str]) -> None:
    name = make_table()
    ddb.put_item(
        TableName=name,
        Item={
            "pk": {"S": "a"},
            "x": {"N": "1"},
            "m": {"M": {"a": {"S": "1"}, "b": {"S": "2"}}},
            "l": {"L": [{"S": "l0"}, {"S": "l1"}, {"S": "l2"}]},
        },
    )
    got = ddb.get_item(
        TableName=name,
        Key={"pk": {"S": "a"}},
        ProjectionExpression="#m.b, l[2], x",
        ExpressionAttributeNames={"#m": "m"},
    )["Item"]
    assert got == {"m": {"M": {"b": {"S": "2"}}}, "l": {"L": [{"S": "l2"}]}, "x": {"N": "1"}}
    nothing = ddb.get_item(TableName=name, Key={"pk": {"S": "a"}}, ProjectionExpression="zz")
    assert nothing["Item"] == {}  # an existing item with none of the attributes: empty
    legacy = ddb.get_item(TableName=name, Key={"pk": {"S": "a"}}, AttributesToGet=["x", "zz"])
    assert legacy["Item"] == {"x": {"N": "1"}}


def test_consumed_capacity(ddb: Any, make_table: Callable[..., str]) -> None:
    name = make_table()
    put = ddb.put_item(
        TableName=name,
        Item={"pk": {"S": "a"}, "blob": {"B": b"x" * 1500}},
        ReturnConsumedCapacity="TOTAL",
    )
    assert put["ConsumedCapacity"] == {"TableName": name, "CapacityUnits": 2.0}
    get = ddb.get_item(TableName=name, Key={"pk": {"S": "a"}}, ReturnConsumedCapacity="TOTAL")
    assert get["ConsumedCapacity"] == {"TableName": name, "CapacityUnits": 0.5}
    strong = ddb.get_item(
        TableName=name,
        Key={"pk": {"S": "missing"}},
        ConsistentRead=True,
        ReturnConsumedCapacity="INDEXES",
    )
    assert strong["ConsumedCapacity"] == {
        "TableName": name,
        "CapacityUnits": 1.0,
        "Table": {"CapacityUnits": 1.0},
    }
    with pytest.raises(ClientError) as exc:
        ddb.put_item(TableName=name, Item={"pk": {"S": "a"}}, ReturnConsumedCapacity="Garbage")
    assert error(exc) == (
        "ValidationException",
        "1 validation error detected: Value 'Garbage' at 'returnConsumedCapacity' failed to "
        "satisfy constraint: Member must satisfy enum value set: [INDEXES, TOTAL, NONE]",
    )


def test_item_size_limit(ddb: Any, make_table: Callable[..., str]) -> None:
    name = make_table()
    ddb.put_item(TableName=name, Item={"pk": {"S": "a"}, "big": {"S": "x" * (400 * 1024 - 10)}})
    with pytest.raises(ClientError) as exc:
        ddb.put_item(TableName=name, Item={"pk": {"S": "a"}, "big": {"S": "x" * (400 * 1024)}})
    assert error(exc) == ("ValidationException", "Item size has exceeded the maximum allowed size")


def test_resource_api(resource: Any, make_table: Callable[..., str]) -> None:
    table = resource.Table(make_table(range=("sk", "N")))
    table.put_item(Item={"pk": "a", "sk": 1, "price": Decimal("9.99"), "tags": {"x", "y"}})
    got = table.get_item(Key={"pk": "a", "sk": 1})["Item"]
    assert got == {"pk": "a", "sk": 1, "price": Decimal("9.99"), "tags": {"x", "y"}}
    with pytest.raises(ClientError) as exc:
        table.put_item(Item={"pk": "a", "sk": 1}, ConditionExpression=Attr("price").lt(5))
    assert error(exc)[0] == "ConditionalCheckFailedException"
    table.delete_item(Key={"pk": "a", "sk": 1}, ConditionExpression=Attr("tags").contains("x"))
    assert "Item" not in table.get_item(Key={"pk": "a", "sk": 1})


def test_concurrent_conditional_increments_do_not_lose_updates(
    server: Any, make_table: Callable[..., str]
) -> None:
    """Read-check-write is atomic: concurrent writers each win exactly once."""
    from concurrent.futures import ThreadPoolExecutor

    name = make_table()
    client = server.client("dynamodb")
    client.put_item(TableName=name, Item={"pk": {"S": "c"}, "n": {"N": "0"}})

    def bump(_: int) -> None:
        own = server.client("dynamodb")
        for _ in range(10):
            own.update_item(
                TableName=name,
                Key={"pk": {"S": "c"}},
                UpdateExpression="SET n = n + :one",
                ConditionExpression="attribute_exists(pk)",
                ExpressionAttributeValues={":one": {"N": "1"}},
            )

    with ThreadPoolExecutor(4) as pool:
        list(pool.map(bump, range(4)))
    got = client.get_item(TableName=name, Key={"pk": {"S": "c"}}, ConsistentRead=True)
    assert got["Item"]["n"] == {"N": "40"}


def test_too_deep_item_refused_as_a_constraint(ddb: Any, make_table: Callable[..., str]) -> None:
    name = make_table()
    nested: dict[str, Any] = {"S": "deep"}
    for _ in range(40):
        nested = {"M": {"a": nested}}
    with pytest.raises(ClientError) as exc:
        ddb.put_item(TableName=name, Item={"pk": {"S": "a"}, "n": nested})
    assert error(exc) == (
        "ValidationException",
        "1 validation error detected: Nesting Levels have exceeded supported limits: "
        "Attributes in the item have nested levels beyond supported limit",
    )


def test_item_size_is_judged_before_the_table_is_looked_up(ddb: Any) -> None:
    # As AWS: a request that is wrong in itself is refused before the table's absence.
    too_big = {"pk": {"S": "a"}, "big": {"S": "x" * (400 * 1024)}}
    with pytest.raises(ClientError) as exc:
        ddb.put_item(TableName="no-such-table", Item=too_big)
    assert error(exc) == ("ValidationException", "Item size has exceeded the maximum allowed size")
    with pytest.raises(ClientError) as exc:
        ddb.put_item(TableName="no-such-table", Item={"pk": {"S": "a"}})
    assert error(exc)[0] == "ResourceNotFoundException"
