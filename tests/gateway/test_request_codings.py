"""Request content codings outside DynamoDB: SQS (JSON protocol) decodes a gzipped body like
DynamoDB does, but a coding it does not know leaves the body as it came (AWS's answer there is
not known; DynamoDB's 500 is tested in tests/dynamodb/test_ddb_request_encoding.py)."""

from __future__ import annotations

import gzip
import uuid
from collections.abc import Callable
from typing import Any

import pytest


def _with_coding(client: Any, coding: str, compress: Callable[[bytes], bytes]) -> Any:
    """`client` sending each body through `compress`, with `Content-Encoding: coding` (set after
    signing, so the signature covers the bytes as sent)."""

    def before_sign(request: Any, **_: Any) -> None:
        body = request.body if isinstance(request.body, bytes) else request.body.encode()
        request.data = compress(body)

    def before_send(request: Any, **_: Any) -> None:
        request.headers["Content-Encoding"] = coding

    client.meta.events.register("before-sign.sqs.*", before_sign)
    client.meta.events.register("before-send.sqs.*", before_send)
    return client


@pytest.mark.parametrize(
    ("coding", "compress"),
    [("gzip", gzip.compress), ("utf-8", lambda b: b)],
    ids=["gzip-decoded", "unknown-coding-kept"],
)
def test_sqs_json_requests_with_a_content_coding(
    server: Any, coding: str, compress: Callable[[bytes], bytes]
) -> None:
    sqs = _with_coding(server.client("sqs"), coding, compress)
    name = f"coding-{uuid.uuid4().hex[:10]}"
    url = sqs.create_queue(QueueName=name)["QueueUrl"]
    try:
        sqs.send_message(QueueUrl=url, MessageBody="hello")
        got = sqs.receive_message(QueueUrl=url, WaitTimeSeconds=1)["Messages"]
        assert [m["Body"] for m in got] == ["hello"]
    finally:
        server.client("sqs").delete_queue(QueueUrl=url)
