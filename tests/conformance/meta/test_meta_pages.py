"""ports.meta.pages: every record of a range, one bounded scan at a time, none twice."""

from __future__ import annotations

import asyncio

from ownstack.backends.memory import MemoryMeta
from ownstack.ports.meta import Put, Record, pages


def _collect(
    meta: MemoryMeta, *, start: str = "", end: str | None = None, size: int = 1000
) -> list[list[Record]]:
    async def go() -> list[list[Record]]:
        return [page async for page in pages(meta, "ns", start=start, end=end, size=size)]

    return asyncio.run(go())


def test_pages_cover_a_range_in_order_in_bounded_scans() -> None:
    meta = MemoryMeta()
    asyncio.run(meta.commit([Put("ns", f"k{i:02d}", b"v") for i in range(25)]))
    found = _collect(meta, size=10)
    assert [len(page) for page in found] == [10, 10, 5]
    assert [r.key for page in found for r in page] == [f"k{i:02d}" for i in range(25)]
    bounded = _collect(meta, start="k05", end="k15", size=4)
    assert [r.key for page in bounded for r in page] == [f"k{i:02d}" for i in range(5, 15)]
    exact = _collect(meta, size=25)
    assert [len(page) for page in exact] == [25]  # a full last page: one more, empty scan
    assert _collect(meta, start="z") == []
