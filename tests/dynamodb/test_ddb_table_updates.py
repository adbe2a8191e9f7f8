"""UpdateTable through a real server: throughput and billing mode, GSIs created (backfilled
from existing items, while writes go on) and deleted, streams, SSE, table class and deletion
protection, with AWS's errors to the letter."""

from __future__ import annotations

import threading
import time
import uuid
from typing import Any

import pytest
from botocore.exceptions import ClientError

INVALID = "One or more parameter values were invalid: "
THROUGHPUT = {"ReadCapacityUnits": 5, "WriteCapacityUnits": 5}


def error(call: Any, **kw: Any) -> tuple[str, str]:
    with pytest.raises(ClientError) as info:
        call(**kw)
    err = info.value.response["Error"]
    return err["Code"], err["Message"]


def wait_for(check: Any, timeout: float = 30.0) -> None:
    deadline = time.time() + timeout
    while not check():
        assert time.time() < deadline, "timed out"
        time.sleep(0.1)


def index_status(ddb: Any, table: str, index: str) -> str | None:
    described = ddb.describe_table(TableName=table)["Table"]
    for gsi in described.get("GlobalSecondaryIndexes", []):
        if gsi["IndexName"] == index:
            return str(gsi["IndexStatus"])
    return None


def create_gsi(name: str, key: str = "g", **kw: Any) -> dict[str, Any]:
    return {
        "Create": {
            "IndexName": name,
            "KeySchema": [{"AttributeName": key, "KeyType": "HASH"}],
            "Projection": {"ProjectionType": "ALL"},
            **kw,
        }
    }


G_DEFS = [{"AttributeName": "g", "AttributeType": "S"}]


def test_nothing_to_update(ddb: Any, make_table: Any) -> None:
    name = make_table()
    assert error(ddb.update_table, TableName=name) == (
        "ValidationException",
        "At least one of ProvisionedThroughput, BillingMode, UpdateStreamEnabled,"
        " GlobalSecondaryIndexUpdates, SSESpecification, ReplicaUpdates,"
        " MultiAccountReplicaReady, ReplicaTransitRoleArn, MultiRegionConsistency,"
        " DeletionProtectionEnabled, OnDemandThroughput, WarmThroughput or TableClass is required",
    )


def test_missing_table(ddb: Any) -> None:
    name = f"t-{uuid.uuid4().hex}"
    assert error(ddb.update_table, TableName=name, BillingMode="PAY_PER_REQUEST") == (
        "ResourceNotFoundException",
        f"Requested resource not found: Table: {name} not found",
    )


def test_throughput(ddb: Any, make_table: Any) -> None:
    name = make_table(BillingMode="PROVISIONED", ProvisionedThroughput=THROUGHPUT)
    more = {"ReadCapacityUnits": 10, "WriteCapacityUnits": 3}
    got = ddb.update_table(TableName=name, ProvisionedThroughput=more)["TableDescription"]
    assert got["TableStatus"] == "UPDATING"
    table = ddb.describe_table(TableName=name)["Table"]
    assert table["TableStatus"] == "ACTIVE"
    assert table["ProvisionedThroughput"]["ReadCapacityUnits"] == 10
    assert table["ProvisionedThroughput"]["WriteCapacityUnits"] == 3
    assert error(ddb.update_table, TableName=name, ProvisionedThroughput=more)[1] == (
        "The provisioned throughput for the table will not change. The requested value equals"
        " the current value. Current ReadCapacityUnits provisioned for the table: 10. Requested"
        " ReadCapacityUnits: 10. Current WriteCapacityUnits provisioned for the table: 3."
        " Requested WriteCapacityUnits: 3. Refer to the Amazon DynamoDB Developer Guide for"
        " current limits and how to request higher limits."
    )


