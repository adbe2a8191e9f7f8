"""Table operations' bad input answered as DynamoDB answered it when probed in 2026: missing
members of one nested structure in the validator's own order, tags without a key or value in
DynamoDB's words, index names with the length listed first, an empty KMS key id refused as a
constraint (before ownstack's NotImplemented for KMS encryption)."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from ownstack.wire.json_required import coral_order

PK = [{"AttributeName": "pk", "KeyType": "HASH"}]
PK_S = [{"AttributeName": "pk", "AttributeType": "S"}]
NULL = "failed to satisfy constraint: Member must not be null"
PATTERN = "Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+"


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
        f" 'attributeDefinitions.1.member.attributeType' {NULL}; Value null at"
        f" 'attributeDefinitions.1.member.attributeName' {NULL}"
    )
    assert create(raw, KeySchema=[{}]) == (
        f"2 validation errors detected: Value null at 'keySchema.1.member.attributeName' {NULL};"
        f" Value null at 'keySchema.1.member.keyType' {NULL}"
    )
    throughput = {"BillingMode": "PROVISIONED", "ProvisionedThroughput": {}}
    assert create(raw, **throughput) == (
        "2 validation errors detected: Value null at 'provisionedThroughput.writeCapacityUnits'"
        f" {NULL}; Value null at 'provisionedThroughput.readCapacityUnits' {NULL}"
    )


def test_ttl_specification_missing_members(raw: Any, make_table: Any) -> None:
    name = make_table()
    assert refused(raw.update_time_to_live, TableName=name, TimeToLiveSpecification={}) == (
        "2 validation errors detected: Value null at 'timeToLiveSpecification.attributeName'"
        f" {NULL}; Value null at 'timeToLiveSpecification.enabled' {NULL}"
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
