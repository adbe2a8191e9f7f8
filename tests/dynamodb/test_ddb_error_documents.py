"""DynamoDB's error documents byte for byte, as clients that read the body raw see them (and as
dynalite's suite, recorded from DynamoDB, checks them): `__type` qualified by the namespace that
raised the error, `Message` capitalised for the framework's SerializationException, no message
for UnknownOperationException, the member-type words of AWS's JSON parser, every missing
required member named, and the answer in the media type the request was sent in."""

from __future__ import annotations

import json
from typing import Any

import pytest
from rawreq import post, signed

DYNAMODB = "com.amazonaws.dynamodb.v20120810"
CORAL = "com.amazon.coral.service"


def _call(
    server: Any, operation: str, doc: Any, content_type: str = "application/x-amz-json-1.0"
) -> tuple[int, str, Any]:
    body = json.dumps(doc).encode()
    url, headers = signed(server, operation, body, {"Content-Type": content_type})
    resp = post(url, headers, body)
    return resp.status_code, resp.headers["Content-Type"], resp.json() if resp.content else None


def test_a_service_error_is_qualified_by_dynamodbs_namespace(server: Any) -> None:
    status, _, doc = _call(server, "DescribeTable", {"TableName": "no-such-table"})
    assert status == 400
    assert doc["__type"] == f"{DYNAMODB}#ResourceNotFoundException"
    assert doc["message"].startswith("Requested resource not found")


def test_a_validation_error_is_the_frameworks(server: Any) -> None:
    status, _, doc = _call(server, "ListTables", {"Limit": 0})
    assert status == 400
    assert doc["__type"] == "com.amazon.coral.validate#ValidationException"
    assert doc["message"] == (
        "1 validation error detected: Value '0' at 'limit' failed to satisfy constraint: "
        "Member must have value greater than or equal to 1"
    )


def test_an_unknown_operation_carries_no_message(server: Any) -> None:
    status, _, doc = _call(server, "ListTable", {})
    assert (status, doc) == (400, {"__type": f"{CORAL}#UnknownOperationException"})


@pytest.mark.parametrize(
    ("operation", "doc", "message"),
    [
        (
            "ListTables",
            {"ExclusiveStartTableName": True},
            "TRUE_VALUE cannot be converted to String",
        ),
        ("ListTables", {"Limit": "23"}, "STRING_VALUE cannot be converted to Integer"),
        ("ListTables", {"Limit": []}, "Unrecognized collection type class java.lang.Integer"),
        ("DescribeTable", {"TableName": {}}, "Start of structure or map found where not expected"),
        ("DescribeTable", {"TableName": 34.56}, "DECIMAL_VALUE cannot be converted to String"),
        (
            "Query",
            {"TableName": "t", "ScanIndexForward": "x"},
            "Unexpected token received from parser",
        ),
        (
            "Query",
            {"TableName": "t", "ScanIndexForward": 23},
            "NUMBER_VALUE cannot be converted to Boolean",
        ),
        ("GetItem", {"TableName": "t", "Key": 23}, "Unexpected field type"),
        ("GetItem", {"TableName": "t", "Key": {"a": 23}}, "Unexpected value type in payload"),
        (
            "GetItem",
            {"TableName": "t", "Key": []},
            "Unrecognized collection type java.util.Map<java.lang.String, "
            f"{DYNAMODB}.AttributeValue>",
        ),
        (
            "GetItem",
            {"TableName": "t", "Key": {"a": []}},
            f"Unrecognized collection type class {DYNAMODB}.AttributeValue",
        ),
        (
            "GetItem",
            {"TableName": "t", "Key": {"a": {"B": 23}}},
            "only base-64-encoded strings are convertible to bytes",
        ),
        (
            "GetItem",
            {"TableName": "t", "Key": {"a": {"B": "23456"}}},
            "Base64 encoded length is expected a multiple of 4 bytes but found: 5",
        ),
        (
            "GetItem",
            {"TableName": "t", "Key": {"a": {"B": "+/+="}}},
            "Invalid last non-pad Base64 character dectected",
        ),
        ("GetItem", {"TableName": "t", "AttributesToGet": 23}, "Unexpected field type"),
        (
            "BatchGetItem",
            {"RequestItems": {"t": {"Keys": [23]}}},
            "class sun.reflect.generics.reflectiveObjects.ParameterizedTypeImpl cannot be cast to "
            "class java.lang.Class (sun.reflect.generics.reflectiveObjects.ParameterizedTypeImpl "
            "and java.lang.Class are in module java.base of loader 'bootstrap')",
        ),
    ],
)
def test_a_member_of_the_wrong_type_in_the_parsers_words(
    server: Any, operation: str, doc: dict[str, Any], message: str
) -> None:
    status, _, error = _call(server, operation, doc)
    assert (status, error) == (
        400,
        {"__type": f"{CORAL}#SerializationException", "Message": message},
    )


def test_every_missing_member_is_named(server: Any) -> None:
    status, _, doc = _call(server, "PutItem", {})
    assert status == 400
    prefix = "2 validation errors detected: "
    assert doc["message"].startswith(prefix)
    assert sorted(doc["message"][len(prefix) :].split("; ")) == [
        "Value null at 'item' failed to satisfy constraint: Member must not be null",
        "Value null at 'tableName' failed to satisfy constraint: Member must not be null",
    ]


def test_a_table_operation_names_a_missing_table_name_first(server: Any) -> None:
    status, _, doc = _call(server, "CreateTable", {})
    assert (status, doc["message"]) == (
        400,
        "The parameter 'TableName' is required but was not present in the request",
    )


@pytest.mark.parametrize(
    ("sent", "answered"),
    [
        ("application/x-amz-json-1.0", "application/x-amz-json-1.0"),
        ("application/json", "application/json"),
        ("application/json; charset=utf-8", "application/json"),
    ],
)
def test_the_answer_is_in_the_media_type_sent(server: Any, sent: str, answered: str) -> None:
    status, content_type, doc = _call(server, "ListTables", {}, sent)
    assert (status, content_type) == (200, answered)
    assert "TableNames" in doc
    status, content_type, _ = _call(server, "DescribeTable", {"TableName": "none"}, sent)
    assert (status, content_type) == (400, answered)


@pytest.mark.parametrize("body", [b"", b"  ", b"hi", b"[]"])
def test_a_body_that_is_no_json_object_is_a_bare_serialization_exception(
    server: Any, body: bytes
) -> None:
    url, headers = signed(server, "ListTables", body)
    resp = post(url, headers, body)
    assert resp.status_code == 400
    assert resp.json() == {"__type": f"{CORAL}#SerializationException"}


def test_a_missing_member_inside_a_list_is_named_by_its_path(server: Any) -> None:
    # It used to reach the transaction code and answer 500.
    items = [{"Put": {"Item": {"a": {"S": "1"}}}}, {"Delete": {"TableName": "t", "Key": {}}}]
    status, _, doc = _call(server, "TransactWriteItems", {"TransactItems": items})
    assert (status, doc["__type"]) == (400, "com.amazon.coral.validate#ValidationException")
    assert doc["message"] == (
        "1 validation error detected: Value null at 'transactItems.1.member.put.tableName' "
        "failed to satisfy constraint: Member must not be null"
    )
    requests = {"ttt": {"Keys": [{"a": {"S": "1"}}]}, "uuu": {}}
    status, _, doc = _call(server, "BatchGetItem", {"RequestItems": requests})
    assert doc["message"] == (
        "1 validation error detected: Value null at 'requestItems.uuu.member.keys' "
        "failed to satisfy constraint: Member must not be null"
    )