def test_throughput_changes_are_dated_and_counted(ddb: Any, make_table: Any) -> None:
    """As DynamoDB answers (dynalite's suite, recorded against it): UpdateTable's answer shows
    the units as they were with the change dated; DescribeTable then the new units, dated when
    applied, and a decrease counted in NumberOfDecreasesToday."""
    name = make_table(BillingMode="PROVISIONED", ProvisionedThroughput=THROUGHPUT)
    created = ddb.describe_table(TableName=name)["Table"]["ProvisionedThroughput"]
    assert "LastIncreaseDateTime" not in created and created["NumberOfDecreasesToday"] == 0
    before = time.time()
    more = {"ReadCapacityUnits": 15, "WriteCapacityUnits": 15}
    answer = ddb.update_table(TableName=name, ProvisionedThroughput=more)["TableDescription"]
    shown = answer["ProvisionedThroughput"]
    assert (shown["ReadCapacityUnits"], shown["WriteCapacityUnits"]) == (5, 5)
    assert answer["TableStatus"] == "UPDATING"
    increased = shown["LastIncreaseDateTime"].timestamp()
    assert before - 5 < increased < time.time() + 5
    now = ddb.describe_table(TableName=name)["Table"]["ProvisionedThroughput"]
    assert (now["ReadCapacityUnits"], now["WriteCapacityUnits"]) == (15, 15)
    assert now["LastIncreaseDateTime"].timestamp() > increased
    assert now["NumberOfDecreasesToday"] == 0

    answer = ddb.update_table(TableName=name, ProvisionedThroughput=THROUGHPUT)
    shown = answer["TableDescription"]["ProvisionedThroughput"]
    assert (shown["ReadCapacityUnits"], shown["NumberOfDecreasesToday"]) == (15, 0)
    assert shown["LastIncreaseDateTime"] == now["LastIncreaseDateTime"]
    decreased = shown["LastDecreaseDateTime"].timestamp()
    after = ddb.describe_table(TableName=name)["Table"]["ProvisionedThroughput"]
    assert (after["ReadCapacityUnits"], after["NumberOfDecreasesToday"]) == (5, 1)
    assert after["LastDecreaseDateTime"].timestamp() > decreased


def test_a_gsi_throughput_update_leaves_the_table_active(ddb: Any, make_table: Any) -> None:
    """AWS, probed in 2026: the answer shows the table ACTIVE and the index UPDATING with its
    old units; DescribeTable then the new ones."""
    name = make_table(
        BillingMode="PROVISIONED",
        ProvisionedThroughput=THROUGHPUT,
        ExtraAttributes=[("g", "S")],
        GlobalSecondaryIndexes=[create_gsi("byg", ProvisionedThroughput=THROUGHPUT)["Create"]],
    )
    more = {"ReadCapacityUnits": 6, "WriteCapacityUnits": 6}
    update = {"Update": {"IndexName": "byg", "ProvisionedThroughput": more}}
    answer = ddb.update_table(TableName=name, GlobalSecondaryIndexUpdates=[update])
    described = answer["TableDescription"]
    (gsi,) = described["GlobalSecondaryIndexes"]
    assert described["TableStatus"] == "ACTIVE"
    assert gsi["IndexStatus"] == "UPDATING"
    assert gsi["ProvisionedThroughput"]["ReadCapacityUnits"] == 5
    assert "LastIncreaseDateTime" in gsi["ProvisionedThroughput"]
    (gsi,) = ddb.describe_table(TableName=name)["Table"]["GlobalSecondaryIndexes"]
    assert (gsi["IndexStatus"], gsi["ProvisionedThroughput"]["ReadCapacityUnits"]) == (
        "ACTIVE",
        6,
    )


def test_billing_mode_switches(ddb: Any, make_table: Any) -> None:
    name = make_table()
    assert error(ddb.update_table, TableName=name, ProvisionedThroughput=THROUGHPUT)[1] == (
        INVALID + "Neither ReadCapacityUnits nor WriteCapacityUnits can be specified when"
        " BillingMode is PAY_PER_REQUEST"
    )
    assert error(ddb.update_table, TableName=name, BillingMode="PROVISIONED")[1] == (
        INVALID + "ProvisionedThroughput must be specified when BillingMode is PROVISIONED"
    )
    ddb.update_table(TableName=name, BillingMode="PROVISIONED", ProvisionedThroughput=THROUGHPUT)
    table = ddb.describe_table(TableName=name)["Table"]
    assert table["BillingModeSummary"]["BillingMode"] == "PROVISIONED"
    assert table["ProvisionedThroughput"]["ReadCapacityUnits"] == 5
    ddb.update_table(TableName=name, BillingMode="PAY_PER_REQUEST")
    table = ddb.describe_table(TableName=name)["Table"]
    assert table["BillingModeSummary"]["BillingMode"] == "PAY_PER_REQUEST"
    assert table["ProvisionedThroughput"]["ReadCapacityUnits"] == 0


