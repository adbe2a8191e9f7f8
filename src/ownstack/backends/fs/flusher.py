"""Early flushing for a big blob: make written bytes durable while the rest still arrives.

Without it, the put's final fsync does all of that after the last byte, a serial wait with the
CPU idle. Buffered writes leave dirty pages for it to write back (measured ~100-150 ms for
256 MiB on one bench VM). Direct writes leave none, but a disk with a volatile write cache (a
virtio disk backed by the host's cache) may hold them there, and fsync's cache flush then
waits for all of it: measured 243 ms for 256 MiB on another VM, a third of the whole PUT. So
staging.py reports every byte it writes, direct or buffered. Python has no sync_file_range, so
a small thread calls fdatasync on the same fd every FLUSH_EVERY bytes written: the disk then
works while the writer thread keeps writing and hashing, and the final fsync has little left to
do (on that VM: 243 ms down to ~8 ms, and the 256 MiB put from ~290 to ~340-410 MB/s).

fdatasync concurrent with write on one fd is safe. An error it reports is reported only once
per open file (Linux's errseq), so the final fsync on the same fd would NOT see it again: the
flusher keeps the error and `close` raises it, and the put fails as it would have anyway.
"""

from __future__ import annotations

import os
import threading

FLUSH_EVERY = 8 << 20
"""Bytes written between flush requests. Blobs smaller than this (most PUTs) never start the
thread. Measured with benchmarks/micro_large_put.py: the final fsync of 256 MiB went from
~110-160 ms to ~5-10 ms; 8 MiB measured a little better than 16 or 32 MiB (a smaller tail)."""


class Flusher:
    def __init__(self, fd: int) -> None:
        self._fd = fd
        self._cond = threading.Condition()
        self._requested = False
        self._closed = False
        self._error: OSError | None = None
        self._thread: threading.Thread | None = None
        self._next_at = FLUSH_EVERY

    def written(self, total: int) -> None:
        """The writer has written `total` bytes so far; ask for a flush every FLUSH_EVERY."""
        if total < self._next_at:
            return
        self._next_at = total + FLUSH_EVERY
        with self._cond:
            self._requested = True
            self._cond.notify()
        if self._thread is None:
            self._thread = threading.Thread(
                target=self._run, name="ownstack-blob-flush", daemon=True
            )
            self._thread.start()

    def close(self) -> None:
        """Stop the thread, waiting out a flush in progress: the fd must outlive it."""
        thread = self._thread
        if thread is None:
            return
        with self._cond:
            self._closed = True
            self._cond.notify()
        thread.join()

    def check(self) -> None:
        """Raise a flush's error (after `close`): the final fsync on this fd would not report
        it again."""
        if self._error is not None:
            raise self._error

    def _run(self) -> None:
        while self._next_request():
            try:
                os.fdatasync(self._fd)
            except OSError as exc:
                self._error = exc
                return

    def _next_request(self) -> bool:
        with self._cond:
            while not self._requested and not self._closed:
                self._cond.wait()
            self._requested = False
            return not self._closed
