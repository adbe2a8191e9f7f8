"""Expect: 100-continue on an empty body, against a real server.

boto3 sends `Expect: 100-continue` with every PutObject, empty bodies included. An empty body
is never read, so no 100 goes out on its own; if the final answer comes without one, botocore
keeps that answer's status line for the connection and misreads the next Expect request's
response: the request after an empty PUT hung until the read timeout. The server now sends the
100 first, as AWS does.
"""

from __future__ import annotations

import hashlib
import os
import socket
from typing import Any

from botocore.auth import S3SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.config import Config
from botocore.credentials import Credentials


def _signed_put(server: Any, path: str, headers: dict[str, str]) -> bytes:
    host = f"127.0.0.1:{server.port}"
    req = AWSRequest(method="PUT", url=f"http://{host}{path}", data=b"", headers=headers)
    req.headers["x-amz-content-sha256"] = hashlib.sha256(b"").hexdigest()
    creds = Credentials(server.access_key, server.secret_key)
    S3SigV4Auth(creds, "s3", server.region).add_auth(req)
    lines = [f"PUT {path} HTTP/1.1", f"Host: {host}", "Content-Length: 0"]
    lines += [f"{k}: {v}" for k, v in req.headers.items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


def _read_response_head(sock: socket.socket) -> bytes:
    data = b""
    while data.count(b"\r\n\r\n") < 2:
        chunk = sock.recv(65536)
        if not chunk:
            break
        data += chunk
    return data


def test_empty_body_with_expect_gets_100_before_the_answer(server: Any) -> None:
    s3 = server.client("s3")
    s3.create_bucket(Bucket="expect-raw")
    with socket.create_connection(("127.0.0.1", server.port), timeout=5) as sock:
        sock.sendall(_signed_put(server, "/expect-raw/empty", {"Expect": "100-continue"}))
        data = _read_response_head(sock)
    assert data.startswith(b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\n")
    assert b'ETag: "d41d8cd98f00b204e9800998ecf8427e"' in data
    assert s3.get_object(Bucket="expect-raw", Key="empty")["Body"].read() == b""


def test_empty_body_without_expect_gets_no_100(server: Any) -> None:
    server.client("s3").create_bucket(Bucket="expect-none")
    with socket.create_connection(("127.0.0.1", server.port), timeout=5) as sock:
        sock.sendall(_signed_put(server, "/expect-none/empty", {}))
        data = sock.recv(65536)
    assert data.startswith(b"HTTP/1.1 200 OK\r\n")


def test_boto3_requests_after_an_empty_put_do_not_hang(server: Any) -> None:
    """The sequence that hung: empty PUT, then any PUT on the same kept-alive connection."""
    # No retries: a retry after the read timeout would succeed and hide the hang.
    no_retry = Config(
        read_timeout=5, max_pool_connections=1, retries={"mode": "legacy", "max_attempts": 0}
    )
    s3 = server.client("s3", config=no_retry)
    s3.create_bucket(Bucket="expect-seq")
    sizes = [5_000_000, 0, 5_000_000, 0, 10, 70_000, 0]
    payloads = {f"k{i}": os.urandom(n) for i, n in enumerate(sizes)}
    for key, data in payloads.items():
        s3.put_object(Bucket="expect-seq", Key=key, Body=data)
    for key, data in payloads.items():
        assert s3.get_object(Bucket="expect-seq", Key=key)["Body"].read() == data