def test_switch_to_provisioned_needs_gsi_throughput(ddb: Any, make_table: Any) -> None:
    index = create_gsi("byg")["Create"]
    name = make_table(ExtraAttributes=[("g", "S")], GlobalSecondaryIndexes=[index])
    assert error(
        ddb.update_table,
        TableName=name,
        BillingMode="PROVISIONED",
        ProvisionedThroughput=THROUGHPUT,
    )[1] == (INVALID + "ProvisionedThroughput must be specified for index: byg")
    update = {"Update": {"IndexName": "byg", "ProvisionedThroughput": THROUGHPUT}}
    assert error(ddb.update_table, TableName=name, GlobalSecondaryIndexUpdates=[update])[1] == (
        INVALID + "The only Updates for index: byg when TableThroughputMode is PAY_PER_REQUEST"
        " can be to OnDemandThroughput, WarmThroughput"
    )
    ddb.update_table(
        TableName=name,
        BillingMode="PROVISIONED",
        ProvisionedThroughput=THROUGHPUT,
        GlobalSecondaryIndexUpdates=[update],
    )
    (gsi,) = ddb.describe_table(TableName=name)["Table"]["GlobalSecondaryIndexes"]
    assert gsi["ProvisionedThroughput"]["ReadCapacityUnits"] == 5
    more = {
        "Update": {
            "IndexName": "byg",
            "ProvisionedThroughput": {"ReadCapacityUnits": 9, "WriteCapacityUnits": 5},
        }
    }
    ddb.update_table(TableName=name, GlobalSecondaryIndexUpdates=[more])
    (gsi,) = ddb.describe_table(TableName=name)["Table"]["GlobalSecondaryIndexes"]
    assert gsi["ProvisionedThroughput"]["ReadCapacityUnits"] == 9


def test_gsi_created_on_a_provisioned_table_needs_both_units(ddb: Any, make_table: Any) -> None:
    # UpdateTable words this differently from CreateTable ("ProvisionedThroughput is not
    # specified ..."): it asks for both units by name.
    name = make_table(BillingMode="PROVISIONED", ProvisionedThroughput=THROUGHPUT)
    assert error(
        ddb.update_table,
        TableName=name,
        AttributeDefinitions=G_DEFS,
        GlobalSecondaryIndexUpdates=[create_gsi("byg")],
    ) == (
        "ValidationException",
        INVALID + "Both ReadCapacityUnits and WriteCapacityUnits must be specified for index: byg",
    )
    assert "GlobalSecondaryIndexes" not in ddb.describe_table(TableName=name)["Table"]


def test_create_gsi_backfills(ddb: Any, make_table: Any) -> None:
    name = make_table()
    for i in range(30):
        item = {"pk": {"S": f"k{i}"}, "g": {"S": f"g{i % 3}"}, "n": {"N": str(i)}}
        ddb.put_item(TableName=name, Item=item)
    ddb.put_item(TableName=name, Item={"pk": {"S": "no-g"}})
    got = ddb.update_table(
        TableName=name, AttributeDefinitions=G_DEFS, GlobalSecondaryIndexUpdates=[create_gsi("byg")]
    )["TableDescription"]
    (created,) = got["GlobalSecondaryIndexes"]
    assert created["IndexStatus"] == "CREATING" and created["Backfilling"] is True
    assert {"AttributeName": "g", "AttributeType": "S"} in got["AttributeDefinitions"]
    wait_for(lambda: index_status(ddb, name, "byg") == "ACTIVE")
    found = ddb.query(
        TableName=name,
        IndexName="byg",
        KeyConditionExpression="g = :g",
        ExpressionAttributeValues={":g": {"S": "g1"}},
    )["Items"]
    assert sorted(int(i["n"]["N"]) for i in found) == list(range(1, 30, 3))
    (described,) = ddb.describe_table(TableName=name)["Table"]["GlobalSecondaryIndexes"]
    assert described["ItemCount"] == 30
    assert "Backfilling" not in described


