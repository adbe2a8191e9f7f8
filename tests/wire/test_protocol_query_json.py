"""query (STS, classic SQS), json (SQS) and rest-json (Lambda) through botocore's client code."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest
from test_protocol_kit import (
    REQUEST_ID,
    body_bytes,
    botocore_request,
    ctx,
    match_and_parse,
    parse_error,
    raw_request,
    roundtrip_error,
    roundtrip_request,
    roundtrip_response,
)

from ownstack.core.errors import ServiceError
from ownstack.core.http import Headers, Request
from ownstack.wire.body import BufferedBody
from ownstack.wire.services import load_wire

WHEN = datetime(2026, 3, 4, 5, 6, 7, tzinfo=UTC)

# --- STS (query) ------------------------------------------------------------------------------


def test_sts_get_caller_identity_request_and_response() -> None:
    assert roundtrip_request("sts", "GetCallerIdentity", {}) == ("GetCallerIdentity", {})
    result = {"UserId": "AIDA", "Account": "123456789012", "Arn": "arn:aws:iam::123456789012:root"}
    resp, parsed = roundtrip_response("sts", "query", "GetCallerIdentity", result)
    assert body_bytes(resp) == (
        b'<GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">'
        b"<GetCallerIdentityResult><UserId>AIDA</UserId><Account>123456789012</Account>"
        b"<Arn>arn:aws:iam::123456789012:root</Arn></GetCallerIdentityResult>"
        b"<ResponseMetadata><RequestId>4442587FB7D0A2F9</RequestId></ResponseMetadata>"
        b"</GetCallerIdentityResponse>"
    )
    assert parsed == result


def test_sts_assume_role_request_and_response() -> None:
    params = {
        "RoleArn": "arn:aws:iam::123456789012:role/r",
        "RoleSessionName": "sess",
        "PolicyArns": [{"arn": "arn:aws:iam::aws:policy/ReadOnly"}],
        "Policy": '{"Version":"2012-10-17"}',
        "DurationSeconds": 900,
        "Tags": [{"Key": "k1", "Value": "v1"}, {"Key": "k2", "Value": "v&2"}],
        "TransitiveTagKeys": ["k1"],
        "ExternalId": "ext",
    }
    assert roundtrip_request("sts", "AssumeRole", params) == ("AssumeRole", params)
    result = {
        "Credentials": {
            "AccessKeyId": "ASIA",
            "SecretAccessKey": "secret",
            "SessionToken": "tok",
            "Expiration": WHEN,
        },
        "AssumedRoleUser": {"AssumedRoleId": "AROA:sess", "Arn": "arn:aws:sts::1:assumed-role/r/s"},
        "PackedPolicySize": 6,
        "SourceIdentity": "src",
    }
    resp, parsed = roundtrip_response("sts", "query", "AssumeRole", result)
    assert resp.status == 200
    assert b"<AssumeRoleResult>" in body_bytes(resp)
    assert parsed == result


def test_sts_get_request_with_query_string() -> None:
    codec = load_wire("sts").codecs["query"]
    req = raw_request("GET", "/", "Action=GetSessionToken&Version=2011-06-15&DurationSeconds=900")
    assert match_and_parse(codec, req) == ("GetSessionToken", {"DurationSeconds": 900})


def test_query_error_shape() -> None:
    err = ServiceError("AccessDenied", "User is not authorized", 403)
    resp, parsed = roundtrip_error("sts", "query", "AssumeRole", err)
    assert resp.status == 403
    assert body_bytes(resp) == (
        b'<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><Error>'
        b"<Type>Sender</Type><Code>AccessDenied</Code><Message>User is not authorized</Message>"
        b"</Error><RequestId>4442587FB7D0A2F9</RequestId></ErrorResponse>"
    )
    assert parsed["Error"]["Code"] == "AccessDenied"
    assert parsed["Error"]["Message"] == "User is not authorized"
    assert parsed["ResponseMetadata"]["RequestId"] == REQUEST_ID


def test_query_unknown_action_and_missing_parameter() -> None:
    codec = load_wire("sts").codecs["query"]
    err = parse_error(codec, raw_request("GET", "/", "Action=Nope&Version=2011-06-15"))
    assert (err.code, err.status, err.message) == (
        "InvalidAction",
        400,
        "The action Nope is not valid for this web service.",
    )
    err = parse_error(codec, raw_request("GET", "/", "Action=AssumeRole&RoleSessionName=s"))
    assert (err.code, err.status) == ("ValidationError", 400)
    assert err.message == (
        "1 validation error detected: Value null at 'roleArn' failed to satisfy constraint: "
        "Member must not be null"
    )


def test_query_post_action_found_in_buffered_body() -> None:
    body = b"Action=GetCallerIdentity&Version=2011-06-15"
    headers = Headers([("Content-Type", "application/x-www-form-urlencoded")])
    req = Request("POST", "/", "", headers, BufferedBody(body))
    assert match_and_parse(load_wire("sts").codec_for(req), req) == ("GetCallerIdentity", {})


# --- SQS over json and query --------------------------------------------------------------------

BATCH: dict[str, Any] = {
    "QueueUrl": "http://localhost:4566/123456789012/q",
    "Entries": [
        {
            "Id": "m1",
            "MessageBody": "hello & <world>",
            "DelaySeconds": 5,
            "MessageAttributes": {
                "Color": {"DataType": "String", "StringValue": "blue"},
                "Blob": {"DataType": "Binary", "BinaryValue": b"\x00\xff"},
            },
            "MessageGroupId": "g",
            "MessageDeduplicationId": "d",
        },
        {"Id": "m2", "MessageBody": "second"},
    ],
}


@pytest.mark.parametrize("protocol", ["json", "query"])
def test_sqs_send_message_batch(protocol: str) -> None:
    wire = load_wire("sqs")
    req = botocore_request(wire, "SendMessageBatch", BATCH, protocol)
    codec = wire.codec_for(req)
    assert codec.protocol == protocol
    assert match_and_parse(codec, req) == ("SendMessageBatch", BATCH)


def test_sqs_query_historical_names_are_accepted() -> None:
    form = (
        "Action=SendMessage&Version=2012-11-05&QueueUrl=u&MessageBody=b"
        "&MessageAttribute.1.Name=a&MessageAttribute.1.Value.DataType=String"
        "&MessageAttribute.1.Value.StringValue=v"
    )
    req = Request("POST", "/", "", Headers(), BufferedBody(form.encode()))
    assert match_and_parse(load_wire("sqs").codec_for(req), req) == (
        "SendMessage",
        {
            "QueueUrl": "u",
            "MessageBody": "b",
            "MessageAttributes": {"a": {"DataType": "String", "StringValue": "v"}},
        },
    )


def test_sqs_query_attributes_map() -> None:
    params = {"QueueName": "q", "Attributes": {"VisibilityTimeout": "30"}, "tags": {"t": "v"}}
    assert roundtrip_request("sqs", "CreateQueue", params, "query") == ("CreateQueue", params)


RECEIVED = {
    "Messages": [
        {
            "MessageId": "id",
            "ReceiptHandle": "rh",
            "MD5OfBody": "md5",
            "Body": "b",
            "Attributes": {"SentTimestamp": "1700000000000"},
            "MessageAttributes": {"k": {"DataType": "Binary", "BinaryValue": b"\x01"}},
        }
    ]
}


def test_sqs_receive_message_json_response() -> None:
    resp, parsed = roundtrip_response("sqs", "json", "ReceiveMessage", RECEIVED)
    assert parsed == RECEIVED
    assert ("x-amzn-RequestId", REQUEST_ID) in resp.headers
    assert ("Content-Type", "application/x-amz-json-1.0") in resp.headers


def test_sqs_receive_message_query_response_uses_query_era_names() -> None:
    """What query-era SDKs parse: flattened <Message>, <Attribute>, <MessageAttribute>."""
    wire = load_wire("sqs")
    op = wire.model.operation_model("ReceiveMessage")
    resp = wire.codecs["query"].serialize(op, RECEIVED, ctx())
    assert body_bytes(resp) == (
        b'<ReceiveMessageResponse xmlns="https://sqs.amazonaws.com/doc/2012-11-05/">'
        b"<ReceiveMessageResult><Message><MessageId>id</MessageId>"
        b"<ReceiptHandle>rh</ReceiptHandle><MD5OfBody>md5</MD5OfBody><Body>b</Body>"
        b"<Attribute><Name>SentTimestamp</Name><Value>1700000000000</Value></Attribute>"
        b"<MessageAttribute><Name>k</Name><Value><BinaryValue>AQ==</BinaryValue>"
        b"<DataType>Binary</DataType></Value></MessageAttribute></Message>"
        b"</ReceiveMessageResult><ResponseMetadata><RequestId>4442587FB7D0A2F9</RequestId>"
        b"</ResponseMetadata></ReceiveMessageResponse>"
    )


def test_sqs_query_send_message_batch_response_parsed_by_botocore() -> None:
    result = {
        "Successful": [{"Id": "m1", "MessageId": "x", "MD5OfMessageBody": "md5"}],
        "Failed": [{"Id": "m2", "SenderFault": True, "Code": "InvalidParameterValue"}],
    }
    resp, parsed = roundtrip_response("sqs", "query", "SendMessageBatch", result)
    assert b"<SendMessageBatchResultEntry><Id>m1</Id>" in body_bytes(resp)
    assert parsed == result


def test_sqs_json_error_is_query_compatible() -> None:
    err = ServiceError("AWS.SimpleQueueService.NonExistentQueue", "The queue does not exist.", 400)
    resp, parsed = roundtrip_error("sqs", "json", "SendMessage", err)
    assert json.loads(body_bytes(resp)) == {
        "__type": "AWS.SimpleQueueService.NonExistentQueue",
        "message": "The queue does not exist.",
    }
    assert ("x-amzn-query-error", "AWS.SimpleQueueService.NonExistentQueue;Sender") in resp.headers
    assert parsed["Error"]["Code"] == "AWS.SimpleQueueService.NonExistentQueue"
    assert parsed["Error"]["Message"] == "The queue does not exist."
    assert parsed["ResponseMetadata"]["RequestId"] == REQUEST_ID


def test_sqs_json_unknown_target_and_bad_json() -> None:
    codec = load_wire("sqs").codecs["json"]
    req = raw_request("POST", "/", headers={"X-Amz-Target": "AmazonSQS.Nope"})
    err = parse_error(codec, req)
    assert (err.code, err.status) == ("UnknownOperationException", 400)
    req = raw_request(
        "POST", "/", headers={"X-Amz-Target": "AmazonSQS.SendMessage"}, body=b"{not json"
    )
    assert parse_error(codec, req).code == "SerializationException"
    req = raw_request("POST", "/", headers={"X-Amz-Target": "AmazonSQS.SendMessage"}, body=b"{}")
    err = parse_error(codec, req)
    assert (err.code, err.message) == (
        "MissingParameter",
        "The request must contain the parameter QueueUrl.",
    )


# --- Lambda (rest-json) -----------------------------------------------------------------------


def test_lambda_create_function_round_trip() -> None:
    params = {
        "FunctionName": "fn",
        "Runtime": "python3.12",
        "Role": "arn:aws:iam::123456789012:role/r",
        "Handler": "app.handler",
        "Code": {"ZipFile": b"PK\x03\x04"},
        "Timeout": 30,
        "MemorySize": 256,
        "Environment": {"Variables": {"A": "1"}},
        "Tags": {"team": "x"},
        "Publish": True,
    }
    assert roundtrip_request("lambda", "CreateFunction", params) == ("CreateFunction", params)
    result = {
        "FunctionName": "fn",
        "FunctionArn": "arn:aws:lambda:us-east-1:123456789012:function:fn",
        "Runtime": "python3.12",
        "CodeSize": 4,
        "Timeout": 30,
        "LastModified": "2026-03-04T05:06:07.000+0000",
        "State": "Active",
    }
    resp, parsed = roundtrip_response("lambda", "rest-json", "CreateFunction", result)
    assert resp.status == 201
    assert parsed == result


def test_lambda_invoke_round_trip() -> None:
    params = {
        "FunctionName": "fn",
        "InvocationType": "RequestResponse",
        "LogType": "Tail",
        "ClientContext": "e30=",
        "Payload": b'{"x": 1}',
        "Qualifier": "$LATEST",
    }
    assert roundtrip_request("lambda", "Invoke", params) == ("Invoke", params)
    result = {"StatusCode": 200, "Payload": b'{"ok":true}', "ExecutedVersion": "$LATEST"}
    resp, parsed = roundtrip_response("lambda", "rest-json", "Invoke", result)
    assert (resp.status, body_bytes(resp)) == (200, b'{"ok":true}')
    assert parsed["StatusCode"] == 200
    assert parsed["ExecutedVersion"] == "$LATEST"


def test_lambda_list_functions_query_params() -> None:
    params = {"MaxItems": 10, "Marker": "m", "FunctionVersion": "ALL"}
    assert roundtrip_request("lambda", "ListFunctions", params) == ("ListFunctions", params)


def test_rest_json_error() -> None:
    err = ServiceError("ResourceNotFoundException", "Function not found: fn", 404)
    resp, parsed = roundtrip_error("lambda", "rest-json", "Invoke", err)
    assert resp.status == 404
    assert ("x-amzn-ErrorType", "ResourceNotFoundException") in resp.headers
    assert json.loads(body_bytes(resp)) == {"message": "Function not found: fn"}
    assert parsed["Error"] == {
        "Code": "ResourceNotFoundException",
        "Message": "Function not found: fn",
    }
    assert parsed["ResponseMetadata"]["RequestId"] == REQUEST_ID
