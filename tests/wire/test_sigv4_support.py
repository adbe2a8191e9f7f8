"""Shared helpers for the SigV4 tests: real botocore clients and signers, captured before they
reach the network and turned into core.http.Request exactly as they would arrive on the wire.
Also tests the small canonicalisation helpers directly."""

from __future__ import annotations

import asyncio
import io
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar
from urllib.parse import urlsplit

import boto3
import botocore.auth
import pytest
from botocore.awsrequest import AWSRequest
from botocore.config import Config
from botocore.credentials import Credentials

from ownstack.core.clock import ManualClock
from ownstack.core.errors import ServiceError
from ownstack.core.http import BodyReader, BytesBody, Headers, Request
from ownstack.wire.sigv4 import SigV4Verifier
from ownstack.wire.sigv4_canonical import (
    parse_amz_date,
    parse_http_date,
    query_candidates,
    query_pairs,
    remove_dot_segments,
    uri_candidates,
)

ACCESS_KEY = "AKIDOWNSTACKTEST0001"
SECRET = "s3cr3t/OwnStack+Test/Key0000000000000000"
REGION = "us-east-1"
CREDS = Credentials(ACCESS_KEY, SECRET)
T = TypeVar("T")


def run(coro: Awaitable[T]) -> T:
    async def wrap() -> T:
        return await coro

    return asyncio.run(wrap())


def secrets(key: str) -> str | None:
    return SECRET if key == ACCESS_KEY else None


def verifier_at(req: Request, offset: float = 0.0) -> SigV4Verifier:
    """A verifier whose clock reads the request's signing time plus `offset` seconds."""
    stamp = req.headers.get("x-amz-date") or _query_param(req.query, "X-Amz-Date")
    assert stamp is not None
    signed_at = parse_amz_date(stamp)
    assert signed_at is not None
    return SigV4Verifier(secrets, ManualClock(signed_at + offset))


def _query_param(query: str, name: str) -> str | None:
    for item in query.split("&"):
        key, _, value = item.partition("=")
        if key == name:
            return value
    return None


class _CapturedError(Exception):
    def __init__(self, request: Any) -> None:
        super().__init__("captured")
        self.request = request


def _read_body(body: Any) -> bytes:
    if body is None:
        return b""
    if isinstance(body, bytes):
        return body
    if isinstance(body, str):
        return body.encode()
    return bytes(body.read())


def to_request(method: str, url: str, headers: list[tuple[str, str]], body: bytes) -> Request:
    """A core Request as a server sees it: raw path and query exactly as sent, Host added
    the way the HTTP client adds it."""
    parts = urlsplit(url)
    hdrs = Headers(headers)
    if "host" not in hdrs:
        hdrs.add("Host", parts.netloc)
    return Request(method, parts.path or "/", parts.query, hdrs, BytesBody(body))


def client_request(
    service: str,
    call: Callable[[Any], object],
    *,
    endpoint: str = "http://localhost:4566",
    **config: Any,
) -> Request:
    """Run `call(client)` on a real boto3 client and capture the signed request it would send."""
    client = boto3.client(
        service,
        region_name=REGION,
        endpoint_url=endpoint,
        aws_access_key_id=ACCESS_KEY,
        aws_secret_access_key=SECRET,
        config=Config(retries={"max_attempts": 0}, **config),
    )

    def capture(request: Any, **_: Any) -> None:
        raise _CapturedError(request)

    client.meta.events.register("before-send", capture)
    with pytest.raises(_CapturedError) as info:
        call(client)
    sent = info.value.request
    headers = [(k, v.decode() if isinstance(v, bytes) else v) for k, v in sent.headers.items()]
    return to_request(sent.method, sent.url, headers, _read_body(sent.body))


def presigned_request(method: str, url: str) -> Request:
    return to_request(method, url, [], b"")


def sign_with(
    signer: botocore.auth.BaseSigner,
    method: str,
    url: str,
    *,
    headers: dict[str, str] | None = None,
    body: bytes = b"",
) -> Request:
    """Sign an AWSRequest with a botocore signer and convert what would be sent."""
    aws = AWSRequest(method=method, url=url, headers=headers or {}, data=body)
    aws.context["timestamp"] = None
    signer.add_auth(aws)
    prepared = aws.prepare()
    hdrs = [(k, v.decode() if isinstance(v, bytes) else v) for k, v in prepared.headers.items()]
    return to_request(method, prepared.url, hdrs, _read_body(prepared.body))


def error_of(coro: Awaitable[object]) -> ServiceError:
    with pytest.raises(ServiceError) as info:
        run(coro)
    return info.value


async def drain(body: BodyReader, size: int = 7919) -> bytes:
    out = io.BytesIO()
    while chunk := await body.read(size):
        out.write(chunk)
    return out.getvalue()


# -- the helpers themselves -------------------------------------------------------------------


def test_remove_dot_segments_matches_rfc3986_and_collapses_slashes() -> None:
    assert remove_dot_segments("/a/./b/../c//d/") == "/a/c/d/"
    assert remove_dot_segments("/../..") == "/"
    assert remove_dot_segments("") == "/"


def test_s3_uri_is_encoded_once_and_never_normalised() -> None:
    assert uri_candidates("/b/a//../k", s3=True) == ["/b/a//../k"]
    assert uri_candidates("/b/caf%c3%a9!", s3=True) == ["/b/caf%C3%A9%21", "/b/caf%c3%a9!"]
    assert uri_candidates("/b/a%2Fb", s3=True) == ["/b/a%2Fb"]


def test_non_s3_uri_is_normalised_then_double_encoded_with_single_fallback() -> None:
    assert uri_candidates("/a/./b/../c", s3=False) == ["/a/c"]
    assert uri_candidates("/f/a%3Ab", s3=False) == ["/f/a%253Ab", "/f/a%3Ab"]


def test_query_is_sorted_reencoded_and_signature_excluded() -> None:
    pairs = query_pairs("b=2&a=x%2fy&X-Amz-Signature=abc&a=1&flag")
    assert query_candidates(pairs, exclude_signature=True)[0] == "a=1&a=x%2Fy&b=2&flag="
    plus = query_candidates(query_pairs("p=a+b"), exclude_signature=False)
    assert plus == ["p=a%2Bb", "p=a%20b", "p=a+b"]


def test_dates_parse_strictly() -> None:
    assert parse_amz_date("20130524T000000Z") == 1369353600.0
    assert parse_amz_date("20131324T000000Z") is None
    assert parse_amz_date("2013-05-24T00:00:00Z") is None
    assert parse_http_date("Fri, 24 May 2013 00:00:00 GMT") == 1369353600.0