def test_backfill_leaves_out_oversized_keys(ddb: Any, make_table: Any) -> None:
    """Items written before the GSI existed may hold a value too long for an index key (2048
    bytes as partition key, 1024 as sort key): the backfill leaves them out of that index."""
    name = make_table()
    for n in (1024, 1025, 2048, 2049):
        ddb.put_item(
            TableName=name, Item={"pk": {"S": f"k{n}"}, "g": {"S": "a" * n}, "c": {"S": "c"}}
        )
    defs = [*G_DEFS, {"AttributeName": "c", "AttributeType": "S"}]
    ddb.update_table(
        TableName=name, AttributeDefinitions=defs, GlobalSecondaryIndexUpdates=[create_gsi("byg")]
    )
    wait_for(lambda: index_status(ddb, name, "byg") == "ACTIVE")
    sorted_on_g = create_gsi("byc", key="c")
    sorted_on_g["Create"]["KeySchema"].append({"AttributeName": "g", "KeyType": "RANGE"})
    ddb.update_table(
        TableName=name, AttributeDefinitions=defs, GlobalSecondaryIndexUpdates=[sorted_on_g]
    )
    wait_for(lambda: index_status(ddb, name, "byc") == "ACTIVE")

    def keys_in(index: str) -> list[str]:
        return sorted(i["pk"]["S"] for i in ddb.scan(TableName=name, IndexName=index)["Items"])

    assert keys_in("byg") == ["k1024", "k1025", "k2048"]
    assert keys_in("byc") == ["k1024"]


def test_gsi_key_type_cannot_be_redefined(ddb: Any, make_table: Any) -> None:
    name = make_table(
        ExtraAttributes=[("g", "S")],
        GlobalSecondaryIndexes=[create_gsi("first")["Create"]],
    )
    got = error(
        ddb.update_table,
        TableName=name,
        AttributeDefinitions=[{"AttributeName": "g", "AttributeType": "N"}],
        GlobalSecondaryIndexUpdates=[create_gsi("second")],
    )
    assert got == (
        "ValidationException",
        "One or more parameter values were invalid: Attributes cannot be redefined. Please"
        " check that your attribute has the same type as previously defined. Existing schema:"
        " Schema:[SchemaElement: key{g:S:HASH}] New schema: Schema:[SchemaElement:"
        " key{g:N:HASH}]",
    )


def _put(ddb: Any, name: str, item: dict[str, Any]) -> None:
    ddb.put_item(TableName=name, Item=item)


def _batch_write(ddb: Any, name: str, item: dict[str, Any]) -> None:
    ddb.batch_write_item(RequestItems={name: [{"PutRequest": {"Item": item}}]})


def _transact_write(ddb: Any, name: str, item: dict[str, Any]) -> None:
    ddb.transact_write_items(TransactItems=[{"Put": {"TableName": name, "Item": item}}])


@pytest.mark.slow
@pytest.mark.parametrize("write", [_put, _batch_write, _transact_write])
def test_backfill_with_concurrent_writes(ddb: Any, make_table: Any, write: Any) -> None:
    """Whichever operation writes while a GSI is backfilled, the index ends up agreeing with
    the table (a write that read the table before the index existed is redone)."""
    name = make_table()
    for i in range(200):
        ddb.put_item(TableName=name, Item={"pk": {"S": f"k{i}"}, "g": {"S": "old"}})
    stop = threading.Event()

    def rewrite() -> None:
        i = 0
        while not stop.is_set():
            write(ddb, name, {"pk": {"S": f"k{i % 200}"}, "g": {"S": "new"}})
            i += 1

    writer = threading.Thread(target=rewrite)
    writer.start()
    try:
        ddb.update_table(
            TableName=name,
            AttributeDefinitions=G_DEFS,
            GlobalSecondaryIndexUpdates=[create_gsi("byg")],
        )
        wait_for(lambda: index_status(ddb, name, "byg") == "ACTIVE")
    finally:
        stop.set()
        writer.join()
    by_value: dict[str, set[str]] = {}
    for value in ("old", "new"):
        pages = ddb.get_paginator("query").paginate(
            TableName=name,
            IndexName="byg",
            KeyConditionExpression="g = :g",
            ExpressionAttributeValues={":g": {"S": value}},
        )
        by_value[value] = {i["pk"]["S"] for p in pages for i in p["Items"]}
    items = {
        i["pk"]["S"]: i["g"]["S"]
        for p in ddb.get_paginator("scan").paginate(TableName=name)
        for i in p["Items"]
    }
    # Every item is in the index exactly once, under its current value.
    assert by_value["old"] == {k for k, v in items.items() if v == "old"}
    assert by_value["new"] == {k for k, v in items.items() if v == "new"}


