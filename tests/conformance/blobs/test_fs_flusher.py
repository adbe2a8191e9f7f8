"""The fs engine's early writeback (Flusher): large blobs stay byte-exact, errors are not lost."""

from __future__ import annotations

import asyncio
import hashlib
import os
import threading
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from ownstack.backends.fs.blobs import FsBlobs
from ownstack.backends.fs.flusher import FLUSH_EVERY, Flusher


async def _chunks(data: bytes, size: int) -> AsyncIterator[bytes]:
    for start in range(0, len(data), size):
        yield data[start : start + size]


def test_blob_past_several_flush_points_round_trips(tmp_path: Path) -> None:
    data = os.urandom(FLUSH_EVERY * 2 + 12345)

    async def scenario() -> bytes:
        # Buffered writes: with O_DIRECT (the default where the file system takes it) a big
        # blob has no dirty pages, so the Flusher would have nothing to do.
        store = FsBlobs(tmp_path / "blobs", direct_io=False)
        seen = hashlib.md5()
        ref = await store.put(_chunks(data, 256_000), observe=seen.update)
        assert ref.size == len(data)
        assert seen.digest() == hashlib.md5(data).digest()
        parts = [chunk async for chunk in store.stream(ref.id, 0, ref.size)]
        await store.close()
        return b"".join(parts)

    threads_before = {t.name for t in threading.enumerate()}
    assert asyncio.run(scenario()) == data
    assert not list((tmp_path / "blobs" / "tmp").glob("*"))
    leftover = {t.name for t in threading.enumerate()} - threads_before
    assert "ownstack-blob-flush" not in leftover


def test_a_flush_error_is_raised_by_check() -> None:
    read_end, write_end = os.pipe()  # fdatasync on a pipe fails with EINVAL
    try:
        flusher = Flusher(write_end)
        flusher.written(FLUSH_EVERY)
        flusher.close()
        with pytest.raises(OSError):
            flusher.check()
    finally:
        os.close(read_end)
        os.close(write_end)


def test_small_writes_start_no_thread(tmp_path: Path) -> None:
    path = tmp_path / "f"
    fd = os.open(path, os.O_WRONLY | os.O_CREAT, 0o600)
    try:
        flusher = Flusher(fd)
        flusher.written(FLUSH_EVERY - 1)
        assert "ownstack-blob-flush" not in {t.name for t in threading.enumerate()}
        flusher.close()
        flusher.check()
    finally:
        os.close(fd)
