"""CreateTable, DescribeTable, DeleteTable and ListTables through a real server: AWS's
validation errors (to the letter), the TableDescription, the waiters and pagination."""

from __future__ import annotations

import re
import time
import uuid
from typing import Any

import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

INVALID = "One or more parameter values were invalid: "
PK = [{"AttributeName": "pk", "KeyType": "HASH"}]
PK_S = [{"AttributeName": "pk", "AttributeType": "S"}]


def unique(prefix: str = "t") -> str:
    return f"{prefix}-{uuid.uuid4().hex[:12]}"


def error(call: Any, **kw: Any) -> tuple[str, str]:
    with pytest.raises(ClientError) as info:
        call(**kw)
    err = info.value.response["Error"]
    return err["Code"], err["Message"]


@pytest.fixture
def raw(server: Any) -> Any:
    """A client without botocore's own parameter checks, to reach the server's."""
    return server.client("dynamodb", config=Config(parameter_validation=False))


def create(ddb: Any, **kw: Any) -> Any:
    kw.setdefault("TableName", unique())
    kw.setdefault("KeySchema", PK)
    kw.setdefault("AttributeDefinitions", PK_S)
    kw.setdefault("BillingMode", "PAY_PER_REQUEST")
    return ddb.create_table(**kw)


def gsi(name: str, key: str = "g", **kw: Any) -> dict[str, Any]:
    return {
        "IndexName": name,
        "KeySchema": [{"AttributeName": key, "KeyType": "HASH"}],
        "Projection": {"ProjectionType": "ALL"},
        **kw,
    }


def test_create_then_waiter_then_describe(ddb: Any) -> None:
    name = unique()
    created = create(ddb, TableName=name)["TableDescription"]
    assert created["TableStatus"] == "CREATING"
    ddb.get_waiter("table_exists").wait(TableName=name, WaiterConfig={"Delay": 0.1})
    table = ddb.describe_table(TableName=name)["Table"]
    assert table["TableStatus"] == "ACTIVE"
    assert table["TableName"] == name
    assert table["KeySchema"] == PK
    assert table["AttributeDefinitions"] == PK_S
    assert table["TableArn"] == f"arn:aws:dynamodb:us-east-1:123456789012:table/{name}"
    assert re.fullmatch(
        r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", table["TableId"]
    )
    assert table["ProvisionedThroughput"] == {
        "NumberOfDecreasesToday": 0,
        "ReadCapacityUnits": 0,
        "WriteCapacityUnits": 0,
    }
    assert table["BillingModeSummary"]["BillingMode"] == "PAY_PER_REQUEST"
    assert (
        table["BillingModeSummary"]["LastUpdateToPayPerRequestDateTime"]
        == table["CreationDateTime"]
    )
    assert table["ItemCount"] == 0 and table["TableSizeBytes"] == 0
    assert table["DeletionProtectionEnabled"] is False
    assert "SSEDescription" not in table and "StreamSpecification" not in table
    assert abs(table["CreationDateTime"].timestamp() - time.time()) < 60
    ddb.delete_table(TableName=name)


def test_describe_by_arn(ddb: Any, make_table: Any) -> None:
    name = make_table()
    arn = ddb.describe_table(TableName=name)["Table"]["TableArn"]
    assert ddb.describe_table(TableName=arn)["Table"]["TableName"] == name


def test_provisioned_table(ddb: Any, make_table: Any) -> None:
    name = make_table(
        range=("sk", "N"),
        BillingMode="PROVISIONED",
        ProvisionedThroughput={"ReadCapacityUnits": 5, "WriteCapacityUnits": 7},
    )
    table = ddb.describe_table(TableName=name)["Table"]
    assert table["ProvisionedThroughput"]["ReadCapacityUnits"] == 5
    assert table["ProvisionedThroughput"]["WriteCapacityUnits"] == 7
    assert table["BillingModeSummary"]["BillingMode"] == "PROVISIONED"
    assert table["KeySchema"][1] == {"AttributeName": "sk", "KeyType": "RANGE"}


NAME_BOUNDS = "TableName must be at least 3 characters long and at most 255 characters long"


