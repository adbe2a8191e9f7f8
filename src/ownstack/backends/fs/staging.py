"""How a put's bytes reach its temp file: big blobs with O_DIRECT, small ones buffered.

Why: writing a big blob through the page cache costs system CPU per page (ext4's delayed
allocation, the copy into the cache, writeback at fsync): ~0.12-0.5 s per 256 MiB, against
~0.03 s for O_DIRECT writes of aligned 4 MiB blocks. A direct write waits for the device,
though, which a small PUT should not pay on top of its fsync.

So chunks are copied into a page-aligned stage of STAGE bytes. A blob that fits in it is
written at the end in one buffered write, as before. Once a blob outgrows it, the fd is switched
to O_DIRECT and every full stage is written as one block: aligned memory, aligned length, and,
since every direct write is a multiple of ALIGN, an aligned file offset. At the end the aligned
part of the rest goes direct too; O_DIRECT is then cleared for the unaligned tail.

A block is written by a helper thread while the putter fills the other stage: the write waits
for the device (~140 ms per 256 MiB on the bench VM), time the putter spends hashing instead.
One block at a time is in flight, so the fd's offset is always the end of the previous one.

Every byte written, direct or buffered, is reported to a Flusher (flusher.py), which makes it
durable while the rest arrives. A file system that refuses O_DIRECT (see directio.py) gets the
rest of the blob buffered, and its FsBlobs stops trying (Staging).

Durability is the caller's, as before: fsync the fd, rename, fsync the dir. A direct write
reports its error itself; buffered writes' errors come from the Flusher (see flusher.py: it
keeps the error fsync would not see again) or from the final fsync, on this same fd.
"""

from __future__ import annotations

import contextlib
import enum
import errno
import mmap
import os
import threading
from concurrent.futures import Future, ThreadPoolExecutor
from types import TracebackType

from ownstack.backends.fs import directio
from ownstack.backends.fs.directio import ALIGN, set_direct, write_direct
from ownstack.backends.fs.flusher import Flusher

STAGE = 4 << 20
"""Bytes per direct write, and the largest blob written buffered (a multiple of ALIGN). A 4 MiB
write keeps the device busy ~2 ms on the bench VM: the hand-off per block is noise beside it."""
KEEP_IDLE = 8
"""Stages a store keeps for its next puts (at most 32 MiB): what 4 concurrent big puts use (two
each), or 8 small ones."""


class _Mode(enum.Enum):
    STAGING = "staging"
    """Nothing written yet: the blob may still turn out small."""
    DIRECT = "direct"
    """The fd has O_DIRECT; each full stage is written as one block."""
    BUFFERED = "buffered"
    """Chunks go straight to the page cache, with early writeback (no O_DIRECT here)."""


def _write_all(fd: int, data: memoryview) -> None:
    while data:
        written = os.write(fd, data)
        data = data[written:]


def _unmap(buf: mmap.mmap) -> None:
    # A view of it still referenced (by an exception's traceback) keeps the mapping exported:
    # it is unmapped when that is collected instead.
    with contextlib.suppress(BufferError):
        buf.close()


class Staging:
    """What one store's puts share: whether its file system takes O_DIRECT (cleared for good by
    the first refusal, so that later puts do not try again), and idle stages. A stage is reused
    because fresh memory costs a page fault per page touched: ~1.3 ms per MiB on the bench VM,
    as much as all the rest of a 1 MiB put."""

    def __init__(self, direct_io: bool) -> None:
        self.direct_io = direct_io and directio.AVAILABLE
        self._idle: list[mmap.mmap] = []
        self._lock = threading.Lock()
        self._closed = False

    def writer(self, fd: int) -> BlobWriter:
        return BlobWriter(fd, self)

    def take(self) -> mmap.mmap:
        """STAGE bytes of page-aligned memory (an anonymous mmap), with stale contents."""
        with self._lock:
            if self._idle:
                return self._idle.pop()
        return mmap.mmap(-1, STAGE)

    def give(self, buf: mmap.mmap) -> None:
        with self._lock:
            if not self._closed and len(self._idle) < KEEP_IDLE:
                self._idle.append(buf)
                return
        _unmap(buf)

    def close(self) -> None:
        with self._lock:
            idle, self._idle, self._closed = self._idle, [], True
        for buf in idle:
            _unmap(buf)


class _Stage:
    """One put's stage: taken from the store's idle ones on first use, given back at the end."""

    def __init__(self, staging: Staging) -> None:
        self._staging = staging
        self._buf: mmap.mmap | None = None
        self._used = 0

    @property
    def full(self) -> bool:
        return self._used == STAGE

    def fill(self, data: memoryview) -> int:
        """Copy as much of `data` as fits; how many bytes were taken."""
        if self._buf is None:
            self._buf = self._staging.take()
        take = min(len(data), STAGE - self._used)
        self._buf[self._used : self._used + take] = data[:take]
        self._used += take
        return take

    def data(self) -> memoryview:
        if self._buf is None:
            return memoryview(b"")
        return memoryview(self._buf)[: self._used]

    def clear(self) -> None:
        self._used = 0

    def close(self) -> None:
        """Give the memory back (no write from it may be in flight any more)."""
        buf, self._buf = self._buf, None
        if buf is not None:
            self._staging.give(buf)


