"""Microseconds per request spent in the gateway outside auth and the S3 handler.

Builds the real App on a temporary data dir, presigns 1 KiB GET/PUT requests with botocore,
and drives `Gateway.__call__` directly (no sockets). It prints the event loop thread's CPU time
per request for the whole call, for authentication and for the handler, and the remainder:
request ids, service detection, routing, parsing, serializing, default headers and metrics
(and the access-log line when OWNSTACK_LOG_LEVEL-style INFO logging is configured; here it is
not). `-v [regex]` adds a cProfile of one more GET run (`--put`: a PUT run), filtered by regex.

    .venv/bin/python -m benchmarks.micro_gateway [iterations] [rounds] [-v [--put] regex]
"""

from __future__ import annotations

import asyncio
import cProfile
import os
import pstats
import sys
import tempfile
import time
from typing import Any
from urllib.parse import urlsplit

import boto3
from botocore.config import Config as BotoConfig

from ownstack.app import build_app
from ownstack.config import load_config
from ownstack.core.http import BytesBody, FileRange, Headers, Request, Response
from ownstack.gateway.dispatch import Gateway

ACCESS_KEY = "AKIAOWNSTACKTEST0001"
SECRET = "ownstack-test-secret-key-0000000000000000"
HOST = "127.0.0.1:45399"


def _presigned(client: Any, op: str, key: str) -> tuple[str, str]:
    url = client.generate_presigned_url(op, Params={"Bucket": "bench", "Key": key}, ExpiresIn=3600)
    parts = urlsplit(url)
    return parts.path, parts.query


def _request(method: str, path: str, query: str, body: bytes) -> Request:
    headers = Headers([("Host", HOST), ("Accept-Encoding", "identity")])
    if body or method == "PUT":
        headers.add("Content-Length", str(len(body)))
    return Request(method, path, query, headers, BytesBody(body), remote="127.0.0.1")


def _close(resp: Response) -> None:
    if isinstance(resp.body, FileRange):
        os.close(resp.body.fd)


async def _run(gw: Gateway, reqs: list[Request]) -> None:
    for req in reqs:
        resp = await gw(req)
        assert resp.status == 200, (resp.status, resp.body)
        _close(resp)


class _Timed:
    """Wraps an awaitable callable and sums the event loop thread's CPU time inside it (worker
    threads and waits are not counted, nor mostly other processes on a shared machine)."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.total = 0.0

    async def __call__(self, *args: Any) -> Any:
        began = time.thread_time()
        try:
            return await self.inner(*args)
        finally:
            self.total += time.thread_time() - began


class _Service:
    """The S3 service with get_object/put_object timed; every other operation passes through."""

    def __init__(self, inner: Any) -> None:
        self._inner = inner
        self.get_object = _Timed(inner.get_object)
        self.put_object = _Timed(inner.put_object)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)


async def _measure(gw: Gateway, label: str, reqs: list[Request]) -> None:
    service = _Service(gw._services["s3"])
    gw._services["s3"] = service
    auth = _Timed(gw._auth.authenticate)
    gw._auth.authenticate = auth  # type: ignore[method-assign,assignment]
    began = time.thread_time()
    await _run(gw, reqs)
    whole = time.thread_time() - began
    gw._services["s3"] = service._inner
    del gw._auth.authenticate
    handler = service.get_object if label == "get" else service.put_object
    n = len(reqs)
    rest = whole - auth.total - handler.total
    print(
        f"{label}: whole {whole / n * 1e6:.1f} us, auth {auth.total / n * 1e6:.1f} us, "
        f"handler {handler.total / n * 1e6:.1f} us, gateway rest {rest / n * 1e6:.1f} us"
    )


async def main(n: int, rounds: int) -> None:
    env = dict(os.environ)
    env.update(OWNSTACK_ROOT_ACCESS_KEY=ACCESS_KEY, OWNSTACK_ROOT_SECRET_KEY=SECRET)
    with tempfile.TemporaryDirectory() as data:
        config = load_config(data=data, env=env)
        gw, close = build_app(config, env=env)
        await gw.start()
        client = boto3.client(
            "s3",
            endpoint_url=f"http://{HOST}",
            aws_access_key_id=ACCESS_KEY,
            aws_secret_access_key=SECRET,
            region_name="us-east-1",
            config=BotoConfig(signature_version="s3v4"),
        )
        parts = urlsplit(client.generate_presigned_url("create_bucket", Params={"Bucket": "bench"}))
        await _run(gw, [_request("PUT", parts.path, parts.query, b"")])
        one = _presigned(client, "get_object", "k0")
        for _ in range(rounds):
            puts = [
                _request("PUT", *_presigned(client, "put_object", f"k{i}"), b"x" * 1024)
                for i in range(n)
            ]
            await _measure(gw, "put", puts)
            await _measure(gw, "get", [_request("GET", *one, b"") for _ in range(n)])
        if "-v" in sys.argv:
            prof = cProfile.Profile()
            kind = "put" if "--put" in sys.argv else "get"
            reqs = (
                [
                    _request("PUT", *_presigned(client, "put_object", f"p{i}"), b"x" * 1024)
                    for i in range(n)
                ]
                if kind == "put"
                else [_request("GET", *one, b"") for _ in range(n)]
            )
            prof.enable()
            await _run(gw, reqs)
            prof.disable()
            pstats.Stats(prof).sort_stats("tottime").print_stats(sys.argv[-1], 40)
        await close()


if __name__ == "__main__":
    numbers = [int(a) for a in sys.argv[1:] if a.isdigit()] + [2000, 3]
    asyncio.run(main(numbers[0], numbers[1]))
