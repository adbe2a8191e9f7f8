"""Helpers of the S3 browser-upload (POST Object) tests: multipart bodies built field by field
(so a test controls the order, e.g. a field after the file), S3 error documents, and forms
signed by hand for policies boto3 would not write."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import uuid
from collections.abc import Sequence
from typing import Any
from xml.etree import ElementTree

import requests

FilePart = tuple[str, bytes, str]
"""(file name, content, content type)."""
Part = tuple[str, str | FilePart]


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


def encode_form(parts: Sequence[Part], boundary: str | None = None) -> tuple[bytes, str]:
    """A multipart/form-data body of `parts` in order, and its Content-Type."""
    boundary = boundary or f"----ownstackTest{uuid.uuid4().hex[:16]}"
    out: list[bytes] = []
    for name, value in parts:
        out.append(f"--{boundary}\r\n".encode())
        if isinstance(value, tuple):
            filename, data, ctype = value
            out.append(
                f'Content-Disposition: form-data; name="{name}"; filename="{filename}"\r\n'
                f"Content-Type: {ctype}\r\n\r\n".encode()
            )
            out.append(data)
        else:
            out.append(f'Content-Disposition: form-data; name="{name}"\r\n\r\n'.encode())
            out.append(value.encode())
        out.append(b"\r\n")
    out.append(f"--{boundary}--\r\n".encode())
    return b"".join(out), f"multipart/form-data; boundary={boundary}"


def post_parts(
    url: str, parts: Sequence[Part], headers: dict[str, str] | None = None
) -> requests.Response:
    body, ctype = encode_form(parts)
    return requests.post(
        url,
        data=body,
        headers={"Content-Type": ctype, **(headers or {})},
        allow_redirects=False,
        timeout=30,
    )


def post_form(
    post: dict[str, Any],
    data: bytes = b"hello",
    filename: str = "hello.txt",
    *,
    extra: Sequence[Part] = (),
    after: Sequence[Part] = (),
    url: str | None = None,
    headers: dict[str, str] | None = None,
    drop: Sequence[str] = (),
) -> requests.Response:
    """POST a generate_presigned_post form: its fields, `extra` fields, the file, then `after`
    (fields after the file, which S3 ignores). `drop` leaves fields out."""
    fields = [(k, v) for k, v in post["fields"].items() if k not in drop]
    parts: list[Part] = [*fields, *extra, ("file", (filename, data, "application/x-unknown"))]
    return post_parts(url or post["url"], [*parts, *after], headers)


def error_of(resp: requests.Response) -> dict[str, str]:
    """An S3 error document's elements, by name (in order)."""
    root = ElementTree.fromstring(resp.content)
    assert root.tag == "Error", resp.text
    return {child.tag: child.text or "" for child in root}


def assert_error(resp: requests.Response, status: int, code: str, message: str) -> dict[str, str]:
    assert resp.status_code == status, resp.text
    assert resp.headers["Content-Type"] == "application/xml"
    error = error_of(resp)
    assert (error["Code"], error["Message"]) == (code, message), error
    return error


def policy_text(document: dict[str, Any] | str) -> str:
    text = document if isinstance(document, str) else json.dumps(document)
    return base64.b64encode(text.encode()).decode()


def v2_form(access_key: str, secret_key: str, policy: str) -> list[Part]:
    """The Signature Version 2 fields of a form whose policy is `policy` (base64)."""
    signature = base64.b64encode(hmac.digest(secret_key.encode(), policy.encode(), "sha1")).decode()
    return [("AWSAccessKeyId", access_key), ("policy", policy), ("signature", signature)]


def md5_etag(data: bytes) -> str:
    return f'"{hashlib.md5(data).hexdigest()}"'
