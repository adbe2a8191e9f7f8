"""Fixtures of the real-client tests (helpers live in clientkit.py)."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from clientkit import bucket_keys


@pytest.fixture
def bucket_name(request: pytest.FixtureRequest) -> str:
    """A fresh, valid bucket name per test (3-63 chars, lowercase, digits, dashes)."""
    stem = request.node.name.split("[")[0].replace("_", "-").lower()[:30].strip("-")
    return f"{stem}-{uuid.uuid4().hex[:10]}"


@pytest.fixture
def s3(server: Any) -> Any:
    return server.client("s3")


@pytest.fixture
def empty_bucket_after(s3: Any) -> Iterator[Callable[[str], None]]:
    """Register buckets to empty and delete after the test, so a failure leaves no debris."""
    names: list[str] = []
    yield names.append
    for name in names:
        _delete_bucket_quietly(s3, name)


def _delete_bucket_quietly(s3: Any, name: str) -> None:
    try:
        for key in bucket_keys(s3, name):
            s3.delete_object(Bucket=name, Key=key)
        s3.delete_bucket(Bucket=name)
    except Exception:  # the test under way already reported whatever went wrong
        return
