"""The blob port's conformance suite: every engine that provides "blobs" must pass it."""

from __future__ import annotations

import asyncio
import os
import random
import threading
from collections.abc import AsyncIterator

import pytest

from conformance.kit import Backend, run, s3_upstream_keys
from ownstack.backends.fs import FsBlobs
from ownstack.backends.memory import MemoryBlobs
from ownstack.backends.s3 import S3Blobs
from ownstack.core.http import FileRange
from ownstack.ports.blobs import BlobRef, BlobStore
from ownstack.ports.errors import BlobNotFound

MiB = 1 << 20


def payload(size: int, seed: int = 0) -> bytes:
    return random.Random(seed).randbytes(size)


async def chunked(data: bytes, size: int = 64 * 1024) -> AsyncIterator[bytes]:
    for pos in range(0, len(data), size):
        yield data[pos : pos + size]


async def read_range(store: BlobStore, blob_id: str, offset: int, length: int) -> bytes:
    got = await store.open_range(blob_id, offset, length)
    if isinstance(got, bytes):
        return got
    assert isinstance(got, FileRange) and (got.offset, got.length) == (offset, length)
    try:
        return os.pread(got.fd, length, offset)
    finally:
        os.close(got.fd)


async def read_stream(store: BlobStore, blob_id: str, offset: int, length: int) -> bytes:
    return b"".join([chunk async for chunk in store.stream(blob_id, offset, length)])


def stored_count(store: BlobStore) -> int:
    """Blobs present, counting every file under an fs root (temp files included) except the
    trash, which the reaper thread empties in its own time: a file there is already out of the
    store's namespace, which is all `delete` promises (counting it made this flaky under load)."""
    if isinstance(store, FsBlobs):
        trash = os.path.join(store.root, "trash")
        return sum(
            len(files) for folder, _, files in os.walk(store.root) if not folder.startswith(trash)
        )
    if isinstance(store, S3Blobs):  # objects and multipart uploads in progress, upstream
        objects, uploads = s3_upstream_keys(store.prefix)
        return len(objects) + len(uploads)
    assert isinstance(store, MemoryBlobs)
    return len(store)


class ClientGoneError(Exception):
    pass


async def failing_after(data: bytes, chunks: int) -> AsyncIterator[bytes]:
    async for chunk in chunked(data):
        if chunks == 0:
            raise ClientGoneError("client went away")
        chunks -= 1
        yield chunk


# -- put / read -----------------------------------------------------------------------------


@pytest.mark.parametrize("size", [0, 1, 4096, MiB + 1, 3 * MiB + 17])
def test_put_then_read_back_byte_exact(store: BlobStore, size: int) -> None:
    data = payload(size, seed=size)

    async def go() -> None:
        ref = await store.put(chunked(data))
        assert ref.size == size
        assert await read_range(store, ref.id, 0, size) == data
        assert await read_stream(store, ref.id, 0, size) == data

    run(go())


