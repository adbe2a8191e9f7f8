"""Helpers of the S3 server-side encryption tests (test_encryption.py, test_sse_c.py): the
bytes at rest in a data dir, customer keys as boto3 sends them, errors as AWS words them."""

from __future__ import annotations

import base64
import hashlib
import os
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError

MiB = 1024 * 1024


def at_rest(data_dir: Path, *needles: bytes) -> list[str]:
    """The files of `data_dir` holding any of `needles` (raw bytes, as a blob file or a SQLite
    page would hold them)."""
    found = []
    for path in sorted(data_dir.rglob("*")):
        if path.is_file() and not path.name.endswith(".log"):
            content = path.read_bytes()
            if any(needle in content for needle in needles):
                found.append(str(path.relative_to(data_dir)))
    return found


def inline_forms(body: bytes) -> list[bytes]:
    """What a record holding `body` inline contains: records keep inline bytes as base64, and
    SQLite may split a long record across pages, so: windows of 48 characters of it."""
    text = base64.b64encode(body)
    return [text[i : i + 48] for i in range(0, max(len(text) - 48, 1), 240)]


def marked(tag: str, size: int) -> bytes:
    """`size` bytes of an unmistakable plaintext: `tag` repeated between random bytes."""
    unit = f"<{tag}>".encode() + os.urandom(16)
    return (unit * (size // len(unit) + 1))[:size]


def customer(key: bytes) -> dict[str, Any]:
    """SSE-C request members for `key` (boto3 base64-encodes it and adds its MD5)."""
    return {"SSECustomerAlgorithm": "AES256", "SSECustomerKey": key}


def copy_customer(key: bytes) -> dict[str, Any]:
    return {"CopySourceSSECustomerAlgorithm": "AES256", "CopySourceSSECustomerKey": key}


def raw_customer(key: bytes, md5: bytes | None = None, algorithm: str = "AES256") -> dict[str, Any]:
    """SSE-C members sent as given: with an explicit MD5 boto3 neither encodes nor checks."""
    digest = hashlib.md5(md5 if md5 is not None else key).digest()
    return {
        "SSECustomerAlgorithm": algorithm,
        "SSECustomerKey": base64.b64encode(key).decode(),
        "SSECustomerKeyMD5": base64.b64encode(digest).decode(),
    }


def key_md5(key: bytes) -> str:
    return base64.b64encode(hashlib.md5(key).digest()).decode()


def md5_etag(body: bytes) -> str:
    return f'"{hashlib.md5(body).hexdigest()}"'


def failure(exc: pytest.ExceptionInfo[ClientError]) -> tuple[str, int, str]:
    """(code, HTTP status, message) of a boto3 error."""
    err = exc.value.response
    return (
        err["Error"]["Code"],
        err["ResponseMetadata"]["HTTPStatusCode"],
        err["Error"].get("Message", ""),
    )


STORED_WITH_SSE = (
    "The object was stored using a form of Server Side Encryption. The correct parameters must"
    " be provided to retrieve the object."
)
INSECURE = (
    "Requests specifying Server Side Encryption with Customer provided keys must be made over a"
    " secure connection."
)
NOT_APPLICABLE = "The encryption parameters are not applicable to this object."
