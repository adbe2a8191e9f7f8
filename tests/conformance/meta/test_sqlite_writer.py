"""The sqlite group writer: a failed transaction fails only itself, whether it writes one row
(no SAVEPOINT) or several (inside one), and every caller of a batch gets its own outcome."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from ownstack.backends.sqlite import SqliteMeta
from ownstack.ports.errors import ConditionFailed, PortError
from ownstack.ports.meta import ABSENT, Check, Put, Record

BAD_KEY = "\ud800"
"""A lone surrogate: not encodable as UTF-8, so binding it fails before SQLite sees it."""


def test_failed_transactions_fail_alone_in_a_batch(tmp_path: Path) -> None:
    async def go() -> None:
        meta = SqliteMeta(tmp_path / "meta.db")
        try:
            outcomes = await asyncio.gather(
                meta.commit([Put("ns", "one", b"1")]),
                meta.commit([Put("ns", BAD_KEY, b"x")]),
                meta.commit([Put("ns", "two", b"2"), Put("ns", BAD_KEY, b"x")]),
                meta.commit([Check("ns", "one", ABSENT), Put("ns", "three", b"3")]),
                meta.commit([Put("ns", "four", b"4"), Put("ns", "five", b"5")]),
                return_exceptions=True,
            )
            one, bad_single, bad_multi, checked, four = outcomes
            assert isinstance(one, int) and isinstance(four, int)
            assert isinstance(bad_single, PortError) and isinstance(bad_multi, PortError)
            assert await meta.get("ns", "one") == Record("one", b"1", one)
            assert isinstance(checked, ConditionFailed)
            assert await meta.get("ns", "two") is None
            assert await meta.get("ns", "three") is None
            assert await meta.get("ns", "five") == Record("five", b"5", four)
        finally:
            await meta.close()

    asyncio.run(go())


def test_a_failed_condition_writes_nothing(tmp_path: Path) -> None:
    async def go() -> None:
        meta = SqliteMeta(tmp_path / "meta.db")
        try:
            version = await meta.commit([Put("ns", "k", b"v1")])
            with pytest.raises(ConditionFailed):
                await meta.commit([Put("ns", "k", b"v2", expect=ABSENT)])
            assert await meta.get("ns", "k") == Record("k", b"v1", version)
        finally:
            await meta.close()

    asyncio.run(go())
