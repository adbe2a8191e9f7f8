"""The SQS wire forms: query-compatible JSON errors, query requests posted to a queue's URL,
the URL forms accepted, and the wire layer's SQS patch (query-era error codes)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from botocore.exceptions import ClientError
from sqskit import error_of, unique

from ownstack.core.context import Principal, RequestContext
from ownstack.core.errors import ServiceError
from ownstack.core.http import Headers, Request
from ownstack.wire.body import BufferedBody
from ownstack.wire.services import load_wire


@pytest.mark.one_engine
def test_json_error_carries_query_error_header(sqs_server: Any) -> None:
    import urllib.request

    from botocore.auth import SigV4Auth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials

    body = json.dumps({"QueueName": unique()}).encode()
    req = AWSRequest(
        "POST",
        sqs_server.endpoint + "/",
        data=body,
        headers={
            "X-Amz-Target": "AmazonSQS.GetQueueUrl",
            "Content-Type": "application/x-amz-json-1.0",
        },
    )
    creds = Credentials(sqs_server.access_key, sqs_server.secret_key)
    SigV4Auth(creds, "sqs", "us-east-1").add_auth(req)
    prepared = req.prepare()
    request = urllib.request.Request(
        prepared.url, data=body, headers=dict(prepared.headers), method="POST"
    )
    with pytest.raises(urllib.error.HTTPError) as exc:
        urllib.request.urlopen(request, timeout=10)
    assert exc.value.code == 400
    assert (
        exc.value.headers["x-amzn-query-error"] == "AWS.SimpleQueueService.NonExistentQueue;Sender"
    )
    assert json.loads(exc.value.read()) == {
        "__type": "QueueDoesNotExist",
        "message": "The specified queue does not exist.",
    }


@pytest.mark.one_engine
def test_url_forms_accepted(sqs: Any, sqs_server: Any) -> None:
    name = unique()
    sqs.create_queue(QueueName=name)
    account = sqs_server.account_id
    for url in (
        f"http://sqs.us-east-1.localhost:{sqs_server.port}/{account}/{name}",
        f"https://elsewhere.example/{account}/{name}",
    ):
        sqs.send_message(QueueUrl=url, MessageBody="via " + url)
    with pytest.raises(ClientError) as exc:
        sqs.send_message(QueueUrl=f"http://localhost/{name}", MessageBody="x")
    assert error_of(exc)[:3:2] == ("AWS.SimpleQueueService.NonExistentQueue", 400)


def signed_post(server: Any, path: str, form: str) -> tuple[int, bytes]:
    import urllib.error
    import urllib.request

    from botocore.auth import SigV4Auth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials

    body = form.encode()
    headers = {"Content-Type": "application/x-www-form-urlencoded"}
    req = AWSRequest("POST", server.endpoint + path, data=body, headers=headers)
    SigV4Auth(Credentials(server.access_key, server.secret_key), "sqs", "us-east-1").add_auth(req)
    prepared = req.prepare()
    request = urllib.request.Request(
        prepared.url, data=body, headers=dict(prepared.headers), method="POST"
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as resp:
            return resp.status, resp.read()
    except urllib.error.HTTPError as err:
        return err.code, err.read()


@pytest.mark.one_engine
def test_query_request_posted_to_the_queue_url(sqs: Any, sqs_server: Any) -> None:
    name = unique()
    url = sqs.create_queue(QueueName=name)["QueueUrl"]
    path = f"/{sqs_server.account_id}/{name}"
    status, body = signed_post(
        sqs_server, path, "Action=SendMessage&Version=2012-11-05&MessageBody=posted+to+path"
    )
    assert status == 200, body
    assert b"<SendMessageResult><MD5OfMessageBody>" in body
    assert sqs.receive_message(QueueUrl=url)["Messages"][0]["Body"] == "posted to path"
    status, body = signed_post(
        sqs_server,
        f"/{sqs_server.account_id}/{name}-missing",
        "Action=PurgeQueue&Version=2012-11-05",
    )
    assert status == 400
    assert b"<Code>AWS.SimpleQueueService.NonExistentQueue</Code>" in body
    assert b"<Type>Sender</Type>" in body


def codec_ctx() -> RequestContext:
    principal = Principal("123456789012", "arn:aws:iam::123456789012:root", "123456789012", "AK")
    return RequestContext("REQ1", "123456789012", "us-east-1", principal)


@pytest.mark.parametrize(
    ("shape", "query_code", "status"),
    [
        ("QueueDoesNotExist", "AWS.SimpleQueueService.NonExistentQueue", 400),
        ("QueueNameExists", "QueueAlreadyExists", 400),
        ("PurgeQueueInProgress", "AWS.SimpleQueueService.PurgeQueueInProgress", 403),
        ("ReceiptHandleIsInvalid", "ReceiptHandleIsInvalid", 404),
        ("InvalidParameterValue", "InvalidParameterValue", 400),
    ],
)
def test_codecs_render_query_era_codes(shape: str, query_code: str, status: int) -> None:
    wire = load_wire("sqs")
    err = ServiceError(shape, "why", status)
    as_json = wire.codecs["json"].serialize_error(err, codec_ctx(), None)
    assert ("x-amzn-query-error", f"{query_code};Sender") in as_json.headers
    assert json.loads(bytes(as_json.body))["__type"] == shape  # type: ignore[arg-type]
    as_query = wire.codecs["query"].serialize_error(err, codec_ctx(), None)
    assert f"<Code>{query_code}</Code>".encode() in bytes(as_query.body)  # type: ignore[arg-type]
    assert as_query.status == status


def test_query_codec_takes_queue_url_from_the_path() -> None:
    codec = load_wire("sqs").codecs["query"]
    form = b"Action=GetQueueAttributes&Version=2012-11-05&AttributeName.1=All"
    headers = Headers([("Host", "sqs.us-east-1.localhost:4566")])
    req = Request("POST", "/123456789012/q", "", headers, BufferedBody(form))
    op = codec.match(req)
    import asyncio

    params = asyncio.run(codec.parse(op, req))
    assert params == {
        "QueueUrl": "http://sqs.us-east-1.localhost:4566/123456789012/q",
        "AttributeNames": ["All"],
    }


def test_query_move_task_entries_use_query_era_names() -> None:
    wire = load_wire("sqs")
    op = wire.model.operation_model("ListMessageMoveTasks")
    result = {"Results": [{"Status": "COMPLETED", "SourceArn": "arn:aws:sqs:us-east-1:1:q"}]}
    body = bytes(wire.codecs["query"].serialize(op, result, codec_ctx()).body)  # type: ignore[arg-type]
    assert (
        b"<ListMessageMoveTasksResult><ListMessageMoveTasksResultEntry><Status>COMPLETED</Status>"
        in body
    )