def test_stream_yields_chunks_of_at_most_one_mib(store: BlobStore) -> None:
    data = payload(2 * MiB + 5)

    async def go() -> list[int]:
        ref = await store.put(chunked(data, MiB // 2))
        return [len(c) async for c in store.stream(ref.id, 3, len(data) - 3)]

    sizes = run(go())
    assert sum(sizes) == len(data) - 3
    assert all(0 < s <= MiB for s in sizes)


def test_random_ranges(store: BlobStore) -> None:
    data = payload(MiB + 12345, seed=7)
    rng = random.Random(42)

    async def go() -> None:
        ref = await store.put(chunked(data, 10_000))
        for _ in range(40):
            offset = rng.randrange(0, len(data) + 1)
            length = rng.randrange(0, len(data) - offset + 1)
            want = data[offset : offset + length]
            assert await read_range(store, ref.id, offset, length) == want
            assert await read_stream(store, ref.id, offset, length) == want
        assert await read_range(store, ref.id, len(data), 0) == b""
        assert await read_stream(store, ref.id, len(data) - 1, 1) == data[-1:]

    run(go())


def test_range_outside_the_blob_is_refused(store: BlobStore) -> None:
    async def go() -> None:
        ref = await store.put(chunked(b"0123456789"))
        for offset, length in [(0, 11), (10, 1), (-1, 2), (3, -1)]:
            with pytest.raises(ValueError):
                await store.open_range(ref.id, offset, length)
            with pytest.raises(ValueError):
                await read_stream(store, ref.id, offset, length)

    run(go())


def test_many_small_chunks(store: BlobStore) -> None:
    data = payload(300_000, seed=3)

    async def go() -> None:
        ref = await store.put(chunked(data, 100))
        assert ref.size == len(data)
        assert await read_range(store, ref.id, 0, len(data)) == data

    run(go())


def test_empty_chunks_are_fine(store: BlobStore) -> None:
    async def parts() -> AsyncIterator[bytes]:
        for part in (b"", b"ab", b"", b"c", b""):
            yield part

    async def go() -> BlobRef:
        return await store.put(parts())

    ref = run(go())
    assert ref.size == 3
    assert run(read_range(store, ref.id, 0, 3)) == b"abc"


def test_observe_sees_every_byte_in_order(store: BlobStore, backend: Backend) -> None:
    data = payload(2 * MiB + 3, seed=9)
    seen: list[bytes] = []
    threads: set[int] = set()

    def observe(chunk: bytes) -> None:
        seen.append(bytes(chunk))
        threads.add(threading.get_ident())

    async def go() -> BlobRef:
        return await store.put(chunked(data, 50_000), observe)

    ref = run(go())
    assert b"".join(seen) == data
    assert ref.size == len(data)
    assert len(threads) == 1  # one caller: a single thread, as ChunkObserver promises
    if backend.name == "fs":  # writing and hashing happen off the event loop
        assert threading.get_ident() not in threads


def test_concurrent_puts_get_distinct_ids(store: BlobStore) -> None:
    blobs = [payload(1000 + i, seed=i) for i in range(20)]

    async def go() -> list[BlobRef]:
        return await asyncio.gather(*(store.put(chunked(b, 333)) for b in blobs))

    refs = run(go())
    assert len({r.id for r in refs}) == 20
    for ref, data in zip(refs, blobs, strict=True):
        assert run(read_range(store, ref.id, 0, len(data))) == data


def test_ids_are_opaque_and_path_safe(store: BlobStore) -> None:
    async def go() -> list[str]:
        return [(await store.put(chunked(b"x"))).id for _ in range(20)]

    ids = run(go())
    assert len(set(ids)) == 20
    for blob_id in ids:
        assert blob_id and "/" not in blob_id and "\\" not in blob_id and ".." not in blob_id


# -- failures leave nothing behind ----------------------------------------------------------


@pytest.mark.parametrize("good_chunks", [0, 1, 40])
def test_put_whose_iterator_raises_keeps_nothing(store: BlobStore, good_chunks: int) -> None:
    data = payload(3 * MiB)

    async def go() -> None:
        with pytest.raises(ClientGoneError, match="client went away"):
            await store.put(failing_after(data, good_chunks))

    run(go())
    assert stored_count(store) == 0


def test_put_whose_observer_raises_keeps_nothing(store: BlobStore) -> None:
    def observe(chunk: bytes) -> None:
        raise ClientGoneError("bad digest")

    async def go() -> None:
        with pytest.raises(ClientGoneError, match="bad digest"):
            await store.put(chunked(payload(MiB)), observe)

    run(go())
    assert stored_count(store) == 0


def test_cancelled_put_keeps_nothing(store: BlobStore) -> None:
    async def stalls() -> AsyncIterator[bytes]:
        yield b"first chunk"
        await asyncio.Event().wait()  # a client that stops sending
        yield b"never"

    async def go() -> None:
        task = asyncio.create_task(store.put(stalls()))
        await asyncio.sleep(0.05)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task

    run(go())
    assert stored_count(store) == 0


def test_failed_put_does_not_disturb_others(store: BlobStore) -> None:
    good = payload(MiB, seed=1)

    async def go() -> BlobRef:
        results = await asyncio.gather(
            store.put(chunked(good)), store.put(failing_after(good, 3)), return_exceptions=True
        )
        assert isinstance(results[1], ClientGoneError)
        assert isinstance(results[0], BlobRef)
        return results[0]

    ref = run(go())
    assert stored_count(store) == 1
    assert run(read_range(store, ref.id, 0, len(good))) == good


# -- delete and missing blobs ---------------------------------------------------------------


def test_delete_is_idempotent_and_then_blob_is_gone(store: BlobStore) -> None:
    async def go() -> None:
        ref = await store.put(chunked(b"hello"))
        await store.delete(ref.id)
        await store.delete(ref.id)
        with pytest.raises(BlobNotFound) as missing:
            await store.open_range(ref.id, 0, 5)
        assert missing.value.blob_id == ref.id
        with pytest.raises(BlobNotFound):
            await read_stream(store, ref.id, 0, 5)

    run(go())
    assert stored_count(store) == 0


@pytest.mark.parametrize(
    "blob_id", ["0" * 32, "nope", "", "../../etc/passwd", "ab/cd/" + "a" * 32, "A" * 32]
)
def test_unknown_ids_are_not_found(store: BlobStore, blob_id: str) -> None:
    async def go() -> None:
        with pytest.raises(BlobNotFound):
            await store.open_range(blob_id, 0, 0)
        with pytest.raises(BlobNotFound):
            await read_stream(store, blob_id, 0, 0)
        await store.delete(blob_id)

    run(go())


def test_an_opened_range_survives_delete(store: BlobStore) -> None:
    """A GET that has opened its range is not torn by a concurrent overwrite's delete."""
    data = payload(100_000)

    async def go() -> None:
        ref = await store.put(chunked(data))
        got = await store.open_range(ref.id, 10, 50_000)
        await store.delete(ref.id)
        if isinstance(got, FileRange):
            try:
                assert os.pread(got.fd, got.length, got.offset) == data[10:50_010]
            finally:
                os.close(got.fd)
        else:
            assert got == data[10:50_010]

    run(go())


# -- lifecycle and durability ---------------------------------------------------------------


def test_health(store: BlobStore) -> None:
    assert run(store.health()) is None


def test_reopen_sees_blobs(backend: Backend) -> None:
    if not backend.persistent:
        pytest.skip(f"{backend.name} keeps nothing across a reopen")
    data = payload(MiB + 1, seed=11)
    first = backend.open()
    ref = run(first.put(chunked(data)))
    run(first.close())
    second = backend.open()
    assert run(read_range(second, ref.id, 0, len(data))) == data
    run(second.close())


def test_reopen_drops_leftover_temp_files(backend: Backend) -> None:
    if backend.name != "fs":
        pytest.skip("only the fs engine has temp files")
    first = backend.open()
    assert isinstance(first, FsBlobs)
    kept = run(first.put(chunked(b"kept")))
    run(first.close())
    leftover = first.root / "tmp" / ("f" * 32)  # what a crash mid-put leaves
    leftover.write_bytes(b"half an upload")
    second = backend.open()
    assert not leftover.exists()
    assert stored_count(second) == 1
    assert run(read_range(second, kept.id, 0, 4)) == b"kept"
