"""The fs engine's staged writes: big blobs with O_DIRECT, small ones buffered, and the buffered
fallback when a file system refuses direct I/O, all byte-exact and leaving nothing behind.

The file system's refusals are injected at the OS boundary (os.write, fcntl.fcntl answering
EINVAL as a file system without O_DIRECT does); our code runs unchanged. A spy on os.write
records what reaches the temp files, to check alignment and which path each blob took.
"""

from __future__ import annotations

import asyncio
import ctypes
import errno
import fcntl
import itertools
import os
import random
import tempfile
import threading
from collections.abc import AsyncIterator, Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from ownstack.backends.fs.blobs import FsBlobs
from ownstack.backends.fs.directio import ALIGN
from ownstack.backends.fs.staging import KEEP_IDLE, STAGE, Staging
from ownstack.ports.blobs import BlobRef

SIZES = [0, 1, 4095, 4096, STAGE - 1, STAGE, STAGE + 1, 3 * STAGE + 12345]
MIXED = (1, 4097, 256_000, 7, 65_536)
"""Chunk sizes taken in turn, so that chunks of every size straddle the stage boundaries."""


def payload(size: int) -> bytes:
    return random.Random(size).randbytes(size)


async def chunked(data: bytes, sizes: Iterable[int]) -> AsyncIterator[bytes]:
    pos = 0
    for size in itertools.cycle(sizes):
        if pos >= len(data):
            return
        yield data[pos : pos + size]
        pos += size


@dataclass(frozen=True)
class Write:
    direct: bool
    offset: int
    length: int
    address: int | None
    """Where the written memory starts; None for read-only bytes (never a direct write's)."""


class WriteSpy:
    """os.write, recording each write to a file under `root` (passes everything through)."""

    def __init__(self, root: Path, real: Callable[[int, object], int]) -> None:
        self.root = str(root)
        self.real = real
        self.writes: list[Write] = []

    def __call__(self, fd: int, data: memoryview | bytes) -> int:
        if not os.readlink(f"/proc/self/fd/{fd}").startswith(self.root):
            return self.real(fd, data)
        direct = bool(fcntl.fcntl(fd, fcntl.F_GETFL) & os.O_DIRECT)
        offset = os.lseek(fd, 0, os.SEEK_CUR)
        written = self.real(fd, data)
        self.writes.append(Write(direct, offset, written, _address(data)))
        return written

    def direct(self) -> list[Write]:
        return [w for w in self.writes if w.direct]

    def buffered(self) -> list[Write]:
        return [w for w in self.writes if not w.direct]


def _address(data: memoryview | bytes) -> int | None:
    view = memoryview(data)
    if view.readonly or not view:
        return None
    return ctypes.addressof(ctypes.c_char.from_buffer(view))


@pytest.fixture
def spy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> WriteSpy:
    recorder = WriteSpy(tmp_path, os.write)
    monkeypatch.setattr(os, "write", recorder)
    return recorder


@pytest.fixture
def fs_takes_direct(tmp_path: Path) -> None:
    """Skip where tmp_path's file system has no O_DIRECT (then only the fallback is testable)."""
    try:
        fd = os.open(tmp_path / "probe", os.O_WRONLY | os.O_CREAT | os.O_DIRECT, 0o600)
    except OSError as exc:
        pytest.skip(f"no O_DIRECT under {tmp_path}: {exc}")
    os.close(fd)
    os.unlink(tmp_path / "probe")


@dataclass
class Put:
    """One put's outcome. The bytes stay out of its repr: asyncio.run reprs the result of its
    task, and a repr of megabytes takes seconds."""

    ref: BlobRef
    read_back: bytes = field(repr=False)
    observed: bytes = field(repr=False)
    observers: set[int]


def put(store: FsBlobs, data: bytes, sizes: Iterable[int]) -> Put:
    seen: list[bytes] = []
    threads: set[int] = set()

    def observe(chunk: bytes) -> None:
        seen.append(bytes(chunk))
        threads.add(threading.get_ident())

    async def go() -> Put:
        ref = await store.put(chunked(data, sizes), observe)
        back = b"".join([c async for c in store.stream(ref.id, 0, ref.size)])
        return Put(ref, back, b"".join(seen), threads)

    return asyncio.run(go())


def temp_files(store: FsBlobs) -> list[Path]:
    return list((store.root / "tmp").iterdir())