def test_delete_gsi(ddb: Any, make_table: Any) -> None:
    index = create_gsi("byg")["Create"]
    name = make_table(ExtraAttributes=[("g", "S")], GlobalSecondaryIndexes=[index])
    ddb.put_item(TableName=name, Item={"pk": {"S": "a"}, "g": {"S": "x"}})
    got = ddb.update_table(
        TableName=name, GlobalSecondaryIndexUpdates=[{"Delete": {"IndexName": "byg"}}]
    )
    assert got["TableDescription"]["GlobalSecondaryIndexes"][0]["IndexStatus"] == "DELETING"
    wait_for(lambda: index_status(ddb, name, "byg") is None)
    table = ddb.describe_table(TableName=name)["Table"]
    assert "GlobalSecondaryIndexes" not in table
    assert table["AttributeDefinitions"] == [{"AttributeName": "pk", "AttributeType": "S"}]
    # The name can be used again, and the new index holds only what it should.
    ddb.update_table(
        TableName=name,
        AttributeDefinitions=[{"AttributeName": "g", "AttributeType": "N"}],
        GlobalSecondaryIndexUpdates=[create_gsi("byg")],
    )
    wait_for(lambda: index_status(ddb, name, "byg") == "ACTIVE")
    (described,) = ddb.describe_table(TableName=name)["Table"]["GlobalSecondaryIndexes"]
    assert described["ItemCount"] == 0


def test_gsi_update_errors(ddb: Any, make_table: Any) -> None:
    index = create_gsi("byg")["Create"]
    lsi = {
        "IndexName": "bylsi",
        "KeySchema": [
            {"AttributeName": "pk", "KeyType": "HASH"},
            {"AttributeName": "l", "KeyType": "RANGE"},
        ],
        "Projection": {"ProjectionType": "KEYS_ONLY"},
    }
    name = make_table(
        range=("sk", "S"),
        ExtraAttributes=[("g", "S"), ("l", "S")],
        GlobalSecondaryIndexes=[index],
        LocalSecondaryIndexes=[lsi],
    )
    update = ddb.update_table
    assert error(
        update,
        TableName=name,
        AttributeDefinitions=G_DEFS,
        GlobalSecondaryIndexUpdates=[create_gsi("byg")],
    ) == (
        "ValidationException",
        "Attempting to create an index which already exists",
    )
    assert error(update, TableName=name, GlobalSecondaryIndexUpdates=[create_gsi("new")])[1] == (
        INVALID + "AttributeDefinitions is not specified for index: new"
    )
    two = [create_gsi("one"), create_gsi("two")]
    assert error(
        update, TableName=name, AttributeDefinitions=G_DEFS, GlobalSecondaryIndexUpdates=two
    ) == (
        "LimitExceededException",
        "Subscriber limit exceeded: Only 1 online index can be created or deleted simultaneously"
        " per table",
    )
    same = [create_gsi("one"), {"Delete": {"IndexName": "one"}}]
    assert error(
        update, TableName=name, AttributeDefinitions=G_DEFS, GlobalSecondaryIndexUpdates=same
    )[1] == (
        INVALID
        + "Only one global secondary index update per index is allowed simultaneously. Index: one"
    )
    assert error(
        update, TableName=name, GlobalSecondaryIndexUpdates=[{"Delete": {"IndexName": "bylsi"}}]
    )[1] == ("Cannot delete an index that is not a GlobalSecondaryIndex: bylsi")
    assert error(
        update, TableName=name, GlobalSecondaryIndexUpdates=[{"Delete": {"IndexName": "ghost"}}]
    ) == (
        "ResourceNotFoundException",
        f"Requested resource not found: Index ghost for table {name}",
    )
    undefined = [create_gsi("new", key="zz")]
    assert error(
        update, TableName=name, AttributeDefinitions=G_DEFS, GlobalSecondaryIndexUpdates=undefined
    )[1] == (
        INVALID + "Some index key attributes are not defined in AttributeDefinitions. Keys: [zz],"
        " AttributeDefinitions: [g]"
    )
    with_throughput = [create_gsi("new", ProvisionedThroughput=THROUGHPUT)]
    assert error(
        update,
        TableName=name,
        AttributeDefinitions=G_DEFS,
        GlobalSecondaryIndexUpdates=with_throughput,
    )[1] == (
        INVALID + "Neither ReadCapacityUnits nor WriteCapacityUnits can be specified for index:"
        " new when BillingMode is PAY_PER_REQUEST"
    )
    stream = {"StreamEnabled": True, "StreamViewType": "KEYS_ONLY"}
    assert error(
        update,
        TableName=name,
        AttributeDefinitions=G_DEFS,
        GlobalSecondaryIndexUpdates=[create_gsi("new")],
        StreamSpecification=stream,
    )[1] == (INVALID + "You cannot create or delete index while changing stream status")