class BlobWriter:
    """Writes one blob's chunks, in order, to its new temp file. `finish` writes what is left
    and raises a writeback error; the caller then fsyncs. Leaving the `with` block waits for a
    write in flight, stops the Flusher and releases the stages, whatever happened."""

    def __init__(self, fd: int, staging: Staging) -> None:
        self._fd = fd
        self._staging = staging
        self._mode = _Mode.STAGING if staging.direct_io else _Mode.BUFFERED
        self._stage = _Stage(staging)
        self._spare = _Stage(staging)
        """The stage being written by the helper thread, or next to fill."""
        self._io: ThreadPoolExecutor | None = None
        self._inflight: Future[memoryview] | None = None
        self._flusher = Flusher(fd)
        self._written = 0
        """Bytes written so far, direct or buffered: what early flushing is about."""

    def __enter__(self) -> BlobWriter:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._io is not None:
            self._io.shutdown()  # the fd and the stage must outlive a write in flight
        self._inflight = None  # its result is a view of a stage
        self._flusher.close()
        self._stage.close()
        self._spare.close()

    def write(self, chunk: bytes) -> None:
        view = memoryview(chunk)
        while view and self._mode is not _Mode.BUFFERED:
            if self._stage.full:  # and more is coming: the blob is big
                self._spill()
            else:
                view = view[self._stage.fill(view) :]
        self._write_buffered(view)

    def finish(self) -> None:
        self._settle()
        rest = self._stage.data()
        if self._mode is _Mode.DIRECT:
            rest = self._finish_direct(rest)
        # A small blob, or the unaligned tail of a big one: one write, no early writeback.
        _write_all(self._fd, rest)
        self._stage.clear()
        self._flusher.close()
        self._flusher.check()

    def _spill(self) -> None:
        """Hand the full stage to the disk as one block, directly if the file system lets us."""
        if self._mode is _Mode.STAGING:
            self._start_direct()
        self._settle()
        if self._mode is _Mode.DIRECT:
            self._submit()
            return
        self._write_buffered(self._stage.data())
        self._stage.clear()

    def _start_direct(self) -> None:
        if set_direct(self._fd, True):
            self._mode = _Mode.DIRECT
            return
        self._staging.direct_io = False
        self._mode = _Mode.BUFFERED

    def _submit(self) -> None:
        """Start writing the stage; the spare one fills meanwhile."""
        if self._io is None:
            self._io = ThreadPoolExecutor(1, thread_name_prefix="ownstack-blob-direct")
        self._inflight = self._io.submit(self._write_block, self._stage.data())
        self._stage, self._spare = self._spare, self._stage
        self._stage.clear()

    def _settle(self) -> None:
        """Wait for the block in flight (raising its write error). If the file system refused
        a full aligned block, it takes no O_DIRECT: write the rest of the blob buffered,
        starting with what that block left unwritten."""
        inflight, self._inflight = self._inflight, None
        if inflight is None:
            return
        unwritten = inflight.result()
        if unwritten:
            self._staging.direct_io = False
            self._stop_direct()
            self._write_buffered(unwritten)

    def _finish_direct(self, rest: memoryview) -> memoryview:
        """Write the aligned part of `rest` directly; what is left to write buffered."""
        aligned = len(rest) - len(rest) % ALIGN
        # A refusal here only says this file system wants more than ALIGN (full stages went
        # direct): the remainder goes buffered, and later puts keep using O_DIRECT.
        unwritten = len(write_direct(self._fd, rest[:aligned]))
        self._stop_direct()
        return rest[aligned - unwritten :]

    def _stop_direct(self) -> None:
        if not set_direct(self._fd, False):  # Linux never refuses this; be loud if it does
            raise OSError(errno.EINVAL, "cannot clear O_DIRECT")
        self._mode = _Mode.BUFFERED

    def _write_block(self, block: memoryview) -> memoryview:
        """On the I/O thread: one full stage, direct; what a refusal left unwritten."""
        unwritten = write_direct(self._fd, block)
        self._wrote(len(block) - len(unwritten))
        return unwritten

    def _write_buffered(self, data: memoryview) -> None:
        if not data:
            return
        _write_all(self._fd, data)
        self._wrote(len(data))

    def _wrote(self, n: int) -> None:
        # Never called from two threads at once: a direct block is settled before anything
        # else is written.
        self._written += n
        self._flusher.written(self._written)
