"""Uploads whose framing is wrong on the wire: no length at all, or a body that stops coming.

Sent over raw sockets (correctly signed, UNSIGNED-PAYLOAD), because HTTP client libraries add
the Content-Length these requests must lack, and would not leave a body half-sent.
"""

from __future__ import annotations

import socket
import time
from typing import Any
from urllib.parse import urlsplit

import pytest
from botocore.auth import S3SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

pytestmark = pytest.mark.slow


def signed_head(server: Any, method: str, path: str, headers: dict[str, str]) -> bytes:
    """The request line and headers of a signed request, exactly as given (no added length)."""
    req = AWSRequest(method=method, url=f"{server.endpoint}{path}", headers=headers)
    req.headers["x-amz-content-sha256"] = "UNSIGNED-PAYLOAD"
    credentials = Credentials(server.access_key, server.secret_key)
    S3SigV4Auth(credentials, "s3", server.region).add_auth(req)
    split = urlsplit(req.url)
    target = split.path + (f"?{split.query}" if split.query else "")
    lines = [f"{method} {target} HTTP/1.1", f"Host: {split.netloc}"]
    lines += [f"{name}: {value}" for name, value in req.headers.items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


def exchange(server: Any, data: bytes, timeout: float = 15) -> tuple[int, bytes, bool]:
    """Send `data`, read until the server closes or stops: (status, response bytes, closed)."""
    port = urlsplit(server.endpoint).port
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as sock:
        sock.sendall(data)
        received = b""
        closed = False
        while b"\r\n\r\n" not in received or not _complete(received):
            piece = sock.recv(65536)
            if not piece:
                closed = True
                break
            received += piece
        if not closed:
            sock.settimeout(2)
            try:
                closed = sock.recv(1) == b""
            except TimeoutError:
                closed = False
    return int(received.split(b" ", 2)[1]), received, closed


def _complete(received: bytes) -> bool:
    head, _, body = received.partition(b"\r\n\r\n")
    for line in head.split(b"\r\n"):
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            return len(body) >= int(value)
    return True


@pytest.fixture
def bucket(server: Any) -> str:
    name = f"framing-{time.time_ns()}"
    server.client("s3").create_bucket(Bucket=name)
    return name


def test_put_without_content_length_is_411(server: Any, bucket: str) -> None:
    status, response, _ = exchange(server, signed_head(server, "PUT", f"/{bucket}/nolength", {}))
    assert status == 411
    assert b"<Code>MissingContentLength</Code>" in response
    assert b"You must provide the Content-Length HTTP header." in response
    assert server.client("s3").list_objects_v2(Bucket=bucket)["KeyCount"] == 0


def test_upload_part_without_content_length_is_411(server: Any, bucket: str) -> None:
    s3 = server.client("s3")
    upload = s3.create_multipart_upload(Bucket=bucket, Key="mpu")["UploadId"]
    path = f"/{bucket}/mpu?partNumber=1&uploadId={upload}"
    status, response, _ = exchange(server, signed_head(server, "PUT", path, {}))
    assert status == 411
    assert b"<Code>MissingContentLength</Code>" in response
    assert s3.list_parts(Bucket=bucket, Key="mpu", UploadId=upload).get("Parts", []) == []


def test_empty_put_with_content_length_zero_is_stored(server: Any, bucket: str) -> None:
    head = signed_head(server, "PUT", f"/{bucket}/empty", {"Content-Length": "0"})
    status, _, _ = exchange(server, head)
    assert status == 200
    assert server.client("s3").head_object(Bucket=bucket, Key="empty")["ContentLength"] == 0


def test_stalled_body_gets_request_timeout(fresh_server: Any) -> None:
    server = fresh_server(config_yaml="limits:\n  http: {request_timeout: 1}\n")
    s3 = server.client("s3")
    s3.create_bucket(Bucket="stalls")
    head = signed_head(server, "PUT", "/stalls/partial", {"Content-Length": "100"})
    started = time.monotonic()
    status, response, closed = exchange(server, head + b"only ten b")
    assert status == 400
    assert b"<Code>RequestTimeout</Code>" in response
    assert b"not read from or written to within the timeout period" in response
    assert closed  # the unread rest of the body could not be parsed as a next request
    # The server's clock for deadlines ticks every quarter timeout: it may fire that early.
    assert 0.5 < time.monotonic() - started < 10
    assert s3.list_objects_v2(Bucket="stalls")["KeyCount"] == 0
    assert s3.put_object(Bucket="stalls", Key="after", Body=b"x")["ResponseMetadata"]