def test_gsi_limit_on_update(ddb: Any, make_table: Any) -> None:
    indexes = [create_gsi(f"idx{i}")["Create"] for i in range(20)]
    name = make_table(ExtraAttributes=[("g", "S")], GlobalSecondaryIndexes=indexes)
    code, _ = error(
        ddb.update_table,
        TableName=name,
        AttributeDefinitions=G_DEFS,
        GlobalSecondaryIndexUpdates=[create_gsi("one-more")],
    )
    assert code == "LimitExceededException"


def test_streams(ddb: Any, make_table: Any) -> None:
    name = make_table()
    assert error(ddb.update_table, TableName=name, StreamSpecification={"StreamEnabled": False})[
        1
    ] == (f"Table has no stream to disable: TableName: {name}")
    assert error(ddb.update_table, TableName=name, StreamSpecification={"StreamEnabled": True})[
        1
    ] == (INVALID + "If stream is being enabled then UpdateViewType is required")
    spec = {"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"}
    got = ddb.update_table(TableName=name, StreamSpecification=spec)["TableDescription"]
    assert got["StreamSpecification"] == spec
    first_arn = got["LatestStreamArn"]
    assert error(ddb.update_table, TableName=name, StreamSpecification=spec)[1] == (
        f"Table already has an enabled stream: TableName: {name}"
    )
    # The missing view type is judged before the stream already there (AWS, 2026).
    assert error(ddb.update_table, TableName=name, StreamSpecification={"StreamEnabled": True})[
        1
    ] == (INVALID + "If stream is being enabled then UpdateViewType is required")
    off = {"StreamEnabled": False, "StreamViewType": "KEYS_ONLY"}
    assert error(ddb.update_table, TableName=name, StreamSpecification=off)[1] == (
        INVALID + "If stream is being disabled, then UpdateViewType must not be specified"
    )
    ddb.update_table(TableName=name, StreamSpecification={"StreamEnabled": False})
    table = ddb.describe_table(TableName=name)["Table"]
    assert "StreamSpecification" not in table
    assert table["LatestStreamArn"] == first_arn  # the disabled stream stays readable
    time.sleep(0.01)
    ddb.update_table(
        TableName=name, StreamSpecification={"StreamEnabled": True, "StreamViewType": "KEYS_ONLY"}
    )
    table = ddb.describe_table(TableName=name)["Table"]
    assert table["LatestStreamArn"] != first_arn
    assert table["StreamSpecification"]["StreamViewType"] == "KEYS_ONLY"


