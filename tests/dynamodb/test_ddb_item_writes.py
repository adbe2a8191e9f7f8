"""Item writes against a table whose definition changes under them (deterministic races the
end-to-end tests cannot time): a write that read the old definition is redone on the new one,
so it maintains the indexes the table has when it commits."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import replace
from typing import Any

from ownstack.backends.memory.meta import MemoryMeta
from ownstack.core.clock import ManualClock
from ownstack.ports.meta import Op
from ownstack.services.dynamodb.items import ItemOps
from ownstack.services.dynamodb.records import (
    IndexRecord,
    KeySchema,
    TableRecord,
    index_ns,
)


class _Ctx:
    region = "us-east-1"
    account_id = "123456789012"


class _Racing(MemoryMeta):
    """Runs `before` (once) just ahead of the first item write."""

    def __init__(self) -> None:
        super().__init__()
        self.before: Any = None

    async def _race(self) -> None:
        if self.before is not None:
            before, self.before = self.before, None
            await before()

    async def commit(self, ops: Sequence[Op]) -> int:
        await self._race()
        return await super().commit(ops)

    async def replace(self, ns: str, key: str, value: bytes, **kw: Any) -> Any:
        await self._race()
        return await super().replace(ns, key, value, **kw)


TABLE = TableRecord(
    "tid", "123456789012", "us-east-1", "tab", KeySchema("pk"), {"pk": "S", "g": "S"}, 0.0
)
INDEX = IndexRecord("gi", "GSI", KeySchema("g"), "ALL")


def _run(params: dict[str, Any], operation: str) -> list[Any]:
    async def go() -> list[Any]:
        meta = _Racing()
        ops = ItemOps(meta, None, ManualClock(), "us-east-1")  # type: ignore[arg-type]
        await meta.commit([ops.table_put(TABLE, None)])
        found = await ops.find_table(_Ctx(), "tab")  # type: ignore[arg-type]
        assert found is not None

        async def add_index() -> None:
            await meta.commit([ops.table_put(replace(TABLE, indexes=(INDEX,)), found[1])])

        meta.before = add_index
        await getattr(ops, operation)(_Ctx(), {"TableName": "tab", **params})
        return await meta.scan(index_ns(TABLE, "gi"))

    return asyncio.run(go())


def test_fast_path_put_redone_when_an_index_appears() -> None:
    entries = _run({"Item": {"pk": {"S": "a"}, "g": {"S": "x"}}}, "put_item")
    assert len(entries) == 1


def test_conditional_put_redone_when_an_index_appears() -> None:
    item = {"pk": {"S": "a"}, "g": {"S": "x"}}
    entries = _run({"Item": item, "ConditionExpression": "attribute_not_exists(pk)"}, "put_item")
    assert len(entries) == 1


def test_update_redone_when_an_index_appears() -> None:
    params = {
        "Key": {"pk": {"S": "a"}},
        "UpdateExpression": "SET g = :g",
        "ExpressionAttributeValues": {":g": {"S": "x"}},
    }
    assert len(_run(params, "update_item")) == 1
