"""DynamoDB's content codings through a real server: request bodies sent gzipped (as an SDK
with request compression sends them) and answers compressed for a client that accepts gzip
or deflate, once 4 KB long, with x-amz-crc32 over the bytes sent."""

from __future__ import annotations

import gzip
import json
import urllib.error
import urllib.request
import zlib
from typing import Any

import pytest
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from ownstack.gateway.content_coding import preferred_coding


def post(
    server: Any, operation: str, body: bytes, headers: dict[str, str] | None = None
) -> tuple[int, dict[str, str], bytes]:
    """A signed DynamoDB call with `body` as it is; (status, headers, raw body)."""
    request = AWSRequest(
        method="POST",
        url=f"{server.endpoint}/",
        data=body,
        headers={
            "X-Amz-Target": f"DynamoDB_20120810.{operation}",
            "Content-Type": "application/x-amz-json-1.0",
        },
    )
    credentials = Credentials(server.access_key, server.secret_key)
    SigV4Auth(credentials, "dynamodb", server.region).add_auth(request)
    sent = dict(request.headers.items()) | (headers or {})
    raw = urllib.request.Request(f"{server.endpoint}/", data=body, headers=sent, method="POST")
    try:
        with urllib.request.urlopen(raw, timeout=30) as answer:
            return answer.status, dict(answer.headers.items()), answer.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers.items()), error.read()


def put_body(table: str, pk: str, value: str) -> bytes:
    item = {"pk": {"S": pk}, "v": {"S": value}}
    return json.dumps({"TableName": table, "Item": item}).encode()


def test_a_gzipped_request_body_is_inflated(server: Any, ddb: Any, make_table: Any) -> None:
    name = make_table()
    body = put_body(name, "a", "hello")
    # Two gzip members one after the other are one body (RFC 1952).
    packed = gzip.compress(body[:7]) + gzip.compress(body[7:])
    status, _, _ = post(server, "PutItem", packed, {"Content-Encoding": "gzip"})
    assert status == 200
    item = ddb.get_item(TableName=name, Key={"pk": {"S": "a"}})["Item"]
    assert item == {"pk": {"S": "a"}, "v": {"S": "hello"}}


@pytest.mark.parametrize(
    ("coding", "mangle"),
    [
        ("gzip", lambda body: body),  # says gzip, is not
        ("gzip", lambda body: gzip.compress(body)[:-1]),  # cut short
        ("gzip", lambda body: b""),
        ("br", lambda body: body),  # a coding DynamoDB does not take
    ],
)
def test_a_body_that_cannot_be_decoded_is_an_internal_server_error(
    server: Any, ddb: Any, make_table: Any, coding: str, mangle: Any
) -> None:
    name = make_table()
    status, _, raw = post(
        server, "PutItem", mangle(put_body(name, "a", "x")), {"Content-Encoding": coding}
    )
    assert status == 500
    assert json.loads(raw)["__type"].endswith("InternalServerError")
    assert "Item" not in ddb.get_item(TableName=name, Key={"pk": {"S": "a"}})


def test_answers_of_4_kb_are_compressed_as_the_client_accepts(
    server: Any, ddb: Any, make_table: Any
) -> None:
    name = make_table()
    ddb.put_item(TableName=name, Item={"pk": {"S": "big"}, "v": {"S": "x" * 5000}})
    ddb.put_item(TableName=name, Item={"pk": {"S": "small"}, "v": {"S": "x" * 100}})
    get = json.dumps({"TableName": name, "Key": {"pk": {"S": "big"}}}).encode()
    for coding, inflate in (("gzip", gzip.decompress), ("deflate", zlib.decompress)):
        status, headers, raw = post(server, "GetItem", get, {"Accept-Encoding": coding})
        assert (status, headers["Content-Encoding"]) == (200, coding)
        assert headers["x-amz-crc32"] == str(zlib.crc32(raw))  # of the compressed bytes
        assert json.loads(inflate(raw))["Item"]["v"]["S"] == "x" * 5000
    _, headers, raw = post(server, "GetItem", get, {"Accept-Encoding": "identity"})
    assert "Content-Encoding" not in headers
    assert json.loads(raw)["Item"]["pk"]["S"] == "big"
    small = json.dumps({"TableName": name, "Key": {"pk": {"S": "small"}}}).encode()
    _, headers, raw = post(server, "GetItem", small, {"Accept-Encoding": "gzip"})
    assert "Content-Encoding" not in headers
    assert json.loads(raw)["Item"]["pk"]["S"] == "small"


@pytest.mark.parametrize(
    ("header", "chosen"),
    [
        ("gzip, deflate", "gzip"),
        ("br, identity, deflate, gzip", "deflate"),  # equal preference: the first listed
        ("deflate;q=0.5, gzip;q=0.2", "deflate"),
        ("*", "gzip"),
        ("*, deflate", "deflate"),  # named beats `*` at equal preference
        ("*, gzip;q=0.5", "deflate"),  # `*` stands for what is not named
        ("gzip;q=0", None),
        ("*;q=0", None),
        ("gzip;q=31,deflate;q=51", "gzip"),  # above 1 counts as 1
        ("deflate;q=0.5,gzip;q=0.x", "gzip"),  # not a number: the default 1
        ("deflate;q=-0.5,gzip;q=0.2", "gzip"),  # negative refuses
        ("deflate;q=0.5, gzip;q=1;q=0.2", "gzip"),  # the first q counts
        ("x-gzip", None),
        ('"gzip"', None),
        ("identity", None),
    ],
)
def test_accept_encoding_is_read_as_dynamodb_reads_it(header: str, chosen: str | None) -> None:
    assert preferred_coding(header) == chosen
