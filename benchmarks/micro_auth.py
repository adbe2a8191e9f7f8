"""Microseconds per Authenticator.authenticate call for the request shapes the load uses.

Requests are signed by botocore itself (presigned GET/PUT, header-signed GET, header-signed
1 KiB PUT with a hex x-amz-content-sha256), captured before they reach the network, and
verified in a loop without an event loop: none of these paths awaits I/O (the PUT body is
wrapped, not read), so the coroutine finishes on its first send(None).

    .venv/bin/python -m benchmarks.micro_auth [iterations]
"""

from __future__ import annotations

import asyncio
import sys
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

import boto3
from botocore.config import Config

from ownstack.backends.memory.meta import MemoryMeta
from ownstack.core.clock import ManualClock
from ownstack.core.http import BytesBody, Headers, Request
from ownstack.gateway.auth import Authenticator
from ownstack.identity.accounts import StaticAccountBook
from ownstack.identity.directory import IdentityDirectory
from ownstack.identity.model import Account
from ownstack.wire import sigv4_canonical as canon
from ownstack.wire.sigv4_canonical import parse_amz_date

ACCESS_KEY = "AKIAOWNSTACKTEST0001"
SECRET = "ownstack-test-secret-key-0000000000000000"
ENDPOINT = "http://127.0.0.1:45301"


class _Captured(Exception):
    def __init__(self, request: Any) -> None:
        super().__init__("captured")
        self.request = request


def _client() -> Any:
    return boto3.client(
        "s3",
        region_name="us-east-1",
        endpoint_url=ENDPOINT,
        aws_access_key_id=ACCESS_KEY,
        aws_secret_access_key=SECRET,
        config=Config(signature_version="s3v4", retries={"max_attempts": 0}),
    )


def _to_request(method: str, url: str, headers: list[tuple[str, str]], body: bytes) -> Request:
    parts = urlsplit(url)
    hdrs = Headers(headers)
    if "host" not in hdrs:
        hdrs.add("Host", parts.netloc)
    return Request(method, parts.path or "/", parts.query, hdrs, BytesBody(body))


def _header_signed(call: Callable[[Any], object]) -> Request:
    client = _client()

    def capture(request: Any, **_: Any) -> None:
        raise _Captured(request)

    client.meta.events.register("before-send", capture)
    try:
        call(client)
    except _Captured as info:
        sent = info.request
        body = sent.body if isinstance(sent.body, bytes) else (sent.body or b"")
        if not isinstance(body, bytes):
            body = bytes(body.read())
        hdrs = [(k, v.decode() if isinstance(v, bytes) else v) for k, v in sent.headers.items()]
        return _to_request(sent.method, sent.url, hdrs, body)
    raise AssertionError("request was not captured")


def _presigned(method: str, op: str) -> Request:
    url = _client().generate_presigned_url(op, Params={"Bucket": "cpu", "Key": "one"})
    return _to_request(method, url, [], b"")


def _signed_at(req: Request) -> float:
    stamp = req.headers.get("x-amz-date")
    if stamp is None:
        stamp = req.query.split("X-Amz-Date=")[1].split("&")[0]
    return parse_amz_date(stamp) or 0.0


def _time(name: str, template: Request, iterations: int) -> None:
    clock = ManualClock(_signed_at(template))
    book = StaticAccountBook([Account("default", "000000000000", ACCESS_KEY, SECRET)])
    auth = Authenticator(IdentityDirectory(MemoryMeta(), book, clock), clock)
    raw = _raw_body(template)
    best = float("inf")
    for _ in range(5):
        start = time.perf_counter()
        for _ in range(iterations):
            req = Request(
                template.method, template.path, template.query, template.headers, BytesBody(raw)
            )
            coro = auth.authenticate(req, "s3")
            try:
                coro.send(None)
            except StopIteration:
                continue
            raise AssertionError("authenticate awaited I/O")
        best = min(best, (time.perf_counter() - start) / iterations)
    print(f"{name:28s} {best * 1e6:6.1f} us")


def _raw_body(req: Request) -> bytes:
    """The captured body bytes (consuming the template's reader), re-wrapped per iteration."""
    return asyncio.run(req.body.read())


def check_fast_paths() -> None:
    """The canonical-form fast paths in sigv4_canonical give exactly what the general
    re-encoding gives, for every single byte escaped (upper and lower case) or literal."""
    samples = [f"%{b:02X}" for b in range(256)] + [f"%{b:02x}" for b in range(256)]
    samples += [chr(b) for b in range(32, 127) if chr(b) not in "&=%"] + ["", "a%2Fb%20c"]
    for sample in samples:
        slow_path = "/".join(canon._encode_segment(seg) for seg in sample.split("/"))
        assert canon._reencode_path(sample) == slow_path, sample
        pairs = [(sample, sample), ("k", sample)]
        documented = canon._canonical_query(pairs, plus_is_space=False)
        first = next(canon.iter_query_candidates(pairs, exclude_signature=False))
        assert first == documented, sample
        listed = canon.query_candidates(pairs, exclude_signature=False)
        assert listed == list(canon.iter_query_candidates(pairs, exclude_signature=False))


def main() -> None:
    iterations = int(sys.argv[1]) if len(sys.argv) > 1 else 20000
    check_fast_paths()
    cases = {
        "presigned GET": _presigned("GET", "get_object"),
        "presigned PUT": _presigned("PUT", "put_object"),
        "header GET": _header_signed(lambda c: c.get_object(Bucket="cpu", Key="one")),
        "header PUT 1 KiB (sha256)": _header_signed(
            lambda c: c.put_object(Bucket="cpu", Key="one", Body=b"x" * 1024)
        ),
    }
    for name, req in cases.items():
        _time(name, req, iterations)


if __name__ == "__main__":
    main()
