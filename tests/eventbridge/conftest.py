"""Fixtures of the EventBridge suite: boto3 clients of the session's server."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.config import Config


@pytest.fixture(scope="module")
def events(server: Any) -> Any:
    return server.client("events")


@pytest.fixture(scope="module")
def unchecked(server: Any) -> Any:
    """An events client that sends what it is given (no client-side validation)."""
    return server.client("events", config=Config(parameter_validation=False))


@pytest.fixture(scope="module")
def sqs(server: Any) -> Any:
    return server.client("sqs")
