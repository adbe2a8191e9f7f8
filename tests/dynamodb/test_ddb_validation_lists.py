"""Bad requests answered as DynamoDB's validator answers them: missing required members
named in one list with the request's other constraint violations, each in its member's place,
at most ten (dynalite's suite, recorded against DynamoDB); the missing members of one nested
structure in the validator's order, tags, index names and KMS key ids as DynamoDB answered them
when probed in 2026; and the order in which the other checks come."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from ownstack.wire.json_required import coral_order

PATTERN = "Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+"
SHORT = "Member must have length greater than or equal to 3"
NULL = "Member must not be null"
NULL_MEMBER = "failed to satisfy constraint: Member must not be null"
CAPACITY_ENUM = "Member must satisfy enum value set: [INDEXES, TOTAL, NONE]"
PK = [{"AttributeName": "pk", "KeyType": "HASH"}]
PK_S = [{"AttributeName": "pk", "AttributeType": "S"}]


@pytest.fixture
def raw(server: Any) -> Any:
    """A client without botocore's own parameter checks, to reach the server's."""
    return server.client("dynamodb", config=Config(parameter_validation=False))


def refused(call: Any, **kw: Any) -> str:
    with pytest.raises(ClientError) as info:
        call(**kw)
    err = info.value.response["Error"]
    assert err["Code"] == "ValidationException", err
    return str(err["Message"])


def at(value: str | None, path: str, constraint: str) -> str:
    shown = "null" if value is None else f"'{value}'"
    return f"Value {shown} at '{path}' failed to satisfy constraint: {constraint}"


def listed(*problems: str) -> str:
    noun = "error" if len(problems) == 1 else "errors"
    return f"{len(problems)} validation {noun} detected: " + "; ".join(problems)


def test_put_item_names_the_missing_item_among_the_other_violations(raw: Any) -> None:
    assert refused(raw.put_item, TableName="") == listed(
        at("", "tableName", PATTERN), at("", "tableName", SHORT), at(None, "item", NULL)
    )
    message = refused(
        raw.put_item, TableName="abc;", ReturnConsumedCapacity="hi", ReturnValues="hi"
    )
    assert message == listed(
        at("hi", "returnConsumedCapacity", CAPACITY_ENUM),
        at("abc;", "tableName", PATTERN),
        at(None, "item", NULL),
        at(
            "hi",
            "returnValues",
            "Member must satisfy enum value set:"
            " [ALL_NEW, UPDATED_OLD, ALL_OLD, NONE, UPDATED_NEW]",
        ),
    )


@pytest.mark.parametrize("operation", ["get_item", "update_item", "delete_item"])
def test_a_missing_key_follows_the_table_name(raw: Any, operation: str) -> None:
    assert refused(getattr(raw, operation), TableName="a;") == listed(
        at("a;", "tableName", PATTERN), at("a;", "tableName", SHORT), at(None, "key", NULL)
    )


def test_nothing_missing_but_constraints_is_unchanged(raw: Any) -> None:
    assert refused(raw.query, TableName="ab", Limit=0) == listed(
        at("ab", "tableName", SHORT),
        at("0", "limit", "Member must have value greater than or equal to 1"),
    )


def test_create_table_lists_its_own_violations_and_the_missing_members(raw: Any) -> None:
    message = refused(raw.create_table, TableName="abc;", AttributeDefinitions=[{}])
    assert message == listed(
        at("abc;", "tableName", PATTERN),
        at(None, "attributeDefinitions.1.member.attributeType", NULL),
        at(None, "attributeDefinitions.1.member.attributeName", NULL),
        at(None, "keySchema", NULL),
    )


def test_update_table_throughput_write_before_read(raw: Any) -> None:
    low = {"ReadCapacityUnits": -1, "WriteCapacityUnits": -1}
    floor = "Member must have value greater than or equal to 1"
    assert refused(raw.update_table, TableName="abc", ProvisionedThroughput=low) == listed(
        at("-1", "provisionedThroughput.writeCapacityUnits", floor),
        at("-1", "provisionedThroughput.readCapacityUnits", floor),
    )
    assert refused(raw.update_table, TableName="abc", ProvisionedThroughput={}) == listed(
        at(None, "provisionedThroughput.writeCapacityUnits", NULL),
        at(None, "provisionedThroughput.readCapacityUnits", NULL),
    )


def test_a_table_name_out_of_bounds_still_comes_first(raw: Any) -> None:
    assert refused(raw.create_table, TableName="ab") == (
        "TableName must be at least 3 characters long and at most 255 characters long"
    )


MAP_KEYS = (
    "Map keys must satisfy constraint: [Member must have length less than or equal to 255,"
    " Member must have length greater than or equal to 3, Member must satisfy regular"
    " expression pattern: [a-zA-Z0-9_.-]+]"
)


def test_batch_request_items_are_judged_as_one_map_of_table_names(raw: Any) -> None:
    """A bad table name among RequestItems' keys is one violation of the map (whichever bound
    it breaks), listed with the other constraints and the missing members."""
    message = refused(raw.batch_get_item, RequestItems={"a": {}}, ReturnConsumedCapacity="hi")
    assert message == listed(
        at("hi", "returnConsumedCapacity", CAPACITY_ENUM),
        at("{a={}}", "requestItems", MAP_KEYS),
        at(None, "requestItems.a.member.keys", NULL),
    )
    assert refused(raw.batch_get_item, RequestItems={"a": {"Keys": []}}) == listed(
        at("{a={Keys=[]}}", "requestItems", MAP_KEYS),
        at(
            "[]", "requestItems.a.member.keys", "Member must have length greater than or equal to 1"
        ),
    )
    message = refused(raw.batch_write_item, RequestItems={"a": []})
    assert message == listed(
        at("{a=[]}", "requestItems", MAP_KEYS),
        at(
            "{a=[]}",
            "requestItems",
            "Map value must satisfy constraint: [Member must have length less than or equal to"
            " 25, Member must have length greater than or equal to 1]",
        ),
    )
    message = refused(raw.batch_write_item, RequestItems={"abc;": [{"PutRequest": {}}]})
    assert message.startswith("2 validation errors detected: Value '{abc;=[com.amazonaws.")
    assert message.endswith(at(None, "requestItems.abc;.member.1.member.putRequest.item", NULL))


def test_batch_get_keys_are_judged_before_the_tables_are_looked_up(raw: Any) -> None:
    """Bad or repeated keys are ValidationExceptions even for a table that does not exist."""
    empty = "Supplied AttributeValue is empty, must contain exactly one of the supported datatypes"
    missing_table = "no-such-table-anywhere"
    assert refused(raw.batch_get_item, RequestItems={missing_table: {"Keys": [{"a": {}}]}}) == empty
    key = {"a": {"S": "x"}, "b": {"B": b"\x00\x01"}}
    again = {"b": {"B": b"\x00\x01"}, "a": {"S": "x"}}
    message = refused(raw.batch_get_item, RequestItems={missing_table: {"Keys": [key, again]}})
    assert message == "Provided list of item keys contains duplicates"


def test_a_bad_key_is_judged_before_the_expressions(raw: Any) -> None:
    empty = "Supplied AttributeValue is empty, must contain exactly one of the supported datatypes"
    assert (
        refused(
            raw.update_item,
            TableName="abc",
            Key={"a": {}},
            ConditionExpression="",
            UpdateExpression="",
            ExpressionAttributeNames={},
            ExpressionAttributeValues={},
        )
        == empty
    )
    got = refused(
        raw.get_item,
        TableName="abc",
        Key={"a": {}},
        ProjectionExpression="",
        ExpressionAttributeNames={},
    )
    assert got == empty
    # Names without an expression come first, the item after (PutItem).
    assert (
        refused(raw.put_item, TableName="abc", Item={"a": {}}, ExpressionAttributeNames={"#a": "a"})
        == "ExpressionAttributeNames can only be specified when using expressions"
    )


def test_a_placeholder_is_judged_before_its_value(raw: Any) -> None:
    message = refused(
        raw.delete_item,
        TableName="abc",
        Key={"a": {"S": "x"}},
        ConditionExpression="a = :a",
        ExpressionAttributeValues={"b": {}},
    )
    assert message == 'ExpressionAttributeValues contains invalid key: Syntax error; key: "b"'


def test_a_gsi_update_out_of_bounds_is_refused_before_the_table_is_looked_up(raw: Any) -> None:
    units = {"ReadCapacityUnits": 1_000_000_000_000, "WriteCapacityUnits": 1_000_000_000_001}
    update = {"Update": {"IndexName": "abc", "ProvisionedThroughput": units}}
    message = refused(
        raw.update_table, TableName="no-such-table", GlobalSecondaryIndexUpdates=[update]
    )
    assert (
        message == "Given value 1000000000001 for WriteCapacityUnits is out of bounds for index abc"
    )


def test_a_boolean_may_be_sent_as_text(raw: Any, make_table: Any) -> None:
    """DynamoDB reads true/false, 1/0 and yes/no (any case) sent for a boolean; other text is a
    SerializationException (dynalite's suite, recorded against DynamoDB)."""
    name = make_table()
    raw.put_item(TableName=name, Item={"pk": {"S": "k"}, "flag": {"BOOL": "Yes"}})
    got = raw.get_item(TableName=name, Key={"pk": {"S": "k"}})["Item"]
    assert got["flag"] == {"BOOL": True}
    assert refused(raw.put_item, TableName=name, Item={"pk": {"S": "k"}, "n": {"NULL": "no"}}) == (
        "One or more parameter values were invalid: Null attribute value types must have the"
        " value of true"
    )
    with pytest.raises(ClientError) as info:
        raw.put_item(TableName=name, Item={"pk": {"S": "k"}, "n": {"NULL": "23"}})
    assert info.value.response["Error"]["Code"] == "SerializationException"


COMPARISON = (
    "Member must satisfy enum value set: [IN, NULL, BETWEEN, LT, NOT_CONTAINS, EQ, GT, NOT_NULL,"
    " NE, LE, BEGINS_WITH, GE, CONTAINS]"
)


def test_at_most_ten_violations_are_listed(raw: Any) -> None:
    """Nine empty index definitions lack 27 members; DynamoDB names the first ten."""
    schema = [{"AttributeName": "a", "KeyType": "HASH"}, {"AttributeName": "b", "KeyType": "RANGE"}]
    definitions = [{"AttributeName": n, "AttributeType": "S"} for n in "ab"]
    message = refused(
        raw.create_table,
        TableName="abc",
        AttributeDefinitions=definitions,
        KeySchema=schema,
        LocalSecondaryIndexes=[{}] * 9,
        BillingMode="PAY_PER_REQUEST",
    )
    assert message.startswith("10 validation errors detected: ")
    assert message.count("; ") == 9


def test_legacy_filters_are_listed_with_the_other_constraints(raw: Any) -> None:
    message = refused(
        raw.scan,
        TableName="abc",
        ConditionalOperator="AN",
        ScanFilter={"a": {}, "b": {"ComparisonOperator": ""}},
    )
    assert message == listed(
        at("AN", "conditionalOperator", "Member must satisfy enum value set: [OR, AND]"),
        at(None, "scanFilter.a.member.comparisonOperator", NULL),
        at("", "scanFilter.b.member.comparisonOperator", COMPARISON),
    )


def test_transact_items_are_counted_with_the_other_constraints(raw: Any) -> None:
    message = refused(
        raw.transact_write_items,
        TransactItems=[],
        ReturnConsumedCapacity="hi",
        ReturnItemCollectionMetrics="hi",
    )
    assert message == listed(
        at("hi", "returnConsumedCapacity", CAPACITY_ENUM),
        at("hi", "returnItemCollectionMetrics", "Member must satisfy enum value set: [SIZE, NONE]"),
        at("[]", "transactItems", "Member must have length greater than or equal to 1"),
    )


def test_query_expressions_are_parsed_before_the_key_condition_is_judged(raw: Any) -> None:
    """An operator no key condition takes is named after an empty filter or projection."""
    common = {
        "TableName": "abc",
        "KeyConditionExpression": "attribute_type(a, :a)",
        "ExpressionAttributeValues": {":a": {"S": "N"}},
    }
    assert refused(raw.query, FilterExpression="", ProjectionExpression="", **common) == (
        "Invalid FilterExpression: The expression can not be empty;"
    )
    assert refused(raw.query, FilterExpression="a > b", ProjectionExpression="", **common) == (
        "Invalid ProjectionExpression: The expression can not be empty;"
    )


def test_update_time_to_live_judges_the_table_name_before_a_missing_specification(
    raw: Any,
) -> None:
    assert refused(raw.update_time_to_live, TableName="ab") == (
        "TableName must be at least 3 characters long and at most 255 characters long"
    )
    assert refused(raw.update_time_to_live, TableName="abc;") == listed(
        at("abc;", "tableName", PATTERN), at(None, "timeToLiveSpecification", NULL)
    )


def create(raw: Any, **kw: Any) -> str:
    params = {"TableName": f"t-{uuid.uuid4().hex[:12]}", "KeySchema": PK}
    params |= {"AttributeDefinitions": PK_S, "BillingMode": "PAY_PER_REQUEST", **kw}
    return refused(raw.create_table, **params)


def test_coral_order_is_a_java_hash_map_s() -> None:
    """Known answers of String.hashCode spread over 16 buckets; a structure of more than 12
    members has 32."""
    assert coral_order(["AttributeName", "AttributeType"], ["AttributeName", "AttributeType"]) == [
        "AttributeType",
        "AttributeName",
    ]
    both = ["ReadCapacityUnits", "WriteCapacityUnits"]
    assert coral_order(both, both) == ["WriteCapacityUnits", "ReadCapacityUnits"]
    assert coral_order(["AttributeName", "KeyType"], ["AttributeName", "KeyType"]) == [
        "AttributeName",
        "KeyType",
    ]
    many = [f"M{i}" for i in range(13)]
    assert sorted(coral_order(many, many)) == sorted(many)


def test_missing_members_of_one_structure_in_the_validator_order(raw: Any) -> None:
    assert create(raw, AttributeDefinitions=[{}]) == (
        "2 validation errors detected: Value null at"
        f" 'attributeDefinitions.1.member.attributeType' {NULL_MEMBER}; Value null at"
        f" 'attributeDefinitions.1.member.attributeName' {NULL_MEMBER}"
    )
    assert create(raw, KeySchema=[{}]) == (
        "2 validation errors detected: Value null at 'keySchema.1.member.attributeName'"
        f" {NULL_MEMBER}; Value null at 'keySchema.1.member.keyType' {NULL_MEMBER}"
    )
    throughput = {"BillingMode": "PROVISIONED", "ProvisionedThroughput": {}}
    assert create(raw, **throughput) == (
        "2 validation errors detected: Value null at 'provisionedThroughput.writeCapacityUnits'"
        f" {NULL_MEMBER}; Value null at 'provisionedThroughput.readCapacityUnits' {NULL_MEMBER}"
    )


def test_ttl_specification_missing_members(raw: Any, make_table: Any) -> None:
    name = make_table()
    assert refused(raw.update_time_to_live, TableName=name, TimeToLiveSpecification={}) == (
        "2 validation errors detected: Value null at 'timeToLiveSpecification.attributeName'"
        f" {NULL_MEMBER}; Value null at 'timeToLiveSpecification.enabled' {NULL_MEMBER}"
    )


def test_a_tag_without_key_or_value_in_dynamodb_s_words(raw: Any, make_table: Any) -> None:
    assert create(raw, Tags=[{}]) == "The Tag Key provided is invalid, Key: null"
    arn = raw.describe_table(TableName=make_table())["Table"]["TableArn"]
    for tags, message in (
        ([{}], "The Tag Key provided is invalid, Key: null"),
        ([{"Value": "v"}], "The Tag Key provided is invalid, Key: null"),
        ([{"Key": "k"}], "The Tag Value provided is invalid, Value: null"),
    ):
        assert refused(raw.tag_resource, ResourceArn=arn, Tags=tags) == message
    assert raw.list_tags_of_resource(ResourceArn=arn)["Tags"] == []


def test_index_names_list_the_length_first(raw: Any, make_table: Any) -> None:
    index = {"IndexName": "", "KeySchema": PK, "Projection": {"ProjectionType": "ALL"}}
    path = "globalSecondaryIndexes.1.member.indexName"
    assert create(raw, GlobalSecondaryIndexes=[index]) == (
        f"2 validation errors detected: Value '' at '{path}' failed to satisfy constraint:"
        f" Member must have length greater than or equal to 3; Value '' at '{path}' failed to"
        f" satisfy constraint: {PATTERN}"
    )
    update = {"Create": index}
    message = refused(
        raw.update_table,
        TableName=make_table(),
        AttributeDefinitions=PK_S,
        GlobalSecondaryIndexUpdates=[update],
    )
    path = "globalSecondaryIndexUpdates.1.member.create.indexName"
    assert message.startswith(
        f"2 validation errors detected: Value '' at '{path}' failed to satisfy constraint:"
        " Member must have length greater than or equal to 3; "
    )


def test_an_empty_kms_key_id_is_a_constraint_violation(raw: Any, make_table: Any) -> None:
    sse = {"Enabled": True, "SSEType": "KMS", "KMSMasterKeyId": ""}
    expected = (
        "1 validation error detected: Value '' at 'sSESpecification.kMSMasterKeyId' failed to"
        " satisfy constraint: Member must have length greater than or equal to 1"
    )
    assert create(raw, SSESpecification=sse) == expected
    assert refused(raw.update_table, TableName=make_table(), SSESpecification=sse) == expected
