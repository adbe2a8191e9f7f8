"""Fixtures the S3 end-to-end tests share."""

from __future__ import annotations

from typing import Any

import pytest


@pytest.fixture
def s3(server: Any) -> Any:
    """A boto3 S3 client for the session's real server."""
    return server.client("s3")