def helper_threads() -> set[str]:
    """A put's helpers (direct writes, early writeback), joined before the put returns."""
    helpers = ("ownstack-blob-direct", "ownstack-blob-flush")
    return {t.name for t in threading.enumerate() if t.name.startswith(helpers)}


def chunkings(size: int) -> list[tuple[int, ...]]:
    """Odd chunk sizes; 1-byte chunks only where the blob is small enough to feed that way."""
    options = [(4097,), (256_000,), MIXED]
    return [(1,), *options] if size <= 2 * ALIGN else options


CASES = [(size, sizes) for size in SIZES for sizes in chunkings(size)]


def _case_id(case: tuple[int, tuple[int, ...]]) -> str:
    size, sizes = case
    return f"{size}-{'mixed' if sizes == MIXED else sizes[0]}"


# -- the direct path --------------------------------------------------------------------------


@pytest.mark.usefixtures("fs_takes_direct")
@pytest.mark.parametrize("case", CASES, ids=_case_id)
def test_round_trip_with_direct_io(
    tmp_path: Path, spy: WriteSpy, case: tuple[int, tuple[int, ...]]
) -> None:
    size, sizes = case
    data = payload(size)
    store = FsBlobs(tmp_path / "blobs")
    got = put(store, data, sizes)
    assert got.ref.size == size
    assert got.read_back == data
    assert got.observed == data
    assert temp_files(store) == []
    assert store.direct_io
    assert sum(w.length for w in spy.writes) == size
    if size <= STAGE:  # a small blob: one buffered write at the end, no O_DIRECT latency
        assert spy.direct() == []
        assert [w.length for w in spy.writes] == ([size] if size else [])
        return
    # every full stage as one aligned block, then the aligned part of the rest, then the tail
    blocks = spy.direct()
    assert all(w.offset % ALIGN == 0 and w.length % ALIGN == 0 for w in blocks)
    assert all(w.address is not None and w.address % ALIGN == 0 for w in blocks)
    assert [w.length for w in blocks[: size // STAGE]] == [STAGE] * (size // STAGE)
    assert sum(w.length for w in blocks) == size - size % ALIGN
    assert [(w.offset, w.length) for w in spy.buffered()] == (
        [(size - size % ALIGN, size % ALIGN)] if size % ALIGN else []
    )


@pytest.mark.usefixtures("fs_takes_direct")
def test_a_stage_boundary_crossed_by_one_byte_chunks(tmp_path: Path, spy: WriteSpy) -> None:
    """The spill happens when a byte beyond a full stage arrives, whatever its chunk."""
    data = payload(2 * STAGE + 2)
    sizes = (STAGE, 1, STAGE - 1, 1, 1)
    store = FsBlobs(tmp_path / "blobs")
    got = put(store, data, sizes)
    assert (got.read_back, got.observed) == (data, data)
    assert [(w.offset, w.length) for w in spy.direct()] == [(0, STAGE), (STAGE, STAGE)]
    assert [(w.offset, w.length) for w in spy.buffered()] == [(2 * STAGE, 2)]


@pytest.mark.usefixtures("fs_takes_direct")
def test_a_direct_blob_flushes_the_disk_cache_as_it_goes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Direct writes can sit in the device's volatile cache: the flushes that empty it run
    while the blob still arrives, not all at the final fsync (see flusher.py)."""
    flushes: list[int] = []
    real = os.fdatasync

    def fdatasync(fd: int) -> None:  # what the Flusher calls; the put's own fsync is os.fsync
        flushes.append(fd)
        real(fd)

    monkeypatch.setattr(os, "fdatasync", fdatasync)
    store = FsBlobs(tmp_path / "blobs")
    data = payload(5 * STAGE + 3)
    assert put(store, data, (256_000,)).read_back == data
    assert flushes  # requested at 8 and 16 MiB; two requests in flight may merge into one
    assert helper_threads() == set()


def test_the_writes_and_the_observer_stay_off_the_event_loop(tmp_path: Path) -> None:
    data = payload(3 * STAGE + 12345)
    got = put(FsBlobs(tmp_path / "blobs"), data, MIXED)
    assert got.observed == data
    assert len(got.observers) == 1
    assert threading.get_ident() not in got.observers


def test_concurrent_puts_share_the_idle_stages_without_mixing_bytes(tmp_path: Path) -> None:
    """More puts at once than the store keeps stages for, big and small, all byte-exact."""
    sizes = [3 * STAGE + 17 * i if i % 2 else 1000 * i + 1 for i in range(2 * KEEP_IDLE)]
    blobs = [random.Random(i).randbytes(size) for i, size in enumerate(sizes)]
    store = FsBlobs(tmp_path / "blobs")

    async def go() -> list[bytes]:
        refs = await asyncio.gather(*(store.put(chunked(b, MIXED)) for b in blobs))
        return [b"".join([c async for c in store.stream(ref.id, 0, ref.size)]) for ref in refs]

    assert asyncio.run(go()) == blobs
    assert temp_files(store) == []
    asyncio.run(store.close())


def test_stages_are_reused_up_to_keep_idle_and_unmapped_at_close() -> None:
    staging = Staging(direct_io=True)
    taken = [staging.take() for _ in range(KEEP_IDLE + 2)]
    assert all(len(buf) == STAGE for buf in taken)
    for buf in taken:
        staging.give(buf)
    assert [buf.closed for buf in taken] == [False] * KEEP_IDLE + [True, True]
    again = [staging.take() for _ in range(KEEP_IDLE)]
    assert {id(buf) for buf in again} == {id(buf) for buf in taken[:KEEP_IDLE]}
    for buf in again:
        staging.give(buf)
    staging.close()
    assert all(buf.closed for buf in taken)
    late = staging.take()
    staging.give(late)  # a put that ends after close keeps nothing
    assert late.closed


# -- the buffered fallback --------------------------------------------------------------------


@pytest.mark.parametrize("case", CASES, ids=_case_id)
def test_round_trip_without_direct_io(
    tmp_path: Path, spy: WriteSpy, case: tuple[int, tuple[int, ...]]
) -> None:
    size, sizes = case
    data = payload(size)
    store = FsBlobs(tmp_path / "blobs", direct_io=False)
    got = put(store, data, sizes)
    assert (got.ref.size, got.read_back, got.observed) == (size, data, data)
    assert temp_files(store) == []
    assert spy.direct() == []
    assert sum(w.length for w in spy.writes) == size


def _refuse_setting_direct(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """fcntl.fcntl as on a file system without O_DIRECT: F_SETFL with it is EINVAL."""
    attempts: list[int] = []
    real = fcntl.fcntl

    def refusing(fd: int, cmd: int, arg: int = 0) -> int:
        if cmd == fcntl.F_SETFL and arg & os.O_DIRECT:
            attempts.append(fd)
            raise OSError(errno.EINVAL, "Invalid argument")
        return real(fd, cmd, arg)

    monkeypatch.setattr(fcntl, "fcntl", refusing)
    return attempts


def _refuse_direct_writes(
    monkeypatch: pytest.MonkeyPatch, refuse: Callable[[int], bool], error: int = errno.EINVAL
) -> list[int]:
    """os.write failing with `error` for the O_DIRECT writes whose length `refuse` picks;
    returns the lengths of the direct writes that went through."""
    done: list[int] = []
    real = os.write

    def writing(fd: int, data: memoryview | bytes) -> int:
        if fcntl.fcntl(fd, fcntl.F_GETFL) & os.O_DIRECT:
            if refuse(len(data)):
                raise OSError(error, os.strerror(error))
            done.append(len(data))
        return real(fd, data)

    monkeypatch.setattr(os, "write", writing)
    return done


def test_fcntl_refusing_direct_falls_back_and_later_puts_do_not_retry(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    attempts = _refuse_setting_direct(monkeypatch)
    store = FsBlobs(tmp_path / "blobs")
    for size in (3 * STAGE + 12345, STAGE + 1, 2 * STAGE):
        data = payload(size)
        got = put(store, data, MIXED)
        assert (got.ref.size, got.read_back, got.observed) == (size, data, data)
        assert not store.direct_io
    assert len(attempts) == 1
    assert temp_files(store) == []


@pytest.mark.usefixtures("fs_takes_direct")
@pytest.mark.parametrize("allowed", [0, 1, 2])
def test_a_refused_direct_write_mid_blob_falls_back(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, allowed: int
) -> None:
    """`allowed` full stages go direct, then the file system refuses: the rest goes buffered,
    after what was written directly, and the store stops trying."""
    budget = iter(range(allowed, -1, -1))
    done = _refuse_direct_writes(monkeypatch, lambda _: next(budget) == 0)
    store = FsBlobs(tmp_path / "blobs")
    data = payload(4 * STAGE + 12345)
    got = put(store, data, (256_000,))
    assert (got.ref.size, got.read_back, got.observed) == (len(data), data, data)
    assert done == [STAGE] * allowed
    assert not store.direct_io
    again = put(store, data, (256_000,))
    assert again.read_back == data
    assert done == [STAGE] * allowed  # not tried again
    assert temp_files(store) == []


@pytest.mark.usefixtures("fs_takes_direct")
def test_a_refused_tail_goes_buffered_and_direct_stays_on(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A file system wanting more than ALIGN takes full stages but not the aligned rest."""
    done = _refuse_direct_writes(monkeypatch, lambda length: length != STAGE)
    store = FsBlobs(tmp_path / "blobs")
    data = payload(2 * STAGE + 3 * ALIGN + 5)
    got = put(store, data, MIXED)
    assert (got.read_back, got.observed) == (data, data)
    assert done == [STAGE, STAGE]
    assert store.direct_io


def test_on_dev_shm_either_path_is_exact() -> None:
    """tmpfs takes O_DIRECT on recent kernels and refuses it on older ones: exact either way."""
    if not os.path.isdir("/dev/shm"):
        pytest.skip("no /dev/shm")
    with tempfile.TemporaryDirectory(dir="/dev/shm") as root:
        store = FsBlobs(Path(root))
        for size in (3 * STAGE + 12345, 100):
            data = payload(size)
            got = put(store, data, MIXED)
            assert (got.ref.size, got.read_back, got.observed) == (size, data, data)
        assert temp_files(store) == []


# -- failures leave nothing behind ------------------------------------------------------------


class GoneError(Exception):
    pass


def all_files(store: FsBlobs) -> list[str]:
    return [name for _, _, names in os.walk(store.root) for name in names]


def _fail_put(
    store: FsBlobs, chunks: AsyncIterator[bytes], observe: Callable[[bytes], None]
) -> None:
    async def go() -> None:
        with pytest.raises(GoneError):
            await store.put(chunks, observe)

    asyncio.run(go())
    assert all_files(store) == []
    assert helper_threads() == set()


@pytest.mark.parametrize("direct_io", [True, False])
@pytest.mark.parametrize("fail_at", [10, 4 * STAGE + 7])
def test_a_failing_observer_leaves_nothing(tmp_path: Path, direct_io: bool, fail_at: int) -> None:
    seen = 0

    def observe(chunk: bytes) -> None:
        nonlocal seen
        seen += len(chunk)
        if seen >= fail_at:
            raise GoneError("bad digest")

    store = FsBlobs(tmp_path / "blobs", direct_io=direct_io)
    _fail_put(store, chunked(payload(6 * STAGE), MIXED), observe)


@pytest.mark.parametrize("direct_io", [True, False])
@pytest.mark.parametrize("fail_at", [10, STAGE, 4 * STAGE + 7])
def test_an_aborted_feed_leaves_nothing(tmp_path: Path, direct_io: bool, fail_at: int) -> None:
    async def feed() -> AsyncIterator[bytes]:
        sent = 0
        async for chunk in chunked(payload(6 * STAGE), MIXED):
            if sent >= fail_at:
                raise GoneError("client went away")
            sent += len(chunk)
            yield chunk

    store = FsBlobs(tmp_path / "blobs", direct_io=direct_io)
    _fail_put(store, feed(), lambda _: None)


@pytest.mark.usefixtures("fs_takes_direct")
def test_a_failing_direct_write_fails_the_put_and_leaves_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A disk error (not a refusal) is the put's error; no fallback hides it."""
    budget = iter(range(1, -1, -1))
    _refuse_direct_writes(monkeypatch, lambda _: next(budget) == 0, errno.EIO)
    store = FsBlobs(tmp_path / "blobs")

    async def go() -> None:
        with pytest.raises(OSError) as failed:
            await store.put(chunked(payload(5 * STAGE), (256_000,)))
        assert failed.value.errno == errno.EIO

    asyncio.run(go())
    assert all_files(store) == []
    assert helper_threads() == set()
    assert store.direct_io