@pytest.mark.parametrize("name", ["", "n", "nn", "n;", "n" * 256])
def test_a_table_name_out_of_bounds_is_refused_in_words_of_its_own(raw: Any, name: str) -> None:
    """Table operations judge the name's length before anything else of the request (the
    missing AttributeDefinitions and KeySchema here), not in the constraint list."""
    assert error(create, ddb=raw, TableName=name) == ("ValidationException", NAME_BOUNDS)
    for call in (raw.delete_table, raw.describe_time_to_live):
        assert error(call, TableName=name) == ("ValidationException", NAME_BOUNDS)


def test_describe_table_lists_a_bad_name_as_its_validator_does(raw: Any) -> None:
    """DescribeTable, unlike the other table operations, lists the length and the pattern
    (AWS's answer to TableName '' recorded in 2026), length first."""
    pattern = "Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+"
    assert error(raw.describe_table, TableName="") == (
        "ValidationException",
        "2 validation errors detected: Value '' at 'tableName' failed to satisfy constraint:"
        " Member must have length greater than or equal to 3; Value '' at 'tableName' failed"
        f" to satisfy constraint: {pattern}",
    )
    assert error(raw.describe_table, TableName="n" * 256)[1] == (
        f"1 validation error detected: Value '{'n' * 256}' at 'tableName' failed to satisfy"
        " constraint: Member must have length less than or equal to 255"
    )


def test_a_table_name_pattern_is_a_listed_constraint(raw: Any) -> None:
    _, message = error(create, ddb=raw, TableName="nyh@test")
    assert message == (
        "1 validation error detected: Value 'nyh@test' at 'tableName' failed to satisfy"
        " constraint: Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+"
    )
    _, message = error(raw.describe_table, TableName="abc;")
    assert message.startswith("1 validation error detected: Value 'abc;' at 'tableName'")


def test_item_operations_list_the_name_bounds_with_the_other_constraints(raw: Any) -> None:
    _, message = error(raw.get_item, TableName="nn", Key={"k": {"S": "x"}})
    assert message == (
        "1 validation error detected: Value 'nn' at 'tableName' failed to satisfy constraint:"
        " Member must have length greater than or equal to 3"
    )


def test_name_edge_lengths(ddb: Any) -> None:
    for name in ("a.-", "x" * 255):
        create(ddb, TableName=name)
        ddb.delete_table(TableName=name)


def test_already_exists(ddb: Any, make_table: Any) -> None:
    name = make_table()
    assert error(create, ddb=ddb, TableName=name) == (
        "ResourceInUseException",
        f"Table already exists: {name}",
    )


SCHEMA_ERRORS = [
    (
        [{"AttributeName": "p", "KeyType": "HASH"}, {"AttributeName": "c", "KeyType": "HASH"}],
        [
            {"AttributeName": "p", "AttributeType": "S"},
            {"AttributeName": "c", "AttributeType": "S"},
        ],
        "Invalid KeySchema: The second KeySchemaElement is not a RANGE key type",
    ),
    (
        [{"AttributeName": "c", "KeyType": "RANGE"}],
        [{"AttributeName": "c", "AttributeType": "S"}],
        "Invalid KeySchema: The first KeySchemaElement is not a HASH key type",
    ),
    (
        [{"AttributeName": "c", "KeyType": "HASH"}, {"AttributeName": "c", "KeyType": "RANGE"}],
        [
            {"AttributeName": "c", "AttributeType": "S"},
            {"AttributeName": "d", "AttributeType": "S"},
        ],
        "Both the Hash Key and the Range Key element in the KeySchema have the same name",
    ),
    (
        [{"AttributeName": "x", "KeyType": "HASH"}],
        PK_S,
        INVALID + "Some index key attributes are not defined in AttributeDefinitions."
        " Keys: [x], AttributeDefinitions: [pk]",
    ),
    (
        PK,
        [*PK_S, {"AttributeName": "c", "AttributeType": "S"}],
        INVALID + "Number of attributes in KeySchema does not exactly match number of"
        " attributes defined in AttributeDefinitions",
    ),
    (
        [{"AttributeName": "p", "KeyType": "HASH"}, {"AttributeName": "c", "KeyType": "RANGE"}],
        [{"AttributeName": "p", "AttributeType": "S"}],
        "Invalid KeySchema: Some index key attribute have no definition",
    ),
    (
        PK,
        [{"AttributeName": "pk", "AttributeType": "Q"}],
        "1 validation error detected: Value 'Q' at 'attributeDefinitions.1.member.attributeType'"
        " failed to satisfy constraint: Member must satisfy enum value set: [B, N, S]",
    ),
    (
        PK,
        [
            {"AttributeName": "pk", "AttributeType": "S"},
            {"AttributeName": "pk", "AttributeType": "N"},
        ],
        "Attribute Name is duplicated: pk",
    ),
]


