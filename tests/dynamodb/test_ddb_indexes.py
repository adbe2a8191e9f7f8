"""Secondary indexes through a real server: entries follow every write (put, update, delete),
sparse indexes, projections, Query and Scan on GSIs and LSIs, index-aware paging."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from botocore.exceptions import ClientError


def error(exc: pytest.ExceptionInfo[ClientError]) -> tuple[str, str]:
    err = exc.value.response["Error"]
    return err["Code"], err["Message"]


@pytest.fixture
def indexed(make_table: Callable[..., str]) -> str:
    """Table pk/sk (S/N) with GSI "by_status" (status S, due N; KEYS_ONLY), GSI "by_owner"
    (owner S; INCLUDE title), LSI "by_rank" (pk, rank N; ALL) and LSI "by_due" (pk, due N;
    KEYS_ONLY)."""
    return make_table(
        range=("sk", "N"),
        ExtraAttributes=[("status", "S"), ("due", "N"), ("owner", "S"), ("rank", "N")],
        GlobalSecondaryIndexes=[
            {
                "IndexName": "by_status",
                "KeySchema": [
                    {"AttributeName": "status", "KeyType": "HASH"},
                    {"AttributeName": "due", "KeyType": "RANGE"},
                ],
                "Projection": {"ProjectionType": "KEYS_ONLY"},
            },
            {
                "IndexName": "by_owner",
                "KeySchema": [{"AttributeName": "owner", "KeyType": "HASH"}],
                "Projection": {"ProjectionType": "INCLUDE", "NonKeyAttributes": ["title"]},
            },
        ],
        LocalSecondaryIndexes=[
            {
                "IndexName": "by_rank",
                "KeySchema": [
                    {"AttributeName": "pk", "KeyType": "HASH"},
                    {"AttributeName": "rank", "KeyType": "RANGE"},
                ],
                "Projection": {"ProjectionType": "ALL"},
            },
            {
                "IndexName": "by_due",
                "KeySchema": [
                    {"AttributeName": "pk", "KeyType": "HASH"},
                    {"AttributeName": "due", "KeyType": "RANGE"},
                ],
                "Projection": {"ProjectionType": "KEYS_ONLY"},
            },
        ],
    )


def put(ddb: Any, table: str, sk: int, **attrs: Any) -> None:
    item: dict[str, Any] = {"pk": {"S": "t"}, "sk": {"N": str(sk)}}
    for name, value in attrs.items():
        item[name] = {"N": str(value)} if isinstance(value, int) else {"S": value}
    ddb.put_item(TableName=table, Item=item)


def index_query(ddb: Any, table: str, index: str, condition: str, **kw: Any) -> Any:
    values = kw.pop("values")
    return ddb.query(
        TableName=table,
        IndexName=index,
        KeyConditionExpression=condition,
        ExpressionAttributeValues=values,
        **kw,
    )


def anns(ddb: Any, table: str, **kw: Any) -> Any:
    """Query the GSI by_owner for owner "ann" (`owner` is a reserved word: a name placeholder)."""
    return index_query(
        ddb,
        table,
        "by_owner",
        "#o = :o",
        values={":o": {"S": "ann"}},
        ExpressionAttributeNames={"#o": "owner"},
        **kw,
    )


def test_gsi_follows_puts_updates_and_deletes(ddb: Any, indexed: str) -> None:
    put(ddb, indexed, 1, status="open", due=30, title="a", owner="ann")
    put(ddb, indexed, 2, status="open", due=10, title="b", owner="bob")
    put(ddb, indexed, 3, status="done", due=20, title="c")
    put(ddb, indexed, 4, title="no status: not in by_status")

    def open_tasks() -> list[dict[str, Any]]:
        items: list[dict[str, Any]] = index_query(
            ddb,
            indexed,
            "by_status",
            "#s = :s",
            values={":s": {"S": "open"}},
            ExpressionAttributeNames={"#s": "status"},
        )["Items"]
        return items

    assert open_tasks() == [
        {"pk": {"S": "t"}, "sk": {"N": "2"}, "status": {"S": "open"}, "due": {"N": "10"}},
        {"pk": {"S": "t"}, "sk": {"N": "1"}, "status": {"S": "open"}, "due": {"N": "30"}},
    ]
    ddb.update_item(
        TableName=indexed,
        Key={"pk": {"S": "t"}, "sk": {"N": "3"}},
        UpdateExpression="SET #s = :o",
        ExpressionAttributeNames={"#s": "status"},
        ExpressionAttributeValues={":o": {"S": "open"}},
    )
    assert [i["sk"]["N"] for i in open_tasks()] == ["2", "3", "1"]
    ddb.update_item(
        TableName=indexed,
        Key={"pk": {"S": "t"}, "sk": {"N": "2"}},
        UpdateExpression="REMOVE #s",
        ExpressionAttributeNames={"#s": "status"},
    )
    ddb.delete_item(TableName=indexed, Key={"pk": {"S": "t"}, "sk": {"N": "1"}})
    assert [i["sk"]["N"] for i in open_tasks()] == ["3"]
    scanned = ddb.scan(TableName=indexed, IndexName="by_status")
    assert scanned["Count"] == 1


def test_include_projection_and_select(ddb: Any, indexed: str) -> None:
    put(ddb, indexed, 1, owner="ann", title="x", secret="s")
    response = anns(ddb, indexed)
    assert response["Items"] == [
        {"pk": {"S": "t"}, "sk": {"N": "1"}, "owner": {"S": "ann"}, "title": {"S": "x"}}
    ]
    with pytest.raises(ClientError) as exc:
        anns(ddb, indexed, Select="ALL_ATTRIBUTES")
    assert error(exc) == (
        "ValidationException",
        "One or more parameter values were invalid: Select type ALL_ATTRIBUTES is not "
        "supported for global secondary index by_owner because its projection type is not ALL",
    )
    with pytest.raises(ClientError) as exc:
        anns(ddb, indexed, ConsistentRead=True)
    assert error(exc) == (
        "ValidationException",
        "Consistent reads are not supported on global secondary indexes",
    )


def test_lsi_query_and_paging_key(ddb: Any, indexed: str) -> None:
    for sk, rank in [(1, 30), (2, 10), (3, 20), (4, 20)]:
        put(ddb, indexed, sk, rank=rank, note=f"n{sk}")
    first = index_query(
        ddb,
        indexed,
        "by_rank",
        "pk = :p AND #r >= :low",
        values={":p": {"S": "t"}, ":low": {"N": "15"}},
        ExpressionAttributeNames={"#r": "rank"},
        Limit=2,
        ConsistentRead=True,
    )
    assert [i["sk"]["N"] for i in first["Items"]] == ["3", "4"]
    assert first["Items"][0]["note"] == {"S": "n3"}
    assert first["LastEvaluatedKey"] == {
        "pk": {"S": "t"},
        "sk": {"N": "4"},
        "rank": {"N": "20"},
    }
    rest = index_query(
        ddb,
        indexed,
        "by_rank",
        "pk = :p AND #r >= :low",
        values={":p": {"S": "t"}, ":low": {"N": "15"}},
        ExpressionAttributeNames={"#r": "rank"},
        ExclusiveStartKey=first["LastEvaluatedKey"],
    )
    assert [i["sk"]["N"] for i in rest["Items"]] == ["1"]


def test_index_key_type_checked_on_write(ddb: Any, indexed: str) -> None:
    with pytest.raises(ClientError) as exc:
        ddb.put_item(
            TableName=indexed,
            Item={"pk": {"S": "t"}, "sk": {"N": "9"}, "owner": {"N": "7"}},
        )
    assert error(exc) == (
        "ValidationException",
        "One or more parameter values were invalid: Type mismatch for Index Key owner "
        "Expected: S Actual: N IndexName: by_owner",
    )


def test_index_key_size_checked_on_write(ddb: Any, indexed: str) -> None:
    """An index key attribute has the limits of a key: 2048 bytes as a partition key, 1024 as
    a sort key (here owner is by_owner's partition key); at the limit it is indexed."""
    item = {"pk": {"S": "t"}, "sk": {"N": "1"}, "owner": {"S": "o" * 2048}}
    ddb.put_item(TableName=indexed, Item=item)
    with pytest.raises(ClientError) as exc:
        ddb.put_item(
            TableName=indexed,
            Item={"pk": {"S": "t"}, "sk": {"N": "2"}, "owner": {"S": "é" * 1025}},
        )
    assert error(exc) == (
        "ValidationException",
        "One or more parameter values were invalid: Size limit exceeded for Index Key owner"
        " Actual Size: 2050 bytes Max Size: 2048 bytes IndexName: by_owner",
    )
    assert "Item" not in ddb.get_item(TableName=indexed, Key={"pk": {"S": "t"}, "sk": {"N": "2"}})


def test_unknown_index(ddb: Any, indexed: str) -> None:
    with pytest.raises(ClientError) as exc:
        index_query(ddb, indexed, "nope", "pk = :p", values={":p": {"S": "t"}})
    assert error(exc) == (
        "ValidationException",
        "The table does not have the specified index: nope",
    )


def test_index_capacity_breakdown(ddb: Any, indexed: str) -> None:
    response = ddb.put_item(
        TableName=indexed,
        Item={
            "pk": {"S": "t"},
            "sk": {"N": "1"},
            "owner": {"S": "ann"},
            "rank": {"N": "1"},
        },
        ReturnConsumedCapacity="INDEXES",
        ReturnItemCollectionMetrics="SIZE",
    )
    assert response["ConsumedCapacity"] == {
        "TableName": indexed,
        "CapacityUnits": 3.0,
        "Table": {"CapacityUnits": 1.0},
        "GlobalSecondaryIndexes": {"by_owner": {"CapacityUnits": 1.0}},
        "LocalSecondaryIndexes": {"by_rank": {"CapacityUnits": 1.0}},
    }
    assert response["ItemCollectionMetrics"]["ItemCollectionKey"] == {"pk": {"S": "t"}}
    queried = anns(ddb, indexed, ReturnConsumedCapacity="INDEXES")
    assert queried["ConsumedCapacity"] == {
        "TableName": indexed,
        "CapacityUnits": 0.5,
        "Table": {"CapacityUnits": 0.0},
        "GlobalSecondaryIndexes": {"by_owner": {"CapacityUnits": 0.5}},
    }


def test_lsi_fetches_unprojected_attributes_from_the_table(ddb: Any, indexed: str) -> None:
    put(ddb, indexed, 1, due=5, note="first")
    put(ddb, indexed, 2, due=3, note="second")
    keys_only = index_query(ddb, indexed, "by_due", "pk = :p", values={":p": {"S": "t"}})
    assert keys_only["Items"] == [
        {"pk": {"S": "t"}, "sk": {"N": "2"}, "due": {"N": "3"}},
        {"pk": {"S": "t"}, "sk": {"N": "1"}, "due": {"N": "5"}},
    ]
    everything = index_query(
        ddb, indexed, "by_due", "pk = :p", values={":p": {"S": "t"}}, Select="ALL_ATTRIBUTES"
    )
    assert [i["note"]["S"] for i in everything["Items"]] == ["second", "first"]
    picked = index_query(
        ddb,
        indexed,
        "by_due",
        "pk = :p",
        values={":p": {"S": "t"}},
        ProjectionExpression="note",
        ScanIndexForward=False,
    )
    assert picked["Items"] == [{"note": {"S": "first"}}, {"note": {"S": "second"}}]
    filtered = index_query(
        ddb,
        indexed,
        "by_due",
        "pk = :p",
        values={":p": {"S": "t"}, ":n": {"S": "first"}},
        FilterExpression="note = :n",
    )
    # the filter reads the table's item; the result is still what the index projects
    assert filtered["Items"] == [{"pk": {"S": "t"}, "sk": {"N": "1"}, "due": {"N": "5"}}]
    assert filtered["ScannedCount"] == 2


def test_gsi_added_to_a_live_table_matches_it(
    server: Any, ddb: Any, make_table: Callable[..., str]
) -> None:
    """Writes racing the creation and backfill of a GSI leave it exactly in step with the
    table."""
    import threading

    name = make_table()
    for i in range(100):
        ddb.put_item(TableName=name, Item={"pk": {"S": f"k{i}"}, "tag": {"S": f"t{i % 3}"}})
    stop = threading.Event()

    def churn(worker: int) -> None:
        own = server.client("dynamodb")
        i = 0
        while not stop.is_set():
            key = {"S": f"k{(i * 7 + worker) % 120}"}
            if i % 5 == 4:
                own.delete_item(TableName=name, Key={"pk": key})
            else:
                tag = {"S": f"t{(i + worker) % 3}"}
                own.put_item(TableName=name, Item={"pk": key, "tag": tag})
            i += 1

    workers = [threading.Thread(target=churn, args=(w,)) for w in range(3)]
    for worker in workers:
        worker.start()
    try:
        ddb.update_table(
            TableName=name,
            AttributeDefinitions=[
                {"AttributeName": "pk", "AttributeType": "S"},
                {"AttributeName": "tag", "AttributeType": "S"},
            ],
            GlobalSecondaryIndexUpdates=[
                {
                    "Create": {
                        "IndexName": "by_tag",
                        "KeySchema": [{"AttributeName": "tag", "KeyType": "HASH"}],
                        "Projection": {"ProjectionType": "ALL"},
                    }
                }
            ],
        )
        for _ in range(200):
            indexes = ddb.describe_table(TableName=name)["Table"]["GlobalSecondaryIndexes"]
            if indexes[0]["IndexStatus"] == "ACTIVE":
                break
            threading.Event().wait(0.05)
    finally:
        stop.set()
        for worker in workers:
            worker.join()
    table_items = ddb.scan(TableName=name, ConsistentRead=True)["Items"]
    index_items = ddb.scan(TableName=name, IndexName="by_tag")["Items"]

    def as_set(items: list[dict[str, Any]]) -> set[tuple[str, str]]:
        return {(i["pk"]["S"], i["tag"]["S"]) for i in items}

    assert as_set(index_items) == as_set(table_items)
    assert len(index_items) == len(table_items)


def test_capacity_of_a_provisioned_tables_index(ddb: Any, make_table: Any) -> None:
    # A provisioned table's GSI carries its own throughput: counting its units once failed
    # (the index record, holding a dict, was a dict key) and the write answered 500.
    throughput = {"ReadCapacityUnits": 5, "WriteCapacityUnits": 5}
    name = make_table(
        ExtraAttributes=[("owner", "S")],
        BillingMode="PROVISIONED",
        ProvisionedThroughput=throughput,
        GlobalSecondaryIndexes=[
            {
                "IndexName": "by_owner",
                "KeySchema": [{"AttributeName": "owner", "KeyType": "HASH"}],
                "Projection": {"ProjectionType": "ALL"},
                "ProvisionedThroughput": throughput,
            }
        ],
    )
    written = ddb.put_item(
        TableName=name,
        Item={"pk": {"S": "a"}, "owner": {"S": "ann"}},
        ReturnConsumedCapacity="INDEXES",
    )
    assert written["ConsumedCapacity"]["GlobalSecondaryIndexes"] == {
        "by_owner": {"CapacityUnits": 1.0}
    }
    queried = anns(ddb, name, ReturnConsumedCapacity="TOTAL")
    assert queried["ConsumedCapacity"] == {"TableName": name, "CapacityUnits": 0.5}
