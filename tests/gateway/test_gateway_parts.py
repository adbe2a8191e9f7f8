"""The gateway's pure parts: virtual hosts, metrics exposition, log redaction, detection."""

from __future__ import annotations

import asyncio

import pytest

from ownstack.core.http import BytesBody, Headers, Request
from ownstack.gateway.detect import ServiceDetector
from ownstack.gateway.ids import new_request_id
from ownstack.gateway.vhost import VirtualHosts, path_style
from ownstack.obs.accesslog import loggable_path, redact_query
from ownstack.obs.metrics import HttpMetrics, Registry, escape_label_value
from ownstack.wire.services import load_wire

BASES = ("localhost", "s3.localhost", "127.0.0.1")


@pytest.mark.parametrize(
    ("host", "bucket"),
    [
        ("localhost", None),
        ("localhost:4566", None),
        ("s3.localhost:4566", None),
        ("127.0.0.1:4566", None),
        ("10.1.2.3:4566", None),
        ("[::1]:4566", None),
        ("", None),
        ("b1.localhost:4566", "b1"),
        ("b1.s3.localhost:4566", "b1"),
        ("my.dotted.bucket.s3.localhost", "my.dotted.bucket"),
        ("B1.S3.LOCALHOST:4566", "b1"),
        ("b1.s3.amazonaws.com", "b1"),
        ("b1.s3.eu-west-1.amazonaws.com", "b1"),
        ("b1.s3-eu-west-1.amazonaws.com", "b1"),
        ("s3.eu-west-1.amazonaws.com", None),
        ("example.com", None),
    ],
)
def test_virtual_host_bucket(host: str, bucket: str | None) -> None:
    assert VirtualHosts(BASES).bucket_of(host) == bucket


@pytest.mark.parametrize(
    ("path", "expected"),
    [("/", "/b"), ("", "/b"), ("/k", "/b/k"), ("/a%2F..//b%20c", "/b/a%2F..//b%20c")],
)
def test_path_style_keeps_the_encoded_key(path: str, expected: str) -> None:
    assert path_style("b", path) == expected


def test_request_ids_are_16_uppercase_hex() -> None:
    ids = {new_request_id() for _ in range(100)}
    assert len(ids) == 100
    assert all(len(i) == 16 and i == i.upper() and int(i, 16) >= 0 for i in ids)


def test_histogram_and_counter_exposition() -> None:
    registry = Registry()
    metrics = HttpMetrics(registry)
    metrics.record("s3", "GetObject", 200, "", 0.003)
    metrics.record("s3", "GetObject", 200, "", 0.01)
    metrics.record("s3", "GetObject", 200, "", 30.0)
    text = registry.exposition().decode()
    labels = 'service="s3",operation="GetObject",status="200",error_code=""'
    name = "http_server_request_duration_seconds"
    lines = text.splitlines()
    assert lines[0].startswith(f"# HELP {name} ")
    assert lines[1] == f"# TYPE {name} histogram"
    assert f'{name}_bucket{{{labels},le="0.005"}} 1' in lines
    assert f'{name}_bucket{{{labels},le="0.01"}} 2' in lines  # a bound is inclusive
    assert f'{name}_bucket{{{labels},le="10.0"}} 2' in lines
    assert f'{name}_bucket{{{labels},le="+Inf"}} 3' in lines
    assert f"{name}_count{{{labels}}} 3" in lines
    assert f"{name}_sum{{{labels}}} 30.013" in lines
    assert "# TYPE http_server_requests_total counter" in lines
    assert f"http_server_requests_total{{{labels}}} 3" in lines
    assert text.endswith("\n")


def test_label_values_are_escaped() -> None:
    assert escape_label_value('a"b\\c\nd') == 'a\\"b\\\\c\\nd'
    registry = Registry()
    counter = registry.counter("c_total", "help with \\ and\nnewline", ("l",))
    counter.inc(('x"y',))
    assert registry.exposition().decode().splitlines() == [
        "# HELP c_total help with \\\\ and\\nnewline",
        "# TYPE c_total counter",
        'c_total{l="x\\"y"} 1',
    ]


def test_duplicate_metric_names_are_refused() -> None:
    registry = Registry()
    registry.counter("x_total", "x", ())
    with pytest.raises(ValueError, match="already registered"):
        registry.counter("x_total", "x", ())


def test_presigned_query_values_are_redacted() -> None:
    query = (
        "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIA%2F20260101%2Fus-east-1"
        "&X-Amz-Signature=abc123&x-amz-security-token=tok&versionId=v1"
    )
    assert redact_query(query) == (
        "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=REDACTED"
        "&X-Amz-Signature=REDACTED&x-amz-security-token=REDACTED&versionId=v1"
    )
    assert loggable_path("/b/k", "") == "/b/k"
    assert loggable_path("/b/k", "uploads") == "/b/k?uploads"


def _request(method: str, path: str, query: str = "", body: bytes = b"", **headers: str) -> Request:
    pairs = [(k.replace("_", "-"), v) for k, v in headers.items()]
    return Request(method, path, query, Headers(pairs), BytesBody(body))


def test_detection_of_unsigned_requests() -> None:
    detector = ServiceDetector({name: load_wire(name) for name in ("s3", "sts", "sqs")})
    form = "application/x-www-form-urlencoded; charset=utf-8"

    async def detect(req: Request) -> str:
        return await detector.from_request(req)

    target = _request("POST", "/", x_amz_target="AmazonSQS.ListQueues")
    assert asyncio.run(detect(target)) == "sqs"
    body = b"Action=GetCallerIdentity&Version=2011-06-15"
    form_req = _request("POST", "/", body=body, content_type=form)
    assert asyncio.run(detect(form_req)) == "sts"
    assert asyncio.run(form_req.body.read()) == body  # the peeked body is all still there
    assert asyncio.run(detect(_request("GET", "/", "Action=ListQueues"))) == "sqs"
    assert asyncio.run(detect(_request("GET", "/bucket/key"))) == "s3"
    assert asyncio.run(detect(_request("POST", "/", body=b"Action=Nope", content_type=form))) == (
        "s3"
    )