@pytest.mark.parametrize(("keys", "definitions", "message"), SCHEMA_ERRORS)
def test_schema_errors(ddb: Any, keys: Any, definitions: Any, message: str) -> None:
    name = unique()
    got = error(create, ddb=ddb, TableName=name, KeySchema=keys, AttributeDefinitions=definitions)
    assert got == ("ValidationException", message)
    assert error(ddb.describe_table, TableName=name)[0] == "ResourceNotFoundException"


def test_three_keys(raw: Any) -> None:
    keys = [
        {"AttributeName": n, "KeyType": t}
        for n, t in (("a", "HASH"), ("b", "RANGE"), ("c", "RANGE"))
    ]
    defs = [{"AttributeName": n, "AttributeType": "S"} for n in "abc"]
    _, message = error(create, ddb=raw, KeySchema=keys, AttributeDefinitions=defs)
    assert (
        "at 'keySchema' failed to satisfy constraint: Member must have length less than or"
        " equal to 2" in message
    )


def test_missing_attribute_definitions(ddb: Any) -> None:
    """The client model makes AttributeDefinitions optional, the server does not: a
    ValidationException naming the member, not an internal error."""
    name = unique()
    got = error(ddb.create_table, TableName=name, KeySchema=PK, BillingMode="PAY_PER_REQUEST")
    assert got == (
        "ValidationException",
        "1 validation error detected: Value null at 'attributeDefinitions' failed to satisfy"
        " constraint: Member must not be null",
    )
    assert error(ddb.describe_table, TableName=name)[0] == "ResourceNotFoundException"


