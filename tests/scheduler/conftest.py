"""Fixtures of the Scheduler suite: clients of the session's server, an execution role that
trusts Scheduler and may send to any queue, and a queue to deliver to."""

from __future__ import annotations

from typing import Any

import pytest
from schedkit import make_queue, make_role


@pytest.fixture(scope="module")
def sch(server: Any) -> Any:
    return server.client("scheduler")


@pytest.fixture(scope="module")
def unchecked(server: Any) -> Any:
    """A client that sends what it is given (no client-side checks): the server answers."""
    from botocore.config import Config

    return server.client("scheduler", config=Config(parameter_validation=False))


@pytest.fixture(scope="module")
def sqs(server: Any) -> Any:
    return server.client("sqs")


@pytest.fixture(scope="module")
def iam(server: Any) -> Any:
    return server.client("iam")


@pytest.fixture(scope="module")
def role(iam: Any) -> str:
    return make_role(iam, ["sqs:SendMessage"])


@pytest.fixture
def queue(sqs: Any) -> tuple[str, str]:
    return make_queue(sqs)
