"""Fixtures of the Lambda suite: boto3 clients of the session's server and an execution role
that trusts Lambda."""

from __future__ import annotations

from typing import Any

import pytest
from lambdakit import lambda_role


@pytest.fixture(scope="module")
def lam(server: Any) -> Any:
    return server.client("lambda")


@pytest.fixture(scope="module")
def iam(server: Any) -> Any:
    return server.client("iam")


@pytest.fixture(scope="module")
def role(iam: Any) -> str:
    return lambda_role(iam)


@pytest.fixture(scope="module")
def unchecked(server: Any) -> Any:
    """A client that sends what it is given (no client-side min/max checks): the server's own
    validation answers."""
    from botocore.config import Config

    return server.client("lambda", config=Config(parameter_validation=False))
