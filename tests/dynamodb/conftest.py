"""Fixtures the DynamoDB end-to-end tests share: boto3 clients for the session's real server
and tables with fresh names, deleted when the test ends."""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pytest


def unique(prefix: str = "t") -> str:
    return f"{prefix}-{uuid.uuid4().hex[:12]}"


@pytest.fixture
def ddb(server: Any) -> Any:
    return server.client("dynamodb")


@pytest.fixture
def streams(server: Any) -> Any:
    return server.client("dynamodbstreams")


@pytest.fixture
def make_table(ddb: Any) -> Iterator[Callable[..., str]]:
    """make(hash=("pk", "S"), range=None, **create_table kwargs) -> a new ACTIVE table's name
    (PAY_PER_REQUEST unless the kwargs say otherwise)."""
    made: list[str] = []

    def make(
        hash: tuple[str, str] = ("pk", "S"),
        range: tuple[str, str] | None = None,
        **kw: Any,
    ) -> str:
        name = kw.pop("TableName", None) or unique()
        keys = [(hash, "HASH")] + ([(range, "RANGE")] if range else [])
        definitions = {n: t for (n, t), _ in keys}
        for extra in kw.pop("ExtraAttributes", []):
            definitions[extra[0]] = extra[1]
        kw.setdefault("BillingMode", "PAY_PER_REQUEST")
        ddb.create_table(
            TableName=name,
            KeySchema=[{"AttributeName": n, "KeyType": k} for (n, _), k in keys],
            AttributeDefinitions=[
                {"AttributeName": n, "AttributeType": t} for n, t in definitions.items()
            ],
            **kw,
        )
        ddb.get_waiter("table_exists").wait(
            TableName=name, WaiterConfig={"Delay": 0.1, "MaxAttempts": 100}
        )
        made.append(name)
        return name

    yield make
    for name in made:
        with contextlib.suppress(Exception):  # the test deleted it, or the server is gone
            ddb.delete_table(TableName=name)
