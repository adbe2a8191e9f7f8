"""BatchWriteItem and BatchGetItem through a real server, with the boto3 client and the
resource's Table.batch_writer()."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import boto3
import pytest
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


def put(pk: str, **attrs: str) -> dict[str, Any]:
    item = {"pk": {"S": pk}} | {k: {"S": v} for k, v in attrs.items()}
    return {"PutRequest": {"Item": item}}


def delete(pk: str) -> dict[str, Any]:
    return {"DeleteRequest": {"Key": {"pk": {"S": pk}}}}


def keys(*pks: str) -> list[dict[str, Any]]:
    return [{"pk": {"S": pk}} for pk in pks]


def get(ddb: Any, table: str, pk: str) -> dict[str, Any] | None:
    found: dict[str, Any] | None = ddb.get_item(TableName=table, Key={"pk": {"S": pk}}).get("Item")
    return found


# -- BatchWriteItem -----------------------------------------------------------------------------


def test_batch_writer_puts_then_deletes(resource: Any, make_table: Callable[..., str]) -> None:
    table = resource.Table(make_table(range=("sk", "N")))
    items = [{"pk": f"p{i % 3}", "sk": i, "v": f"value {i}"} for i in range(60)]
    with table.batch_writer() as batch:
        for item in items:
            batch.put_item(Item=item)
    for item in items:
        assert table.get_item(Key={"pk": item["pk"], "sk": item["sk"]})["Item"] == item
    with table.batch_writer() as batch:
        for item in items[:30]:
            batch.delete_item(Key={"pk": item["pk"], "sk": item["sk"]})
    for item in items[:30]:
        assert "Item" not in table.get_item(Key={"pk": item["pk"], "sk": item["sk"]})
    assert table.get_item(Key={"pk": "p0", "sk": 30})["Item"]["v"] == "value 30"


def test_put_replaces_and_mixed_tables(ddb: Any, make_table: Callable[..., str]) -> None:
    first, second = make_table(), make_table()
    ddb.put_item(TableName=first, Item={"pk": {"S": "a"}, "old": {"S": "x"}})
    ddb.put_item(TableName=first, Item={"pk": {"S": "gone"}})
    reply = ddb.batch_write_item(
        RequestItems={
            first: [put("a", new="y"), delete("gone")],
            second: [put("a", other="z")],
        }
    )
    assert reply["UnprocessedItems"] == {}
    assert get(ddb, first, "a") == {"pk": {"S": "a"}, "new": {"S": "y"}}
    assert get(ddb, first, "gone") is None
    assert get(ddb, second, "a") == {"pk": {"S": "a"}, "other": {"S": "z"}}


@pytest.mark.parametrize(
    "requests",
    [
        [put("a"), put("a", v="2")],
        [put("a"), delete("a")],
        [delete("a"), delete("a")],
    ],
)
def test_same_item_twice_is_refused(
    ddb: Any, make_table: Callable[..., str], requests: list[dict[str, Any]]
) -> None:
    name = make_table()
    with pytest.raises(ClientError) as exc:
        ddb.batch_write_item(RequestItems={name: [put("other"), *requests]})
    assert error(exc) == ("ValidationException", "Provided list of item keys contains duplicates")
    assert get(ddb, name, "other") is None


def test_same_key_in_two_tables_is_not_a_duplicate(
    ddb: Any, make_table: Callable[..., str]
) -> None:
    first, second = make_table(), make_table()
    ddb.batch_write_item(RequestItems={first: [put("k")], second: [put("k")]})
    assert get(ddb, first, "k") is not None and get(ddb, second, "k") is not None


def test_more_than_25_writes(ddb: Any, make_table: Callable[..., str]) -> None:
    first, second = make_table(), make_table()
    with pytest.raises(ClientError) as exc:
        ddb.batch_write_item(RequestItems={first: [put(f"k{i}") for i in range(26)]})
    code, message = error(exc)
    assert code == "ValidationException"
    assert message.startswith("1 validation error detected: Value '{")
    assert message.endswith(
        "at 'requestItems' failed to satisfy constraint: Map value must satisfy constraint:"
        " [Member must have length less than or equal to 25, Member must have length greater"
        " than or equal to 1]"
    )
    with pytest.raises(ClientError) as exc:
        ddb.batch_write_item(
            RequestItems={
                first: [put(f"k{i}") for i in range(13)],
                second: [put(f"k{i}") for i in range(13)],
            }
        )
    assert error(exc) == (
        "ValidationException",
        "Too many items requested for the BatchWriteItem call",
    )
    assert get(ddb, first, "k0") is None


def test_missing_table_fails_the_whole_call(ddb: Any, make_table: Callable[..., str]) -> None:
    name = make_table()
    with pytest.raises(ClientError) as exc:
        ddb.batch_write_item(RequestItems={name: [put("k")], "no-such-table": [put("k")]})
    assert error(exc) == ("ResourceNotFoundException", "Requested resource not found")
    assert get(ddb, name, "k") is None


def test_invalid_item_fails_the_whole_call(ddb: Any, make_table: Callable[..., str]) -> None:
    name = make_table()
    bad_type = {"PutRequest": {"Item": {"pk": {"N": "3"}}}}
    with pytest.raises(ClientError) as exc:
        ddb.batch_write_item(RequestItems={name: [put("k1"), bad_type, put("k2")]})
    # A PutRequest's item is judged as a key is (unlike PutItem's "Type mismatch for key"):
    # dynalite's suite, recorded against DynamoDB.
    mismatch = ("ValidationException", "The provided key element does not match the schema")
    assert error(exc) == mismatch
    missing_key = {"PutRequest": {"Item": {"x": {"S": "no key"}}}}
    with pytest.raises(ClientError) as exc:
        ddb.batch_write_item(RequestItems={name: [put("k1"), missing_key]})
    assert error(exc) == mismatch
    assert get(ddb, name, "k1") is None and get(ddb, name, "k2") is None


def test_write_capacity_and_metrics(ddb: Any, make_table: Callable[..., str]) -> None:
    name = make_table()
    big = "x" * 1500  # 2 write units
    reply = ddb.batch_write_item(
        RequestItems={name: [put("a"), put("b", v=big)]},
        ReturnConsumedCapacity="INDEXES",
        ReturnItemCollectionMetrics="SIZE",
    )
    assert reply["ConsumedCapacity"] == [
        {"TableName": name, "CapacityUnits": 3.0, "Table": {"CapacityUnits": 3.0}}
    ]
    # No local secondary index: no item collections to report on.
    assert reply.get("ItemCollectionMetrics", {}) == {}


def test_write_metrics_with_local_index(ddb: Any, make_table: Callable[..., str]) -> None:
    name = make_table(
        range=("sk", "S"),
        ExtraAttributes=[("lsk", "S")],
        LocalSecondaryIndexes=[
            {
                "IndexName": "by-lsk",
                "KeySchema": [
                    {"AttributeName": "pk", "KeyType": "HASH"},
                    {"AttributeName": "lsk", "KeyType": "RANGE"},
                ],
                "Projection": {"ProjectionType": "ALL"},
            }
        ],
    )
    item = {"pk": {"S": "p"}, "sk": {"S": "1"}, "lsk": {"S": "x"}}
    reply = ddb.batch_write_item(
        RequestItems={name: [{"PutRequest": {"Item": item}}]},
        ReturnItemCollectionMetrics="SIZE",
        ReturnConsumedCapacity="INDEXES",
    )
    assert reply["ItemCollectionMetrics"] == {
        name: [{"ItemCollectionKey": {"pk": {"S": "p"}}, "SizeEstimateRangeGB": [0.0, 1.0]}]
    }
    consumed = reply["ConsumedCapacity"][0]
    assert consumed["LocalSecondaryIndexes"] == {"by-lsk": {"CapacityUnits": 1.0}}
    assert consumed["CapacityUnits"] == 2.0


# -- BatchGetItem -------------------------------------------------------------------------------


def test_batch_get_items_from_two_tables(ddb: Any, make_table: Callable[..., str]) -> None:
    first, second = make_table(), make_table(range=("sk", "N"))
    ddb.batch_write_item(RequestItems={first: [put(f"k{i}", v=str(i)) for i in range(5)]})
    ddb.put_item(TableName=second, Item={"pk": {"S": "p"}, "sk": {"N": "1"}, "v": {"S": "two"}})
    reply = ddb.batch_get_item(
        RequestItems={
            first: {"Keys": keys("k1", "k3", "missing"), "ConsistentRead": True},
            second: {"Keys": [{"pk": {"S": "p"}, "sk": {"N": "1.0"}}]},
        }
    )
    got = sorted(reply["Responses"][first], key=lambda item: item["pk"]["S"])
    assert got == [
        {"pk": {"S": "k1"}, "v": {"S": "1"}},
        {"pk": {"S": "k3"}, "v": {"S": "3"}},
    ]
    assert reply["Responses"][second] == [{"pk": {"S": "p"}, "sk": {"N": "1"}, "v": {"S": "two"}}]
    assert reply["UnprocessedKeys"] == {}


def test_batch_get_nothing_found_still_lists_the_table(
    ddb: Any, make_table: Callable[..., str]
) -> None:
    name = make_table()
    reply = ddb.batch_get_item(RequestItems={name: {"Keys": keys("nope")}})
    assert reply["Responses"] == {name: []}


def test_batch_get_projections(ddb: Any, make_table: Callable[..., str]) -> None:
    name = make_table()
    ddb.put_item(
        TableName=name, Item={"pk": {"S": "k"}, "a": {"S": "1"}, "b": {"S": "2"}, "c": {"S": "3"}}
    )
    reply = ddb.batch_get_item(
        RequestItems={
            name: {
                "Keys": keys("k"),
                "ProjectionExpression": "#a, c",
                "ExpressionAttributeNames": {"#a": "a"},
            }
        }
    )
    assert reply["Responses"][name] == [{"a": {"S": "1"}, "c": {"S": "3"}}]
    reply = ddb.batch_get_item(RequestItems={name: {"Keys": keys("k"), "AttributesToGet": ["b"]}})
    assert reply["Responses"][name] == [{"b": {"S": "2"}}]
    with pytest.raises(ClientError) as exc:
        ddb.batch_get_item(
            RequestItems={
                name: {
                    "Keys": keys("k"),
                    "ProjectionExpression": "#a",
                    "ExpressionAttributeNames": {"#a": "a", "#unused": "x"},
                }
            }
        )
    assert error(exc) == (
        "ValidationException",
        "Value provided in ExpressionAttributeNames unused in expressions: keys: {#unused}",
    )


def test_batch_get_refusals(ddb: Any, make_table: Callable[..., str]) -> None:
    first, second = make_table(), make_table()
    with pytest.raises(ClientError) as exc:
        ddb.batch_get_item(RequestItems={first: {"Keys": keys("k", "k")}})
    assert error(exc) == ("ValidationException", "Provided list of item keys contains duplicates")
    with pytest.raises(ClientError) as exc:
        ddb.batch_get_item(
            RequestItems={
                first: {"Keys": keys(*(f"a{i}" for i in range(60)))},
                second: {"Keys": keys(*(f"b{i}" for i in range(41)))},
            }
        )
    assert error(exc) == (
        "ValidationException",
        "Too many items requested for the BatchGetItem call",
    )
    with pytest.raises(ClientError) as exc:
        ddb.batch_get_item(RequestItems={first: {"Keys": keys(*(f"a{i}" for i in range(101)))}})
    code, message = error(exc)
    assert code == "ValidationException"
    assert message.endswith(
        f"at 'requestItems.{first}.member.keys' failed to satisfy constraint: Member must"
        " have length less than or equal to 100"
    )
    with pytest.raises(ClientError) as exc:
        ddb.batch_get_item(RequestItems={"no-such-table": {"Keys": keys("k")}})
    assert error(exc) == ("ResourceNotFoundException", "Requested resource not found")
    with pytest.raises(ClientError) as exc:
        ddb.batch_get_item(RequestItems={first: {"Keys": [{"pk": {"S": "k"}, "x": {"S": "y"}}]}})
    assert error(exc) == (
        "ValidationException",
        "The provided key element does not match the schema",
    )


def test_batch_get_capacity(ddb: Any, make_table: Callable[..., str]) -> None:
    name = make_table()
    ddb.put_item(TableName=name, Item={"pk": {"S": "big"}, "v": {"S": "x" * 5000}})
    request = {"Keys": keys("big", "missing")}
    eventual = ddb.batch_get_item(RequestItems={name: request}, ReturnConsumedCapacity="TOTAL")[
        "ConsumedCapacity"
    ]
    # 2 blocks of 4 KB + 1 block for the missing item, halved when eventually consistent.
    assert eventual == [{"TableName": name, "CapacityUnits": 1.5}]
    strong = ddb.batch_get_item(
        RequestItems={name: {**request, "ConsistentRead": True}}, ReturnConsumedCapacity="TOTAL"
    )["ConsumedCapacity"]
    assert strong == [{"TableName": name, "CapacityUnits": 3.0}]


def test_batch_get_over_16_mb_leaves_unprocessed_keys(
    ddb: Any, make_table: Callable[..., str]
) -> None:
    name = make_table()
    blob = "x" * (390 * 1024)
    wanted = [f"k{i:02d}" for i in range(48)]  # about 18.3 MB in all
    for start in range(0, len(wanted), 4):  # the server takes requests of up to 2 MB
        batch = [put(k, v=blob) for k in wanted[start : start + 4]]
        ddb.batch_write_item(RequestItems={name: batch})
    to_read: dict[str, Any] = {name: {"Keys": keys(*wanted), "ConsistentRead": True}}
    found: list[str] = []
    rounds = 0
    while to_read:
        reply = ddb.batch_get_item(RequestItems=to_read)
        found.extend(item["pk"]["S"] for item in reply["Responses"][name])
        to_read = reply["UnprocessedKeys"]
        if to_read:
            # The unprocessed keys come back with the request's other parameters.
            assert to_read[name]["ConsistentRead"] is True
        rounds += 1
    assert rounds == 2
    assert sorted(found) == wanted
