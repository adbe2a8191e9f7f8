"""Fixtures of the IAM suite: one real server for the module, boto3 clients, fresh names."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pytest


@pytest.fixture(scope="module")
def iam_server(
    tmp_path_factory: pytest.TempPathFactory, launch_server: Callable[..., Any]
) -> Iterator[Any]:
    handle = launch_server(tmp_path_factory.mktemp("iam") / "data")
    try:
        yield handle
    finally:
        handle.stop()


@pytest.fixture
def iam(iam_server: Any) -> Any:
    return iam_server.client("iam")


@pytest.fixture
def name() -> Callable[[str], str]:
    """name(stem) -> a name no other test uses."""
    return lambda stem="n": f"{stem}-{uuid.uuid4().hex[:10]}"
