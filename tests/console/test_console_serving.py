"""The console's files and its server-information endpoint, over plain HTTP (no browser):
GET/HEAD of the static files with their real Content-Type, the redirect to the trailing slash,
no path outside the console's folder (traversal in every spelling), and /_ownstack/info only
for a valid SigV4 signature."""

from __future__ import annotations

import http.client
import json
from typing import Any

import pytest
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from ownserver import ServerHandle

CONSOLE = "/_ownstack/console/"


def _get(server: ServerHandle, path: str, method: str = "GET", **headers: str) -> Any:
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    try:
        conn.request(method, path, headers=headers)  # the path is sent exactly as given
        resp = conn.getresponse()
        return resp.status, dict(resp.getheaders()), resp.read()
    finally:
        conn.close()


@pytest.mark.parametrize(
    ("path", "content_type", "marker"),
    [
        (CONSOLE, "text/html; charset=utf-8", b'<script type="module" src="js/app.js">'),
        (CONSOLE + "index.html", "text/html; charset=utf-8", b"<!doctype html>"),
        (CONSOLE + "js/app.js", "text/javascript; charset=utf-8", b"import"),
        (CONSOLE + "js/sigv4.js", "text/javascript; charset=utf-8", b"AWS4-HMAC-SHA256"),
        (CONSOLE + "pages/index.js", "text/javascript; charset=utf-8", b"PAGES"),
        (CONSOLE + "console.css", "text/css; charset=utf-8", b":root"),
        (CONSOLE + "favicon.svg", "image/svg+xml", b"<svg"),
    ],
)
def test_static_files_are_served_unauthenticated_with_their_type(
    server: ServerHandle, path: str, content_type: str, marker: bytes
) -> None:
    status, headers, body = _get(server, path)
    assert status == 200
    assert headers["Content-Type"] == content_type
    assert marker in body
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert "default-src 'self'" in headers["Content-Security-Policy"]


def test_head_gives_headers_without_body(server: ServerHandle) -> None:
    status, headers, body = _get(server, CONSOLE + "js/api.js", method="HEAD")
    _, _, full = _get(server, CONSOLE + "js/api.js")
    assert status == 200
    assert body == b""
    assert int(headers["Content-Length"]) == len(full)


def test_console_without_slash_redirects(server: ServerHandle) -> None:
    status, headers, _ = _get(server, "/_ownstack/console")
    assert status == 301
    assert headers["Location"] == CONSOLE


@pytest.mark.parametrize(
    "path",
    [
        CONSOLE + "../internal.py",
        CONSOLE + "../console/files.py",
        CONSOLE + "js/../../files.py",
        CONSOLE + "%2e%2e/internal.py",
        CONSOLE + "..%2finternal.py",
        CONSOLE + "js%2f..%2f..%2ffiles.py",
        CONSOLE + "/etc/passwd",
        CONSOLE + "..\\internal.py",
        CONSOLE + "js",  # a folder is not a file
        CONSOLE + "__init__.py",
        CONSOLE + "nothing.js",
    ],
)
def test_no_path_outside_the_static_files(server: ServerHandle, path: str) -> None:
    status, _, body = _get(server, path)
    assert status == 404
    assert b"import" not in body and b"root:" not in body


def test_only_get_and_head_serve_files(server: ServerHandle) -> None:
    # Any other method is not the console's: it goes to S3 as a request for a bucket
    # "_ownstack", and is refused there (unsigned), never answered with a file.
    status, _, body = _get(server, CONSOLE + "js/app.js", method="DELETE")
    assert status >= 400
    assert b"import" not in body


def _signed_info(server: ServerHandle, secret: str | None = None) -> Any:
    url = f"{server.endpoint}/_ownstack/info"
    request = AWSRequest(method="GET", url=url)
    creds = Credentials(server.access_key, secret or server.secret_key)
    SigV4Auth(creds, "ownstack", server.region).add_auth(request)
    return _get(server, "/_ownstack/info", **dict(request.headers.items()))


def test_info_with_a_valid_signature(server: ServerHandle) -> None:
    status, headers, body = _signed_info(server)
    assert status == 200
    assert headers["Content-Type"] == "application/json"
    info = json.loads(body)
    assert info["dataDir"] == str(server.data_dir)
    assert info["region"] == server.region
    assert info["version"]
    assert info["engines"]["meta"] == "sqlite"
    assert info["engines"]["blobs"] == "fs"
    assert info["identity"] == f"arn:aws:iam::{server.account_id}:root"


def test_info_refuses_unsigned_and_badly_signed_requests(server: ServerHandle) -> None:
    status, headers, body = _get(server, "/_ownstack/info")
    assert status in (400, 403)
    assert json.loads(body)["__type"] == headers["x-amzn-ErrorType"]
    assert str(server.data_dir).encode() not in body

    status, headers, body = _signed_info(server, secret="not-the-secret")
    assert status == 403
    assert json.loads(body)["__type"] == "SignatureDoesNotMatch"
    assert str(server.data_dir).encode() not in body