def test_only_operation_rules(ddb: Any, make_table: Any) -> None:
    name = make_table()
    assert error(
        ddb.update_table,
        TableName=name,
        SSESpecification={"Enabled": True},
        DeletionProtectionEnabled=True,
    )[1] == (
        INVALID + "Server-Side Encryption modification must be the only operation in the request"
    )
    assert error(
        ddb.update_table,
        TableName=name,
        TableClass="STANDARD_INFREQUENT_ACCESS",
        DeletionProtectionEnabled=True,
    )[1] == (INVALID + "TableClass modification must be the only operation in the request")
    stream = {"StreamEnabled": True, "StreamViewType": "KEYS_ONLY"}
    assert error(
        ddb.update_table, TableName=name, StreamSpecification=stream, BillingMode="PAY_PER_REQUEST"
    )[1] == (INVALID + "You cannot modify stream status while updating table IOPS")


def test_sse_class_protection(ddb: Any, make_table: Any) -> None:
    name = make_table()
    assert error(ddb.update_table, TableName=name, SSESpecification={"Enabled": False})[1] == (
        INVALID + "Table is already encrypted by default"
    )
    with pytest.raises(ClientError) as info:  # a KMS key: not done, so refused
        ddb.update_table(
            TableName=name, SSESpecification={"Enabled": True, "KMSMasterKeyId": "alias/mine"}
        )
    assert info.value.response["Error"]["Code"] == "NotImplemented"
    assert "SSEDescription" not in ddb.describe_table(TableName=name)["Table"]
    ddb.update_table(TableName=name, TableClass="STANDARD_INFREQUENT_ACCESS")
    table = ddb.describe_table(TableName=name)["Table"]
    assert table["TableClassSummary"]["TableClass"] == "STANDARD_INFREQUENT_ACCESS"
    ddb.update_table(TableName=name, DeletionProtectionEnabled=True)
    assert ddb.describe_table(TableName=name)["Table"]["DeletionProtectionEnabled"] is True
    assert error(ddb.delete_table, TableName=name)[0] == "ValidationException"
    ddb.update_table(TableName=name, DeletionProtectionEnabled=False)


def test_a_request_wrong_in_itself_is_refused_before_the_table_is_looked_up(server: Any) -> None:
    """What AWS judges of the request alone comes before "Table: ... not found"."""
    from botocore.config import Config

    raw = server.client("dynamodb", config=Config(parameter_validation=False))
    missing = f"gone-{uuid.uuid4().hex[:8]}"
    low = {"ReadCapacityUnits": -1, "WriteCapacityUnits": -1}
    _, message = error(raw.update_table, TableName=missing, ProvisionedThroughput=low)
    assert message.startswith("2 validation errors detected: ")
    for member in ("readCapacityUnits", "writeCapacityUnits"):
        assert (
            f"Value '-1' at 'provisionedThroughput.{member}' failed to satisfy constraint:"
            " Member must have value greater than or equal to 1"
        ) in message
    high = {"ReadCapacityUnits": 1_000_000_000_000, "WriteCapacityUnits": 1_000_000_000_001}
    assert error(raw.update_table, TableName=missing, ProvisionedThroughput=high) == (
        "ValidationException",
        "Given value 1000000000001 for WriteCapacityUnits is out of bounds",
    )
    twice = [{"Delete": {"IndexName": "abc"}}, {"Delete": {"IndexName": "abc"}}]
    assert error(raw.update_table, TableName=missing, GlobalSecondaryIndexUpdates=twice) == (
        "ValidationException",
        INVALID + "Only one global secondary index update per index is allowed simultaneously."
        " Index: abc",
    )
    assert error(raw.update_table, TableName=missing, GlobalSecondaryIndexUpdates=[{}]) == (
        "ValidationException",
        INVALID + "One of GlobalSecondaryIndexUpdate.Update, GlobalSecondaryIndexUpdate.Create,"
        " GlobalSecondaryIndexUpdate.Delete must not be null",
    )
    _, message = error(raw.update_table, TableName="abc;", ProvisionedThroughput=low)
    assert message.startswith("3 validation errors detected: Value 'abc;' at 'tableName'")
    fine = {"ReadCapacityUnits": 1, "WriteCapacityUnits": 1}
    assert error(raw.update_table, TableName=missing, ProvisionedThroughput=fine) == (
        "ResourceNotFoundException",
        f"Requested resource not found: Table: {missing} not found",
    )
