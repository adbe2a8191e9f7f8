"""Compressed DynamoDB answers: a client accepting gzip or deflate gets answers of 4 KiB and
more compressed, with x-amz-crc32 over the compressed bytes; smaller answers, and clients that
accept neither, get them as they are."""

from __future__ import annotations

import gzip
import json
import zlib
from collections.abc import Callable
from typing import Any

import pytest
import requests
from rawreq import signed

from ownstack.wire.response_encoding import choose_coding


def _get(server: Any, table: str, accept: str, projection: str) -> tuple[dict[str, str], bytes]:
    """Headers and raw (undecoded) body of a GetItem sent with this Accept-Encoding."""
    body = json.dumps(
        {"TableName": table, "Key": {"pk": {"S": "k"}}, "ProjectionExpression": projection}
    ).encode()
    url, headers = signed(server, "GetItem", body, {"Accept-Encoding": accept})
    resp = requests.post(url, headers=headers, data=body, stream=True, timeout=30)
    assert resp.status_code == 200
    return dict(resp.headers), resp.raw.read(decode_content=False)


@pytest.fixture
def big_item(ddb: Any, make_table: Callable[..., str]) -> str:
    table = make_table()
    item = {"pk": {"S": "k"}, "big": {"S": "b" * 5000}, "small": {"S": "s" * 100}}
    ddb.put_item(TableName=table, Item=item)
    return table


@pytest.mark.parametrize(
    ("coding", "decode"), [("gzip", gzip.decompress), ("deflate", zlib.decompress)]
)
def test_big_answer_is_compressed_with_crc_of_the_sent_bytes(
    server: Any, big_item: str, coding: str, decode: Callable[[bytes], bytes]
) -> None:
    headers, raw = _get(server, big_item, coding, "big")
    assert headers["Content-Encoding"] == coding
    assert int(headers["Content-Length"]) == len(raw)
    assert headers["x-amz-crc32"] == str(zlib.crc32(raw))
    assert len(raw) < 200
    assert json.loads(decode(raw))["Item"]["big"] == {"S": "b" * 5000}


@pytest.mark.parametrize(("accept", "projection"), [("gzip", "small"), ("identity", "big")])
def test_small_answer_or_no_compression_accepted_goes_as_it_is(
    server: Any, big_item: str, accept: str, projection: str
) -> None:
    headers, raw = _get(server, big_item, accept, projection)
    assert "Content-Encoding" not in headers
    assert headers["x-amz-crc32"] == str(zlib.crc32(raw))
    assert "Item" in json.loads(raw)


@pytest.mark.parametrize(
    ("accept", "chosen"),
    [
        ("", None),
        ("identity", None),
        ("br, x-gzip, compress", None),
        ("deflate, gzip", "deflate"),  # the first named, at equal quality
        ("GZIP ;q=0.3, deflate;q=0.2", "gzip"),
        ("gzip;q=0, deflate; q = 0.5", "deflate"),  # `q = 0.5` is no quality: it counts as 1
        ("*", "gzip"),
        ("*, deflate", "deflate"),  # named before admitted by `*`
        ("*, gzip;q=0.5", "deflate"),  # `*` admits only codings not named
        ("*;q=0", None),
        ("gzip;q=7, deflate;q=0.9", "gzip"),  # above 1 counts as 1
        ("deflate;q=0.5, gzip;q=0.x", "gzip"),  # unparsable counts as 1
        ("gzip;nq=0;q=1", None),  # the first `q=` is the one read
        ("gzip;q=-1, deflate;q=0.01", "deflate"),
        ("gzip;q=0.5, identity", "gzip"),  # identity never stops compression
    ],
)
def test_accept_encoding_is_read_as_dynamodb_reads_it(accept: str, chosen: str | None) -> None:
    assert choose_coding(accept) == chosen
