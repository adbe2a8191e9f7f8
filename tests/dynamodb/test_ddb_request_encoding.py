"""Compressed DynamoDB requests: a body sent with `Content-Encoding: gzip` or `deflate` is
decoded after its signature (over the compressed bytes) is checked; one that does not decode,
or names an encoding DynamoDB does not know, is answered 500 and not carried out."""

from __future__ import annotations

import gzip
import json
import zlib
from collections.abc import Callable
from typing import Any

import pytest
from rawreq import post, signed


def _put_body(table: str, pk: str) -> bytes:
    item = {"pk": {"S": pk}, "v": {"S": "x" * 300}}
    return json.dumps({"TableName": table, "Item": item}).encode()


def _put(server: Any, body: bytes, encoding: str) -> Any:
    url, headers = signed(server, "PutItem", body)
    headers["Content-Encoding"] = encoding  # unsigned, as SDKs send it
    return post(url, headers, body)


def _stored(ddb: Any, table: str, pk: str) -> bool:
    return "Item" in ddb.get_item(TableName=table, Key={"pk": {"S": pk}}, ConsistentRead=True)


@pytest.mark.parametrize(
    ("encoding", "compress"),
    [
        ("gzip", gzip.compress),
        ("deflate", zlib.compress),
        # Two gzip members one after the other are one gzip body (RFC 1952).
        ("gzip", lambda b: gzip.compress(b[:7]) + gzip.compress(b[7:])),
        ("amz-1.0", lambda b: b),  # what Coral clients name an uncompressed body
        ("identity", lambda b: b),
    ],
)
def test_compressed_put_is_carried_out(
    server: Any,
    ddb: Any,
    make_table: Callable[..., str],
    encoding: str,
    compress: Callable[[bytes], bytes],
) -> None:
    table = make_table()
    resp = _put(server, compress(_put_body(table, "k")), encoding)
    assert resp.status_code == 200, resp.text
    assert _stored(ddb, table, "k")


@pytest.mark.parametrize(
    ("encoding", "mangle"),
    [
        ("gzip", lambda b: b),  # not compressed at all
        ("deflate", lambda b: b),
        ("gzip", lambda b: gzip.compress(b)[:-1]),  # truncated
        ("gzip", lambda b: b""),
        ("deflate", lambda b: b""),
        ("br", lambda b: b),  # an encoding DynamoDB does not decode
    ],
)
def test_undecodable_body_is_a_500_and_nothing_is_written(
    server: Any,
    ddb: Any,
    make_table: Callable[..., str],
    encoding: str,
    mangle: Callable[[bytes], bytes],
) -> None:
    table = make_table()
    resp = _put(server, mangle(_put_body(table, "k")), encoding)
    assert resp.status_code == 500
    assert resp.json()["__type"].rpartition("#")[2] == "InternalServerError"
    assert resp.json()["message"] == "Internal server error"
    assert not _stored(ddb, table, "k")
