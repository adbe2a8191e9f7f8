"""The fs engine's delete: the blob leaves its place at once, its file is unlinked off the
caller's path (reaper.py), and what a crash leaves in the trash is gone at the next start."""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from ownstack.backends.fs.blobs import FsBlobs
from ownstack.ports.errors import BlobNotFound


async def _one(data: bytes) -> AsyncIterator[bytes]:
    yield data


def _files(directory: Path) -> list[Path]:
    return [p for p in directory.iterdir() if p.is_file()]


def test_delete_is_immediate_and_the_trash_empties(tmp_path: Path) -> None:
    root = tmp_path / "blobs"

    async def go() -> None:
        store = FsBlobs(root)
        ref = await store.put(_one(os.urandom(6 << 20)))
        kept = await store.put(_one(b"kept"))
        await store.delete(ref.id)
        with pytest.raises(BlobNotFound):
            await store.open_range(ref.id, 0, 1)
        await store.delete(ref.id)  # deleting again (or a blob never stored) is fine
        deadline = time.monotonic() + 10
        while _files(root / "trash") and time.monotonic() < deadline:
            await asyncio.sleep(0.01)
        assert _files(root / "trash") == []
        assert await store.open_range(kept.id, 0, 4) is not None
        await store.close()

    asyncio.run(go())


def test_leftovers_in_the_trash_are_removed_at_start(tmp_path: Path) -> None:
    root = tmp_path / "blobs"
    FsBlobs(root)
    left = root / "trash" / ("ab" * 16)
    left.write_bytes(b"a deleted blob a crash left behind")
    FsBlobs(root)
    assert not left.exists()