def test_key_attribute_name_limit(ddb: Any) -> None:
    """Key attribute names (KeySchema, AttributeDefinitions, index keys) have at most 255
    characters, where other attribute names have 64 KB; 255 itself is allowed."""
    ok, long = "k" * 255, "k" * 256
    name = unique()
    create(
        ddb,
        TableName=name,
        KeySchema=[{"AttributeName": ok, "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": ok, "AttributeType": "S"}],
    )
    ddb.delete_table(TableName=name)
    _, message = error(
        create,
        ddb=ddb,
        KeySchema=[{"AttributeName": long, "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
    )
    assert message == (
        f"1 validation error detected: Value '{long}' at 'keySchema.1.member.attributeName'"
        " failed to satisfy constraint: Member must have length less than or equal to 255"
    )
    _, message = error(
        create,
        ddb=ddb,
        AttributeDefinitions=[*PK_S, {"AttributeName": long, "AttributeType": "S"}],
        GlobalSecondaryIndexes=[gsi("byg", key=long)],
    )
    assert (
        f"Value '{long}' at 'attributeDefinitions.2.member.attributeName' failed to satisfy"
        " constraint: Member must have length less than or equal to 255" in message
    )
    assert (
        f"Value '{long}' at 'globalSecondaryIndexes.1.member.keySchema.1.member.attributeName'"
        in message
    )


def test_update_table_key_attribute_name_limit(ddb: Any, make_table: Any) -> None:
    long = "k" * 256
    _, message = error(
        ddb.update_table,
        TableName=make_table(),
        AttributeDefinitions=[{"AttributeName": long, "AttributeType": "S"}],
        GlobalSecondaryIndexUpdates=[{"Create": gsi("byg", key="short")}],
    )
    assert message == (
        f"1 validation error detected: Value '{long}' at 'attributeDefinitions.1.member"
        ".attributeName' failed to satisfy constraint: Member must have length less than or"
        " equal to 255"
    )


def test_billing_mode_errors(ddb: Any, raw: Any) -> None:
    throughput = {"ReadCapacityUnits": 1, "WriteCapacityUnits": 1}
    assert error(create, ddb=ddb, ProvisionedThroughput=throughput)[1] == (
        INVALID + "Neither ReadCapacityUnits nor WriteCapacityUnits can be specified when"
        " BillingMode is PAY_PER_REQUEST"
    )
    provisioned_missing = (
        INVALID + "ReadCapacityUnits and WriteCapacityUnits must both be specified when"
        " BillingMode is PROVISIONED"
    )
    assert error(create, ddb=ddb, BillingMode="PROVISIONED")[1] == provisioned_missing
    no_mode = {"TableName": unique(), "KeySchema": PK, "AttributeDefinitions": PK_S}
    assert error(ddb.create_table, **no_mode)[1] == provisioned_missing
    assert error(create, ddb=raw, BillingMode="pay_per_request")[1] == (
        "1 validation error detected: Value 'pay_per_request' at 'billingMode' failed to"
        " satisfy constraint: Member must satisfy enum value set: [PROVISIONED, PAY_PER_REQUEST]"
    )
    zero = {"ReadCapacityUnits": 0, "WriteCapacityUnits": 1}
    _, message = error(create, ddb=raw, BillingMode="PROVISIONED", ProvisionedThroughput=zero)
    assert "at 'provisionedThroughput.readCapacityUnits' failed to satisfy constraint:" in message


RANGE_TABLE = {
    "KeySchema": [
        {"AttributeName": "p", "KeyType": "HASH"},
        {"AttributeName": "c", "KeyType": "RANGE"},
    ],
    "AttributeDefinitions": [
        {"AttributeName": "p", "AttributeType": "S"},
        {"AttributeName": "c", "AttributeType": "S"},
        {"AttributeName": "x", "AttributeType": "N"},
    ],
}


def lsi(name: str, hash_key: str = "p", range_key: str | None = "x") -> dict[str, Any]:
    keys = [{"AttributeName": hash_key, "KeyType": "HASH"}]
    if range_key:
        keys.append({"AttributeName": range_key, "KeyType": "RANGE"})
    return {"IndexName": name, "KeySchema": keys, "Projection": {"ProjectionType": "KEYS_ONLY"}}


def test_lsi_rules(ddb: Any) -> None:
    no_range = {
        "KeySchema": PK,
        "AttributeDefinitions": [*PK_S, {"AttributeName": "x", "AttributeType": "N"}],
    }
    assert error(create, ddb=ddb, LocalSecondaryIndexes=[lsi("lx1", "pk")], **no_range)[1] == (
        INVALID + "Table KeySchema does not have a range key, which is required when"
        " specifying a LocalSecondaryIndex"
    )
    assert error(create, ddb=ddb, LocalSecondaryIndexes=[lsi("lx1", "x", "c")], **RANGE_TABLE)[
        1
    ] == (
        INVALID + "Index KeySchema does not have the same leading hash key as table KeySchema"
        " for index: lx1. index hash key: x, table hash key: p"
    )
    six = [lsi(f"lsi{i}") for i in range(6)]
    assert error(create, ddb=ddb, LocalSecondaryIndexes=six, **RANGE_TABLE)[1] == (
        INVALID + "Number of LocalSecondaryIndexes exceeds per-table limit of 5"
    )
    assert error(create, ddb=ddb, LocalSecondaryIndexes=[lsi("lx1", "p", None)], **RANGE_TABLE)[
        1
    ] == (INVALID + "Index KeySchema does not have a range key for index: lx1")
    two = [lsi("same"), lsi("same")]
    assert error(create, ddb=ddb, LocalSecondaryIndexes=two, **RANGE_TABLE)[1] == (
        INVALID + "Duplicate index name: same"
    )


def test_lsi_described(ddb: Any, make_table: Any) -> None:
    name = make_table(
        hash=("p", "S"),
        range=("c", "S"),
        ExtraAttributes=[("x", "N")],
        LocalSecondaryIndexes=[lsi("byx")],
    )
    table = ddb.describe_table(TableName=name)["Table"]
    (index,) = table["LocalSecondaryIndexes"]
    assert index["IndexName"] == "byx"
    assert index["IndexArn"] == f"{table['TableArn']}/index/byx"
    assert index["Projection"] == {"ProjectionType": "KEYS_ONLY"}
    assert index["ItemCount"] == 0 and index["IndexSizeBytes"] == 0
    assert {"AttributeName": "x", "AttributeType": "N"} in table["AttributeDefinitions"]


def test_gsi_rules(ddb: Any) -> None:
    defs = [*PK_S, {"AttributeName": "g", "AttributeType": "S"}]
    many = [gsi(f"gsi{i}") for i in range(21)]
    assert error(create, ddb=ddb, AttributeDefinitions=defs, GlobalSecondaryIndexes=many)[1] == (
        INVALID + "GlobalSecondaryIndex count exceeds the per-table limit of 20"
    )
    throughput = {"ReadCapacityUnits": 1, "WriteCapacityUnits": 1}
    with_throughput = [gsi("gx1", ProvisionedThroughput=throughput)]
    assert error(
        create, ddb=ddb, AttributeDefinitions=defs, GlobalSecondaryIndexes=with_throughput
    )[1] == (
        INVALID + "ProvisionedThroughput should not be specified for index: gx1 when BillingMode"
        " is PAY_PER_REQUEST"
    )
    provisioned = {"BillingMode": "PROVISIONED", "ProvisionedThroughput": throughput}
    assert error(
        create,
        ddb=ddb,
        AttributeDefinitions=defs,
        GlobalSecondaryIndexes=[gsi("gx1")],
        **provisioned,
    )[1] == (INVALID + "ProvisionedThroughput is not specified for index: gx1")
    include = [gsi("gx1", Projection={"ProjectionType": "INCLUDE"})]
    assert error(create, ddb=ddb, AttributeDefinitions=defs, GlobalSecondaryIndexes=include)[1] == (
        INVALID + "ProjectionType is INCLUDE, but NonKeyAttributes is not specified"
    )
    keys_only = [gsi("gx1", Projection={"ProjectionType": "KEYS_ONLY", "NonKeyAttributes": ["a"]})]
    assert error(create, ddb=ddb, AttributeDefinitions=defs, GlobalSecondaryIndexes=keys_only)[
        1
    ] == (INVALID + "ProjectionType is KEYS_ONLY, but NonKeyAttributes is specified")
    undefined = [gsi("gx1", key="zz")]
    assert error(create, ddb=ddb, AttributeDefinitions=defs, GlobalSecondaryIndexes=undefined)[
        1
    ] == (
        INVALID + "Some index key attributes are not defined in AttributeDefinitions."
        " Keys: [zz], AttributeDefinitions: [pk, g]"
    )
    unused = [*defs, {"AttributeName": "u", "AttributeType": "S"}]
    assert error(create, ddb=ddb, AttributeDefinitions=unused, GlobalSecondaryIndexes=[gsi("gx1")])[
        1
    ] == (
        INVALID + "Some AttributeDefinitions are not used. AttributeDefinitions: [pk, g, u],"
        " keys used: [pk, g]"
    )
    dup = [gsi("gx1"), gsi("gx1")]
    assert error(create, ddb=ddb, AttributeDefinitions=defs, GlobalSecondaryIndexes=dup)[1] == (
        INVALID + "Duplicate index name: gx1"
    )


def test_projected_attribute_limit(ddb: Any) -> None:
    defs = [*PK_S, {"AttributeName": "g", "AttributeType": "S"}]
    indexes = [
        gsi(
            f"gx{i}",
            Projection={
                "ProjectionType": "INCLUDE",
                "NonKeyAttributes": [f"a{i}_{j}" for j in range(20)],
            },
        )
        for i in range(6)
    ]
    code, message = error(
        create, ddb=ddb, AttributeDefinitions=defs, GlobalSecondaryIndexes=indexes
    )
    assert code == "ValidationException" and "exceeds the limit of 100" in message


def test_gsi_described(ddb: Any, make_table: Any) -> None:
    index = gsi("byg", Projection={"ProjectionType": "INCLUDE", "NonKeyAttributes": ["a", "b"]})
    name = make_table(ExtraAttributes=[("g", "S")], GlobalSecondaryIndexes=[index])
    (described,) = ddb.describe_table(TableName=name)["Table"]["GlobalSecondaryIndexes"]
    assert described["IndexStatus"] == "ACTIVE"
    assert described["Projection"] == {"ProjectionType": "INCLUDE", "NonKeyAttributes": ["a", "b"]}
    assert described["KeySchema"] == [{"AttributeName": "g", "KeyType": "HASH"}]
    assert described["ProvisionedThroughput"]["ReadCapacityUnits"] == 0


def test_stream_at_creation(ddb: Any, make_table: Any) -> None:
    before = time.time()
    name = make_table(StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_IMAGE"})
    table = ddb.describe_table(TableName=name)["Table"]
    assert table["StreamSpecification"] == {"StreamEnabled": True, "StreamViewType": "NEW_IMAGE"}
    label = table["LatestStreamLabel"]
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}", label)
    assert table["LatestStreamArn"] == f"{table['TableArn']}/stream/{label}"
    stamp = time.mktime(time.strptime(label[:19], "%Y-%m-%dT%H:%M:%S")) - time.timezone
    assert before - 5 < stamp < time.time() + 5


def test_stream_spec_errors(ddb: Any) -> None:
    assert error(create, ddb=ddb, StreamSpecification={"StreamEnabled": True})[1] == (
        INVALID + "Table is being created with a stream enabled, UpdateViewType is required"
    )
    off = {"StreamEnabled": False, "StreamViewType": "KEYS_ONLY"}
    assert error(create, ddb=ddb, StreamSpecification=off)[1] == (
        INVALID + "Table is being created with a stream disabled, UpdateViewType should not be"
        " specified"
    )


def test_stream_disabled_at_creation(ddb: Any, make_table: Any) -> None:
    name = make_table(StreamSpecification={"StreamEnabled": False})
    table = ddb.describe_table(TableName=name)["Table"]
    assert "StreamSpecification" not in table and "LatestStreamArn" not in table


def test_sse(ddb: Any, make_table: Any) -> None:
    """DynamoDB's default encryption is what every table has; encryption with a KMS key is
    refused (NotImplemented), never described while not done."""
    plain = make_table(SSESpecification={"Enabled": False})
    assert "SSEDescription" not in ddb.describe_table(TableName=plain)["Table"]
    assert (
        "SSEDescription"
        not in ddb.describe_table(TableName=make_table(SSESpecification={}))["Table"]
    )
    for spec in (
        {"Enabled": True, "SSEType": "KMS", "KMSMasterKeyId": "1234abcd"},
        {"Enabled": True},
        {"SSEType": "KMS"},  # Enabled left out: what the rest asks for (AWS, 2026)
    ):
        with pytest.raises(ClientError) as info:
            create(ddb=ddb, SSESpecification=spec)
        assert info.value.response["Error"]["Code"] == "NotImplemented"
    assert error(create, ddb=ddb, SSESpecification={"Enabled": False, "SSEType": "KMS"})[1] == (
        INVALID + "SSEType can not be specified if Enabled is false"
    )


def test_table_class_and_protection(ddb: Any, make_table: Any) -> None:
    name = make_table(TableClass="STANDARD_INFREQUENT_ACCESS", DeletionProtectionEnabled=True)
    table = ddb.describe_table(TableName=name)["Table"]
    assert table["TableClassSummary"]["TableClass"] == "STANDARD_INFREQUENT_ACCESS"
    assert table["DeletionProtectionEnabled"] is True
    assert error(ddb.delete_table, TableName=name) == (
        "ValidationException",
        "Resource cannot be deleted as it is currently protected against deletion. Disable"
        " deletion protection first.",
    )
    ddb.update_table(TableName=name, DeletionProtectionEnabled=False)
    ddb.delete_table(TableName=name)
    assert error(create, ddb=ddb, TableClass="GLACIER")[1] == (
        "Invalid table-class parameter provided. Please try again with a valid table-class"
        " value: [STANDARD, STANDARD_INFREQUENT_ACCESS]."
    )


def test_tags_at_creation(ddb: Any, make_table: Any) -> None:
    tags = [{"Key": "team", "Value": "db"}, {"Key": "env", "Value": "test"}]
    name = make_table(Tags=tags)
    arn = ddb.describe_table(TableName=name)["Table"]["TableArn"]
    got = ddb.list_tags_of_resource(ResourceArn=arn)["Tags"]
    assert sorted(got, key=lambda t: t["Key"]) == sorted(tags, key=lambda t: t["Key"])
    name = unique()
    too_many = [{"Key": str(i), "Value": "v"} for i in range(51)]
    assert error(create, ddb=ddb, TableName=name, Tags=too_many)[0] == "ValidationException"
    assert error(ddb.describe_table, TableName=name)[0] == "ResourceNotFoundException"


def test_describe_missing(ddb: Any) -> None:
    assert error(ddb.describe_table, TableName="non_existent_table") == (
        "ResourceNotFoundException",
        "Requested resource not found: Table: non_existent_table not found",
    )


def test_delete_table(ddb: Any) -> None:
    name = unique()
    create(ddb, TableName=name)
    ddb.put_item(TableName=name, Item={"pk": {"S": "a"}, "v": {"S": "x"}})
    got = ddb.delete_table(TableName=name)["TableDescription"]
    assert got["TableStatus"] == "DELETING"
    assert got["TableName"] == name
    assert got["BillingModeSummary"]["BillingMode"] == "PAY_PER_REQUEST"
    assert got["ProvisionedThroughput"]["NumberOfDecreasesToday"] == 0
    for absent in ("KeySchema", "AttributeDefinitions", "CreationDateTime"):
        assert absent not in got
    ddb.get_waiter("table_not_exists").wait(TableName=name, WaiterConfig={"Delay": 0.1})
    assert error(ddb.delete_table, TableName=name)[0] == "ResourceNotFoundException"
    assert name not in ddb.list_tables()["TableNames"]
    # The name is free again, and the new table does not see the old one's items.
    create(ddb, TableName=name)
    assert "Item" not in ddb.get_item(TableName=name, Key={"pk": {"S": "a"}})
    ddb.delete_table(TableName=name)


def test_item_count(ddb: Any, make_table: Any) -> None:
    name = make_table()
    for i in range(5):
        ddb.put_item(TableName=name, Item={"pk": {"S": f"k{i}"}, "data": {"S": "x" * 10}})
    table = ddb.describe_table(TableName=name)["Table"]
    assert table["ItemCount"] == 5
    # DynamoDB's item size: attribute names plus values ("pk" + "k0" + "data" + 10 bytes).
    assert table["TableSizeBytes"] == 5 * (2 + 2 + 4 + 10)


def test_list_tables_pages(server: Any) -> None:
    # A fresh account's view is shared with other tests: check our own tables' order and paging.
    ddb = server.client("dynamodb")
    prefix = unique("lt")
    names = [f"{prefix}-{i}" for i in range(5)]
    for name in names:
        create(ddb, TableName=name)
    try:
        seen: list[str] = []
        start: dict[str, str] = {"ExclusiveStartTableName": prefix}
        while True:
            page = ddb.list_tables(Limit=2, **start)
            assert len(page["TableNames"]) <= 2
            seen.extend(page["TableNames"])
            if "LastEvaluatedTableName" not in page:
                break
            assert page["LastEvaluatedTableName"] == page["TableNames"][-1]
            start = {"ExclusiveStartTableName": page["LastEvaluatedTableName"]}
        assert [n for n in seen if n.startswith(prefix)] == names
        assert seen == sorted(seen)
        everything = ddb.list_tables()["TableNames"]
        assert set(names) <= set(everything) and everything == sorted(everything)
    finally:
        for name in names:
            ddb.delete_table(TableName=name)


def test_list_tables_limit(raw: Any) -> None:
    assert error(raw.list_tables, Limit=101)[1] == (
        "1 validation error detected: Value '101' at 'limit' failed to satisfy constraint:"
        " Member must have value less than or equal to 100"
    )
    assert error(raw.list_tables, Limit=0)[1] == (
        "1 validation error detected: Value '0' at 'limit' failed to satisfy constraint:"
        " Member must have value greater than or equal to 1"
    )


def test_table_class_is_described_once_named(ddb: Any, make_table: Any) -> None:
    # Never named: no TableClassSummary at all (the class is STANDARD all the same).
    assert "TableClassSummary" not in ddb.describe_table(TableName=make_table())["Table"]
    # Named at creation, even as the default: described, without a change date.
    name = make_table(TableClass="STANDARD")
    summary = ddb.describe_table(TableName=name)["Table"]["TableClassSummary"]
    assert summary == {"TableClass": "STANDARD"}
    # Changed by UpdateTable: the change is dated.
    ddb.update_table(TableName=name, TableClass="STANDARD_INFREQUENT_ACCESS")
    summary = ddb.describe_table(TableName=name)["Table"]["TableClassSummary"]
    assert summary["TableClass"] == "STANDARD_INFREQUENT_ACCESS"
    assert summary["LastUpdateDateTime"].year >= 2024
